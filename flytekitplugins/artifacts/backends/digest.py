"""Hashing bytes while they are copied or read, so stored bytes are read exactly once."""

from __future__ import annotations

import errno
import hashlib
import os
import typing
from concurrent.futures import ThreadPoolExecutor

# 1 MiB pieces stay in CPU cache between the hash and the write, which measured faster than larger ones.
CHUNK = 1 << 20


def write_all(write: typing.Callable[[memoryview], typing.Optional[int]], data) -> None:
    """Write every byte of ``data`` through ``write`` (a file's ``write`` or ``functools.partial(os.write, fd)``),
    which may take fewer bytes than given: an unbuffered file near a full disk returns a short count instead of
    failing. A write that takes nothing raises ENOSPC rather than loop or leave the copy short."""
    view = memoryview(data).cast("B")
    while view:
        n = write(view)
        if not n:
            raise OSError(errno.ENOSPC, "no byte could be written: is the disk full?")
        view = view[n:]


def copy_hashing(
    src: typing.BinaryIO,
    dst: typing.Optional[typing.BinaryIO],
    progress: typing.Optional[typing.Callable[[int], None]] = None,
    overlap: bool = True,
) -> typing.Tuple[int, str]:
    """Copy ``src`` to ``dst`` (or just read it, when ``dst`` is None); return (size, sha256 hex).

    hashlib releases the GIL on large buffers, so with ``overlap`` one worker thread hashes chunk N while this
    thread writes chunk N and reads chunk N+1: the hash costs next to nothing on top of the copy. Callers that
    already copy many files on a pool of threads pass ``overlap=False``: the hash then runs inline, through one
    reused buffer, with no extra thread per file.
    """
    if not overlap:
        return _copy_inline(src, dst, progress)
    h = hashlib.sha256()
    size = 0
    with ThreadPoolExecutor(max_workers=1) as hasher:
        pending = None
        while True:
            buf = src.read(CHUNK)
            if not buf:
                break
            # One worker runs updates strictly in submission order.
            job = hasher.submit(h.update, buf)
            if dst is not None:
                write_all(dst.write, buf)
            size += len(buf)
            if progress is not None:
                progress(len(buf))
            if pending is not None:
                pending.result()
            pending = job
        if pending is not None:
            pending.result()
    return size, h.hexdigest()


def _copy_inline(src, dst, progress) -> typing.Tuple[int, str]:
    h = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    size = 0
    while True:
        n = src.readinto(buf)
        if not n:
            break
        h.update(view[:n])
        if dst is not None:
            write_all(dst.write, view[:n])
        size += n
        if progress is not None:
            progress(n)
    return size, h.hexdigest()


def sha256_file(path: str) -> typing.Tuple[int, str]:
    """(size, sha256 hex) of a local file."""
    with open(path, "rb") as f:
        # A worker thread only pays off on large files; small ones are hashed inline.
        return copy_hashing(f, None, overlap=os.fstat(f.fileno()).st_size > 8 * CHUNK)


class HashingReader:
    """A read-only, non-seekable view of a file that hashes what it hands out.

    Not seekable on purpose: s3transfer then reads it strictly once, front to back, so the hash covers exactly
    the bytes uploaded and the file is read from disk once.
    """

    def __init__(self, f: typing.BinaryIO):
        self._f = f
        self.sha = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, n: int = -1) -> bytes:
        buf = self._f.read(n)
        self.sha.update(buf)
        self.size += len(buf)
        return buf
