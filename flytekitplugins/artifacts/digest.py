"""Copying bytes while hashing them, so stored bytes are read exactly once."""

from __future__ import annotations

import hashlib
import typing
from concurrent.futures import ThreadPoolExecutor

# 1 MiB pieces stay in CPU cache between the hash and the write, which measured faster than larger ones.
CHUNK = 1 << 20


def copy_hashing(
    src: typing.BinaryIO,
    dst: typing.Optional[typing.BinaryIO],
    progress: typing.Optional[typing.Callable[[int], None]] = None,
    chunk: int = CHUNK,
    overlap: bool = True,
) -> typing.Tuple[int, str]:
    """Copy ``src`` to ``dst`` (or just read it, when ``dst`` is None); return (size, sha256 hex).

    hashlib releases the GIL on large buffers, so with ``overlap`` one worker thread hashes chunk N while this
    thread writes chunk N and reads chunk N+1: the hash costs next to nothing on top of the copy. Callers that
    already copy many files on a pool of threads pass ``overlap=False``: the hash then runs inline, through one
    reused buffer, with no extra thread per file.
    """
    if not overlap:
        return _copy_inline(src, dst, progress, chunk)
    h = hashlib.sha256()
    size = 0
    with ThreadPoolExecutor(max_workers=1) as hasher:
        pending = None
        while True:
            buf = src.read(chunk)
            if not buf:
                break
            # One worker runs updates strictly in submission order.
            job = hasher.submit(h.update, buf)
            if dst is not None:
                dst.write(buf)
            size += len(buf)
            if progress is not None:
                progress(len(buf))
            if pending is not None:
                pending.result()
            pending = job
        if pending is not None:
            pending.result()
    return size, h.hexdigest()


def _copy_inline(src, dst, progress, chunk: int) -> typing.Tuple[int, str]:
    h = hashlib.sha256()
    buf = bytearray(chunk)
    view = memoryview(buf)
    size = 0
    while True:
        n = src.readinto(buf)
        if not n:
            break
        h.update(view[:n])
        if dst is not None:
            dst.write(view[:n])
        size += n
        if progress is not None:
            progress(n)
    return size, h.hexdigest()


def sha256_file(path: str) -> typing.Tuple[int, str]:
    with open(path, "rb") as f:
        return copy_hashing(f, None)
