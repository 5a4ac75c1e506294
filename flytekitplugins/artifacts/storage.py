"""Where the store's bytes live: a local folder or an S3 prefix, behind one small interface.

Keys are relative, '/'-separated strings. Every write that must never be overwritten goes through
``write_once``, which is atomic (readers never see half an object) and says whether it created the key.
"""

from __future__ import annotations

import os
import tempfile
import threading
import typing
import uuid

from .digest import copy_hashing
from .errors import ArtifactNotFoundError, ArtifactValueError

BLOB_PREFIX = "blobs/sha256"


def blob_key(sha256: str) -> str:
    return f"{BLOB_PREFIX}/{sha256[:2]}/{sha256}"


class Backend:
    """The operations the store needs; implemented for local folders and S3."""

    root: str

    def uri(self, key: str) -> str:
        raise NotImplementedError

    def read_bytes(self, key: str) -> bytes:
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    def write_once(self, key: str, data: bytes) -> bool:
        """Create ``key`` with ``data`` unless it exists. True when this call created it."""
        raise NotImplementedError

    def write(self, key: str, data: bytes) -> None:
        """Create or replace ``key`` atomically (used only for mutable pointers, never for records)."""
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def list(self, prefix: str) -> typing.List[str]:
        """All keys under ``prefix`` (recursively), sorted."""
        raise NotImplementedError

    def list_children(self, prefix: str) -> typing.List[str]:
        """Names directly under ``prefix`` (files and 'folders'), sorted."""
        raise NotImplementedError

    def put_file_blob(self, path: str, progress=None) -> typing.Tuple[str, int, str]:
        """Copy a local file into the content-addressed area; return (key, size, sha256)."""
        raise NotImplementedError

    def download(self, key: str, dest: str, progress=None) -> None:
        raise NotImplementedError


class LocalBackend(Backend):
    def __init__(self, root: str):
        self.root = os.path.abspath(os.path.expanduser(root))
        if os.path.exists(self.root) and not os.path.isdir(self.root):
            raise ArtifactValueError(
                f"store root {self.root!r} exists and is not a folder: set FLYTE_ARTIFACTS_ROOT to a folder or an s3:// URI"
            )

    def _path(self, key: str) -> str:
        path = os.path.normpath(os.path.join(self.root, key))
        if os.path.commonpath([path, self.root]) != self.root:
            raise ArtifactValueError(f"key {key!r} escapes the store root {self.root!r}")
        return path

    def uri(self, key: str) -> str:
        return self._path(key)

    def read_bytes(self, key: str) -> bytes:
        try:
            with open(self._path(key), "rb") as f:
                return f.read()
        except FileNotFoundError:
            raise ArtifactNotFoundError(f"{key!r} not found in store {self.root!r}") from None

    def exists(self, key: str) -> bool:
        return os.path.exists(self._path(key))

    def _tmp(self, path: str) -> typing.IO[bytes]:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return tempfile.NamedTemporaryFile(dir=os.path.dirname(path), prefix=".tmp-", delete=False)

    @staticmethod
    def _sync_dir(path: str) -> None:
        fd = os.open(os.path.dirname(path), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def write_once(self, key: str, data: bytes) -> bool:
        path = self._path(key)
        with self._tmp(path) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(f.name, 0o444)
        try:
            # link() fails if the target exists, which makes creation atomic and exclusive.
            os.link(f.name, path)
            created = True
        except FileExistsError:
            created = False
        finally:
            os.unlink(f.name)
        if created:
            self._sync_dir(path)
        return created

    def write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        with self._tmp(path) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(f.name, 0o644)
        os.replace(f.name, path)
        self._sync_dir(path)

    def delete(self, key: str) -> None:
        try:
            os.unlink(self._path(key))
        except FileNotFoundError:
            pass

    def list(self, prefix: str) -> typing.List[str]:
        base = self._path(prefix) if prefix else self.root
        out = []
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if name.startswith(".tmp-"):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), self.root)
                out.append(rel.replace(os.sep, "/"))
        return sorted(out)

    def list_children(self, prefix: str) -> typing.List[str]:
        try:
            return sorted(n for n in os.listdir(self._path(prefix)) if not n.startswith(".tmp-"))
        except FileNotFoundError:
            return []

    def put_file_blob(self, path: str, progress=None) -> typing.Tuple[str, int, str]:
        tmp_path = self._path(f"{BLOB_PREFIX}/.tmp-{uuid.uuid4().hex}")
        os.makedirs(os.path.dirname(tmp_path), exist_ok=True)
        try:
            with open(path, "rb") as src, open(tmp_path, "wb", buffering=0) as dst, _Writeback(dst.fileno()) as wb:
                size, sha = copy_hashing(src, dst, wb.chain(progress))
            # _Writeback has flushed all but the tail; this makes the whole file durable.
            with open(tmp_path, "rb") as done:
                os.fsync(done.fileno())
            # Stored bytes are immutable: make accidental writes through the recorded path fail.
            os.chmod(tmp_path, 0o444)
            key = blob_key(sha)
            final = self._path(key)
            os.makedirs(os.path.dirname(final), exist_ok=True)
            try:
                os.link(tmp_path, final)
                self._sync_dir(final)
            except FileExistsError:
                pass  # identical bytes are stored once
            return key, size, sha
        finally:
            try:
                os.unlink(tmp_path)
            except FileNotFoundError:
                pass

    def download(self, key: str, dest: str, progress=None) -> None:
        src = self._path(key)
        if not os.path.isfile(src):
            raise ArtifactNotFoundError(f"{key!r} not found in store {self.root!r}")
        write_local_file(open(src, "rb"), dest, progress)


class _Writeback:
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

    def __enter__(self) -> "_Writeback":
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


def write_local_file(
    src: typing.BinaryIO,
    dest: str,
    progress=None,
    expect: typing.Optional[typing.Tuple[int, str]] = None,
    what: str = "the file",
) -> typing.Tuple[int, str]:
    """Write a stream to ``dest`` through a temp file beside it; return (size, sha256).

    A failure never leaves half a file, and with ``expect=(size, sha256)`` bytes that do not match leave ``dest``
    as it was.
    """
    dest = os.path.abspath(dest)
    if os.path.isdir(dest):
        raise ArtifactValueError(f"output path {dest!r} is a folder: give a file path inside it")
    folder = os.path.dirname(dest)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with src, os.fdopen(fd, "wb") as out:
            size, sha = copy_hashing(src, out, progress)
        if expect is not None and (size, sha) != tuple(expect):
            raise ArtifactValueError(
                f"the bytes of {what} no longer match what was recorded (sha256 {sha[:12]}... size {size}, "
                f"expected {expect[1][:12]}... size {expect[0]}): the stored copy was changed or damaged; nothing was written"
            )
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
        return size, sha
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def open_backend(root: str) -> Backend:
    if not isinstance(root, str) or not root.strip():
        raise ArtifactValueError(f"store root {root!r} is empty: set FLYTE_ARTIFACTS_ROOT to a folder or s3://bucket/prefix")
    root = root.strip()
    if root.startswith("s3://"):
        from .s3 import S3Backend

        return S3Backend(root)
    if root.startswith("file://"):
        root = root[len("file://") :]
    elif "://" in root:
        scheme = root.split("://", 1)[0]
        raise ArtifactValueError(
            f"store root {root!r} uses the unsupported scheme {scheme!r}: use a local folder or s3://bucket/prefix"
        )
    return LocalBackend(root)


def read_uri_stream(uri: str) -> typing.BinaryIO:
    """Open a file the store did not write (a task output): a local path or an s3:// object."""
    if uri.startswith("s3://"):
        from .s3 import open_s3_uri

        return open_s3_uri(uri)
    if uri.startswith("file://"):
        uri = uri[len("file://") :]
    return open(uri, "rb")


