"""Making local writes durable cheaply: background write-back while a large file is copied, and one batch of
syncs for all the files of a group commit (``LocalBackend.group_commit``)."""

from __future__ import annotations

import os
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


class SyncBatch:
    """Files and folders written without a sync of their own, made durable together by :meth:`commit`: all their
    fsyncs issued at once from a pool of threads, so the filesystem writes them in one journal commit instead of one
    per file. Files first, then the folders holding their names."""

    WORKERS = 16

    def __init__(self):
        self.files: typing.Dict[str, None] = {}
        self.folders: typing.Dict[str, None] = {}

    def add(self, path: str) -> None:
        (self.folders if os.path.isdir(path) else self.files)[path] = None

    def commit(self) -> None:
        """Make everything added so far durable; returns once it is."""
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
