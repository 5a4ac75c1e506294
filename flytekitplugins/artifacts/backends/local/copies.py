"""Placing files into a local dataset: each file under its own name, verified against its record's sha256.

A dataset's files must never share storage that can be changed in place with the store or with each other
(a file edited through one name would silently change the other). So each file is

* a reflink (``FICLONE``) of the source where the filesystem can (btrfs, XFS, ...): the blocks are shared
  copy-on-write, so a later write to either name un-shares them; nothing is copied, and the bytes are then read
  once to check their sha256;
* otherwise a real copy, made inside the kernel (``copy_file_range``, as ``cp`` does), then hashed from the page
  cache through a memory map, so what is checked is what landed;
* a hard link only when the caller asks for it (``link=True``): instant, but the dataset file and the source are
  then one file, so changing either changes both; meant for a store and datasets nobody writes to.

Bytes land in a temp file next to their final name and are renamed into place only once their hash matched, so
a name in a snapshot folder always holds the right bytes. An existing file (from an attempt that died) is kept
only if it still has the right size and hash.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import mmap
import os
import tempfile
import typing

from ..base import Opener, Progress, Transfer, is_local, local_path, locked, mismatch, run_all
from ..digest import copy_hashing, sha256_file, write_all
from .files import discard, holds

#: Threads placing files at once (hashing releases the GIL, so they share the cores).
LOCAL_WORKERS = 8
#: Piece size when copying a file that is hashed inline.
COPY_CHUNK = 4 << 20
#: ``ioctl(dst, FICLONE, src)``: share all of src's blocks with dst (Linux; btrfs, XFS, bcachefs, ...).
FICLONE = 0x40049409

Placement = typing.Tuple[Transfer, str]


def reflink(src_fd: int, dst_fd: int) -> bool:
    """Make ``dst_fd``'s file a copy-on-write clone of ``src_fd``'s; False where the filesystem cannot."""
    try:
        fcntl.ioctl(dst_fd, FICLONE, src_fd)
        return True
    except OSError:
        return False


def kernel_copy(src_fd: int, dst_fd: int) -> None:
    """Copy a whole file inside the kernel (``copy_file_range``), as ``cp`` does: no byte passes through Python."""
    size = os.fstat(src_fd).st_size
    offset = 0
    try:
        while offset < size:
            n = os.copy_file_range(src_fd, dst_fd, size - offset, offset, offset)
            if n == 0:
                break
            offset += n
    except OSError:
        # Not supported here (an old kernel, some network filesystems): copy through a buffer.
        os.lseek(src_fd, offset, os.SEEK_SET)
        os.lseek(dst_fd, offset, os.SEEK_SET)
        while True:
            buf = os.read(src_fd, COPY_CHUNK)
            if not buf:
                break
            write_all(functools.partial(os.write, dst_fd), buf)


#: Piece size of a kernel copy hashed as it lands: a multiple of mmap's offset granularity.
KERNEL_CHUNK = 8 << 20


def _hash_landed(h: "hashlib._Hash", fd: int, offset: int, length: int) -> None:
    with mmap.mmap(fd, length, access=mmap.ACCESS_READ, offset=offset) as m:
        h.update(m)


def kernel_copy_hashing(src_fd: int, dst_fd: int,
                        progress: Progress = None) -> typing.Optional[typing.Tuple[int, str]]:
    """Copy a whole file inside the kernel (``copy_file_range``), hashing each piece from the page cache of the
    copy once it has landed, while the next piece is copied; returns (size, sha256) of what landed, or None when
    this filesystem pair cannot copy in the kernel (nothing copied yet: the caller copies through a buffer).

    ``dst_fd`` must be open for reading too. No byte passes through Python, and what is hashed is the copy itself,
    read back from memory, so the sha256 names exactly the bytes stored. One worker thread hashes (hashlib releases
    the GIL) in the order the pieces landed."""
    from concurrent.futures import ThreadPoolExecutor

    h = hashlib.sha256()
    offset = 0
    with ThreadPoolExecutor(max_workers=1) as hasher:
        pending = None
        while True:
            try:
                n = os.copy_file_range(src_fd, dst_fd, KERNEL_CHUNK, offset, offset)
            except OSError:
                if offset == 0:
                    return None
                raise
            if n == 0:
                break
            # A short piece ends the file (or the source shrank): the next call then returns 0.
            job = hasher.submit(_hash_landed, h, dst_fd, offset, n)
            offset += n
            if progress is not None:
                progress(n)
            if pending is not None:
                pending.result()
            pending = job
            if n % mmap.ALLOCATIONGRANULARITY:
                # The next piece would start at an offset mmap cannot map: finish through the plain path.
                pending.result()
                pending = None
                rest = _copy_rest(src_fd, dst_fd, offset, h, progress)
                return offset + rest, h.hexdigest()
        if pending is not None:
            pending.result()
    return offset, h.hexdigest()


def _copy_rest(src_fd: int, dst_fd: int, offset: int, h: "hashlib._Hash", progress: Progress) -> int:
    """Copy (and hash) from ``offset`` to the end through a buffer; returns the bytes copied."""
    done = 0
    while True:
        buf = os.pread(src_fd, COPY_CHUNK, offset + done)
        if not buf:
            return done
        view = memoryview(buf)
        while view:
            n = os.pwrite(dst_fd, view, offset + done)
            if not n:
                raise OSError(28, "no byte could be written: is the disk full?")
            h.update(view[:n])
            view = view[n:]
            done += n
            if progress is not None:
                progress(n)


def hash_fd(fd: int, progress: Progress = None) -> typing.Tuple[int, str]:
    """(size, sha256) of an open file, hashed from a memory map (no copy into Python, the GIL released)."""
    size = os.fstat(fd).st_size
    h = hashlib.sha256()
    if size:
        with mmap.mmap(fd, size, access=mmap.ACCESS_READ) as m:
            view = memoryview(m)
            try:
                for start in range(0, size, COPY_CHUNK):
                    h.update(view[start:start + COPY_CHUNK])
                    if progress is not None:
                        progress(min(COPY_CHUNK, size - start))
            finally:
                view.release()
    return size, h.hexdigest()


def _matches(path: str, t: Transfer) -> bool:
    return holds(path, t.size, t.sha256)


def place_files(
    placements: typing.Sequence[Placement],
    path_of: typing.Callable[[str], str],
    open_source: Opener,
    progress: Progress,
    mode: int,
    link: bool = False,
) -> None:
    """Put each transfer's bytes at ``path_of(key)``, verified; ``mode`` is the new files' permission bits."""
    progress = locked(progress)

    def done(t: Transfer) -> None:
        if progress is not None:
            progress(t.size)

    def one(p: Placement) -> None:
        t, key = p
        final = path_of(key)
        if os.path.lexists(final):
            if _matches(final, t):
                os.utime(final)  # a retried export reuses it: fresh, so `gc` leaves it to the manifest to come
                return done(t)
            os.unlink(final)  # a damaged or partial file of an earlier attempt
        folder = os.path.dirname(final)
        os.makedirs(folder, exist_ok=True)
        source = local_path(t.source_uri) if is_local(t.source_uri) else None
        if source is not None and link:
            # Only on request: checked, then one file with two names.
            got = sha256_file(source)
            if got != (t.size, t.sha256):
                raise mismatch(t, *got)
            os.link(source, final)
            return done(t)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "r+b", buffering=0) as dst:
                if source is None:
                    with open_source(t.source_uri) as src:
                        size, sha = copy_hashing(src, dst, progress)
                else:
                    with open(source, "rb", buffering=0) as src:
                        if not reflink(src.fileno(), dst.fileno()):
                            kernel_copy(src.fileno(), dst.fileno())
                        # What landed is what is checked: the new file is hashed, from the page cache.
                        size, sha = hash_fd(dst.fileno(), progress)
                os.fchmod(dst.fileno(), mode)
            if (size, sha) != (t.size, t.sha256):
                raise mismatch(t, size, sha)
            # Not fsynced, like `cp`: a snapshot is committed by its manifest, written after every file is in place;
            # a machine losing power before the OS writes its cache is caught by `verify` (the sha256 differs).
            os.replace(tmp, final)
        finally:
            discard(tmp)

    run_all(one, list(placements), LOCAL_WORKERS)
