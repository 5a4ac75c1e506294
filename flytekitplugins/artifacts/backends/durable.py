"""Making local writes durable cheaply: background write-back while a large file is copied, and one batch of
syncs for all the files of a group commit (``LocalBackend.group_commit``)."""

from __future__ import annotations

import functools
import os
import sys
import threading
import typing


def fsync_path(path: str) -> None:
    """fsync a file or folder by its path (a file removed meanwhile needs nothing)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@functools.lru_cache(maxsize=None)
def _syncfs_call() -> typing.Optional[typing.Callable[[int], int]]:
    """libc's ``syncfs(fd)`` (Linux): one call that makes every file of one filesystem durable; None elsewhere.
    Loaded on first use (ctypes is not free to import)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        fn = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn


#: Filesystems whose syncfs(2) is known to make every file durable. Elsewhere (FUSE before Linux 5.15, network
#: filesystems, anything unknown) a batch is fsynced file by file, which every filesystem honours.
SYNCFS_FILESYSTEMS = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "bcachefs", "zfs", "overlay"})


@functools.lru_cache(maxsize=None)
def filesystem_type(device: int) -> typing.Optional[str]:
    """The type of the mounted filesystem with this device number (``st_dev``), from ``/proc/self/mountinfo``;
    None when it cannot be told."""
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                fields = line.split()
                major, minor = fields[2].split(":")
                if os.makedev(int(major), int(minor)) == device:
                    return fields[fields.index("-") + 1]
    except (OSError, ValueError, IndexError):
        return None
    return None


def syncfs(folder: str) -> bool:
    """Make everything written to the filesystem holding ``folder`` durable with one ``syncfs(2)``; False when the
    platform has none (the caller then syncs file by file). A failure to write back raises ``OSError``."""
    call = _syncfs_call()
    if call is None:
        return False
    import ctypes

    fd = os.open(folder, os.O_RDONLY)
    try:
        if call(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), folder)
    finally:
        os.close(fd)
    return True


class SyncBatch:
    """Files and folders written without a sync of their own, made durable together by :meth:`commit`.

    A small batch is synced file by file (the fsyncs issued at once from a pool of threads, so the filesystem
    folds them into few journal commits), files first, then the folders holding their names. A batch of
    ``SYNCFS_FROM`` paths or more on filesystems in ``SYNCFS_FILESYSTEMS`` is made durable with one ``syncfs(2)``
    per filesystem instead: it flushes the
    whole filesystem (other programs' unsynced writes too, so it can take longer on a busy disk), which measured
    four to six times cheaper than a few hundred fsyncs (PostgreSQL offers the same choice for its data folder).
    """

    WORKERS = 16
    SYNCFS_FROM = 32

    def __init__(self):
        self.files: typing.Dict[str, None] = {}
        self.folders: typing.Dict[str, None] = {}

    def add_file(self, path: str) -> None:
        self.files[path] = None

    def add_folder(self, path: str) -> None:
        self.folders[path] = None

    def __len__(self) -> int:
        return len(self.files) + len(self.folders)

    def commit(self) -> None:
        """Make everything added so far durable; returns once it is."""
        if len(self) >= self.SYNCFS_FROM and self._commit_syncfs():
            return
        from concurrent.futures import ThreadPoolExecutor

        for group in (self.files, self.folders):
            paths = list(group)
            group.clear()
            if len(paths) <= 1:
                for p in paths:
                    fsync_path(p)
                continue
            with ThreadPoolExecutor(max_workers=min(self.WORKERS, len(paths))) as pool:
                list(pool.map(fsync_path, paths))

    def _commit_syncfs(self) -> bool:
        # One folder per filesystem the batch touched (a store may hold mount points).
        by_device: typing.Dict[int, str] = {}
        for folder in {*self.folders, *(os.path.dirname(p) for p in self.files)}:
            try:
                by_device.setdefault(os.stat(folder).st_dev, folder)
            except FileNotFoundError:
                continue  # removed since (a temp file's folder): nothing of it to keep
        if any(filesystem_type(device) not in SYNCFS_FILESYSTEMS for device in by_device):
            return False
        for folder in by_device.values():
            if not syncfs(folder):
                return False
        self.files.clear()
        self.folders.clear()
        return True


class Writeback:
    """Flushes a file being written to disk in the background, every few MiB.

    Durable writes need an fsync; done once at the end it waits for the whole file to reach the disk. Issued
    while copying, the disk writes overlap the reading and hashing, and the final fsync only waits for the tail.
    """

    STEP = 16 << 20

    def __init__(self, fd: int):
        self.fd = fd
        self.written = 0
        self.synced = 0
        self.wake = threading.Event()
        self.done = False
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "Writeback":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done = True
        self.wake.set()
        self.thread.join()

    def chain(self, progress):
        def on_bytes(n: int) -> None:
            self.written += n
            if self.written - self.synced >= self.STEP:
                self.wake.set()
            if progress is not None:
                progress(n)

        return on_bytes

    def _run(self) -> None:
        while not self.done:
            self.wake.wait()
            self.wake.clear()
            if self.done:
                return
            target = self.written
            os.fdatasync(self.fd)
            self.synced = target
