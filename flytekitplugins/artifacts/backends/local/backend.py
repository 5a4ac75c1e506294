"""The store on a local folder (or a mounted volume): atomic, durable, read-only once written.

Write-once keys are created with ``link()``, which fails if the target exists: creation is atomic and exclusive,
and a file is complete and fsynced before its name appears.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import heapq
import os
import stat
import time
import typing
import uuid

from ...errors import ArtifactNotFoundError, ArtifactValueError, StoredBytesMismatchError
from ..base import (
    BLOB_PREFIX,
    TEMP_NAME,
    Backend,
    Opener,
    Progress,
    StoredFile,
    absolute_local,
    blob_key,
    local_path,
)
from ..digest import copy_hashing, sha256_file, write_all
from ..durable import SyncBatch, Writeback, fsync_path
from .files import (
    NEW_FILE,
    NOFOLLOW,
    discard,
    file_mode,
    holds,
    open_in_new_folder,
    referenced_age,
    stay_within,
    translating,
    write_local_file,
)


class LocalBackend(Backend):
    """A store or dataset in a local folder."""

    scheme = "file"

    def __init__(self, root: str):
        self.root = self.normalize(root)
        self._inside = self.root.rstrip(os.sep) + os.sep
        #: While a group commit is open (:meth:`group_commit`), files and folders waiting for one sync together.
        self.pending: typing.Optional["SyncBatch"] = None

    @classmethod
    def normalize(cls, uri: str) -> str:
        path = absolute_local(uri)
        if os.path.exists(path) and not os.path.isdir(path):
            raise ArtifactValueError(
                f"{path!r} exists and is not a folder: set FLYTE_ARTIFACTS_ROOT (or the dataset URI) to a folder "
                "or an s3:// URI"
            )
        return path

    @classmethod
    def open_uri(cls, uri: str) -> typing.BinaryIO:
        return open(local_path(uri), "rb")

    @classmethod
    def open_uri_exact(cls, uri: str, size: int) -> typing.BinaryIO:
        path = local_path(uri)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            raise ArtifactNotFoundError(f"{path!r} does not exist") from None
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise StoredBytesMismatchError(f"{path!r} is a symbolic link, not the stored copy") from None
            raise
        f = os.fdopen(fd, "rb")
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size != size:
            f.close()
            what = f"{st.st_size:,} bytes" if stat.S_ISREG(st.st_mode) else "not a regular file"
            raise StoredBytesMismatchError(f"{path!r} is {what}, where {size:,} bytes were recorded")
        return f

    @classmethod
    def local_file(cls, uri: str) -> typing.Optional[str]:
        return local_path(uri)

    @classmethod
    def restore_uri(cls, dest_uri: str, source_uri: str, size: int, sha256: str,
                    within: typing.Optional[str] = None) -> None:
        from .. import read_uri_stream

        path = local_path(dest_uri)
        if within is not None:
            stay_within(os.path.abspath(path), os.path.abspath(local_path(within)))
        write_local_file(read_uri_stream(source_uri), path, expect=(size, sha256), what=source_uri)
        os.chmod(path, file_mode(0o444))

    def _path(self, key: str) -> str:
        path = os.path.normpath(os.path.join(self.root, key))
        # A prefix test on normalised paths (commonpath is slow, and this runs for every key).
        if path != self.root and not path.startswith(self._inside):
            raise ArtifactValueError(f"key {key!r} escapes the store root {self.root!r}")
        return path

    def uri(self, key: str) -> str:
        return self._path(key)

    def local_path(self, key: str) -> typing.Optional[str]:
        return self._path(key)

    def read_bytes(self, key: str) -> bytes:
        try:
            with open(self._path(key), "rb") as f:
                return f.read()
        except FileNotFoundError:
            raise ArtifactNotFoundError(f"{key!r} not found in store {self.root!r}") from None

    def exists(self, key: str) -> bool:
        return os.path.exists(self._path(key))

    def _staged(self, path: str, data: bytes, mode: int) -> str:
        """``data`` in a new temp file beside ``path`` with permission bits ``mode`` (less the umask), synced now or
        by the pending batch; returns its name."""
        tmp = os.path.join(os.path.dirname(path), f".tmp-{uuid.uuid4().hex}")
        fd = open_in_new_folder(tmp, NEW_FILE, mode)
        try:
            write_all(functools.partial(os.write, fd), data)
            if self.pending is None:
                os.fsync(fd)
        except BaseException:
            os.close(fd)
            os.unlink(tmp)
            raise
        os.close(fd)
        return tmp

    def _placed(self, path: str) -> None:
        """A file just put at ``path``: its bytes and its folder entry made durable (now, or by the batch)."""
        if self.pending is not None:
            self.pending.add_file(path)
        self._sync_dir(path)

    def _sync_dir(self, path: str) -> None:
        if self.pending is not None:
            self.pending.add_folder(os.path.dirname(path))
            return
        fsync_path(os.path.dirname(path))

    @contextlib.contextmanager
    def group_commit(self) -> typing.Iterator["SyncBatch"]:
        """Defer the syncs of every write inside the block to one batch (:meth:`SyncBatch.commit`), made when the
        block ends or earlier when the caller commits (bytes before the records naming them)."""
        if self.pending is not None:
            yield self.pending
            return
        self.pending = SyncBatch()
        try:
            yield self.pending
            self.pending.commit()
        finally:
            self.pending = None

    @translating
    def write_once(self, key: str, data: bytes) -> bool:
        path = self._path(key)
        tmp = self._staged(path, data, 0o444)
        try:
            # link() fails if the target exists, which makes creation atomic and exclusive.
            os.link(tmp, path)
            created = True
        except FileExistsError:
            created = False
        finally:
            os.unlink(tmp)
        if created:
            self._placed(path)
        return created

    @translating
    def write_once_many(self, keys: typing.Sequence[str], data: bytes, workers: int = 1) -> typing.List[bool]:
        # One staged copy, linked under every name: one file's bytes to write and sync instead of one per key.
        if len(keys) <= 1:
            return [self.write_once(k, data) for k in keys]
        paths = [self._path(k) for k in keys]
        tmp = self._staged(paths[0], data, 0o444)
        created = []
        try:
            for path in paths:
                try:
                    try:
                        os.link(tmp, path)
                    except FileNotFoundError:
                        os.makedirs(os.path.dirname(path), exist_ok=True)
                        os.link(tmp, path)
                    created.append(True)
                except FileExistsError:
                    created.append(False)
                    continue
                self._placed(path)
        finally:
            os.unlink(tmp)
        return created

    @translating
    def write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        os.replace(self._staged(path, data, 0o666), path)
        self._placed(path)

    @translating
    def write_hint(self, key: str, data: bytes) -> None:
        # In place: replacing a file by rename makes ext4 flush it there and then (its auto_da_alloc), which cost
        # twenty times this write when a run moved hundreds of pointers.
        path = self._path(key)
        fd = open_in_new_folder(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | NOFOLLOW, 0o666)
        try:
            if os.pwrite(fd, data, 0) != len(data):
                raise OSError(errno.EIO, "short write", path)
            os.ftruncate(fd, len(data))
            if self.pending is None:
                os.fsync(fd)
        finally:
            os.close(fd)
        self._placed(path)

    def delete(self, key: str) -> None:
        discard(self._path(key))

    def remove_if_older(self, key: str, grace: float) -> bool:
        # The age of the reference first: a name linked a moment ago to old bytes is young (see referenced_age).
        # Then renamed away (atomic): a run refreshing the file afterwards finds it gone and keeps its own copy;
        # one found to be young after all is put back. (The rename itself sets the inode's ctime: only the
        # modification time says whether it was refreshed meanwhile.)
        path = self._path(key)
        try:
            if referenced_age(os.lstat(path)) < grace:
                return False
        except FileNotFoundError:
            return False
        trash = os.path.join(os.path.dirname(path), f"{TEMP_NAME}gc-{uuid.uuid4().hex}")
        try:
            os.rename(path, trash)
        except FileNotFoundError:
            return False
        try:
            if time.time() - os.lstat(trash).st_mtime < grace:
                with contextlib.suppress(FileExistsError):
                    os.link(trash, path)  # refreshed just now: it stays
                return False
            return True
        finally:
            os.unlink(trash)

    def remove_empty_folders(self, prefix: str) -> None:
        for dirpath, _dirs, _files in os.walk(self._path(prefix), topdown=False):
            with contextlib.suppress(OSError):
                os.rmdir(dirpath)

    def list_files(self, prefix: str = "", include_temp: bool = False) -> typing.List[StoredFile]:
        now = time.time()
        out = []
        for dirpath, _dirs, files in os.walk(self._path(prefix) if prefix else self.root):
            for name in files:
                if name.startswith(TEMP_NAME) and not include_temp:
                    continue
                path = os.path.join(dirpath, name)
                try:
                    st = os.lstat(path)
                except FileNotFoundError:
                    continue
                rel = os.path.relpath(path, self.root).replace(os.sep, "/")
                out.append(StoredFile(rel, st.st_size, referenced_age(st, now)))
        return out

    def listing_stamp(self, prefix: str, settle_seconds: float = 1.0) -> typing.Optional[int]:
        # The folder's modification time changes whenever a name is added to it or removed from it.
        try:
            mtime = os.stat(self._path(prefix)).st_mtime_ns
        except OSError:
            return None
        return mtime if time.time_ns() - mtime > settle_seconds * 1e9 else None

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
        return sorted(self._children(prefix))

    def root_exists(self) -> bool:
        return os.path.isdir(self.root)

    def list_children_first(self, prefix: str, limit: int) -> typing.List[str]:
        """The first ``limit`` names under ``prefix``: a folder is read whole, but not sorted whole."""
        return heapq.nsmallest(limit, self._children(prefix))

    def _children(self, prefix: str) -> typing.List[str]:
        try:
            return [n for n in os.listdir(self._path(prefix)) if not n.startswith(".tmp-")]
        except FileNotFoundError:
            return []

    @translating
    def put_file_blob(self, path: str, progress=None, naming=None) -> typing.Tuple[str, int, str]:
        """Keep a local file's bytes at their content address, reading them once.

        A small file is read whole and hashed before anything is written, so bytes kept already cost one read. A
        larger one is hashed as it is copied, with its write-back to disk overlapped. When the bytes turn out to be
        kept already (same sha256, intact), nothing (more) reaches the disk and the kept copy's age is refreshed
        (``gc`` leaves it to the record about to name it). Inside a :meth:`group_commit` the final sync is the
        batch's.
        """
        with open(path, "rb") as src:
            size = os.fstat(src.fileno()).st_size
            if size <= SMALL_FILE:
                return self._put_small(src.read(), progress, naming)
        kept = self._kept_already(path, size, progress, naming)
        if kept is not None:
            return kept
        tmp_path = self._path(f"{BLOB_PREFIX}/.tmp-{uuid.uuid4().hex}")
        os.makedirs(os.path.dirname(tmp_path), exist_ok=True)
        try:
            with open(path, "rb") as src, open(tmp_path, "w+b", buffering=0) as dst:
                if size > Writeback.STEP:
                    with Writeback(dst.fileno()) as wb:
                        size, sha = _copy_large(src, dst, wb.chain(progress))
                else:
                    size, sha = copy_hashing(src, dst, progress, overlap=False)
                landed = os.fstat(dst.fileno()).st_size
            if landed != size:  # what the copy holds, not what was handed to write(), is what gets named
                raise OSError(errno.EIO, f"the copy of {path!r} holds {landed:,} of its {size:,} bytes")
            self._note_size(size)
            if naming is not None:
                naming(sha)
            if not _damaged(self._path(blob_key(sha)), size, sha) and refresh(self._path(blob_key(sha))):
                return blob_key(sha), size, sha  # kept already: the copy never reaches the disk
            # Stored bytes are immutable: make accidental writes through the recorded path fail.
            os.chmod(tmp_path, file_mode(0o444))
            if self.pending is None:
                fsync_path(tmp_path)  # Writeback has flushed all but the tail
            return self._place_blob(tmp_path, size, sha)
        finally:
            discard(tmp_path)

    def _put_small(self, data: bytes, progress, naming=None) -> typing.Tuple[str, int, str]:
        size, sha = len(data), hashlib.sha256(data).hexdigest()
        if progress is not None:
            progress(size)
        if naming is not None:
            naming(sha)
        final = self._path(blob_key(sha))
        if not _damaged(final, size, sha) and refresh(final):
            return blob_key(sha), size, sha
        tmp_path = self._staged(final, data, 0o444)
        try:
            return self._place_blob(tmp_path, size, sha)
        finally:
            discard(tmp_path)

    def _place_blob(self, tmp_path: str, size: int, sha: str) -> typing.Tuple[str, int, str]:
        """Give the verified copy at ``tmp_path`` its content address (the caller removes the temp name)."""
        key = blob_key(sha)
        final = self._path(key)
        if self.pending is not None:
            self.pending.add_file(final)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        while True:
            try:
                os.link(tmp_path, final)
                break
            except FileExistsError:
                # Identical bytes are stored once, but a stored copy is only trusted if it still is those bytes: a
                # damaged one is replaced by the copy just verified.
                if _damaged(final, size, sha):
                    os.replace(tmp_path, final)
                    break
                if refresh(final):
                    return key, size, sha
                # `gc` took it away at this very moment: store this copy instead.
        self._sync_dir(final)
        return key, size, sha

    def _size_hint(self, size: int) -> str:
        return self._path(f"{SIZE_HINTS}/{size}")

    def _note_size(self, size: int) -> None:
        """Remember that large bytes of this size are kept (a hint only: never synced, never trusted alone)."""
        hint = self._size_hint(size)
        if size > Writeback.STEP and not os.path.exists(hint):
            with contextlib.suppress(OSError):
                os.makedirs(os.path.dirname(hint), exist_ok=True)
                open(hint, "ab").close()

    def _kept_already(self, path: str, size: int, progress=None,
                      naming=None) -> typing.Optional[typing.Tuple[str, int, str]]:
        """For a large file (``size`` bytes) whose size matches kept bytes: hash it (one read, nothing written) and,
        if those bytes are kept and intact, return them. None when the file must be copied."""
        if size <= Writeback.STEP or not os.path.exists(self._size_hint(size)):
            return None
        got, sha = sha256_file(path)
        final = self._path(blob_key(sha))
        if naming is not None and got == size:
            naming(sha)
        if got == size and not _damaged(final, got, sha) and refresh(final):
            if progress is not None:
                progress(got)
            return blob_key(sha), got, sha
        return None

    def download(self, key: str, dest: str, progress=None) -> None:
        src = self._path(key)
        if not os.path.isfile(src):
            raise ArtifactNotFoundError(f"{key!r} not found in store {self.root!r}")
        write_local_file(open(src, "rb"), dest, progress)

    def check_usable(self) -> None:
        try:
            os.makedirs(self.root, exist_ok=True)
        except OSError as e:
            raise ArtifactValueError(f"cannot create the folder {self.root!r}: {e.strerror}") from e
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise ArtifactValueError(f"the folder {self.root!r} is not writable: give a folder you can write to")

    def sibling(self, *parts: str) -> str:
        return os.path.join(os.path.dirname(self.root.rstrip(os.sep)), *parts)

    @translating
    def import_files(self, placements, open_source: Opener, progress: Progress, link: bool = False) -> None:
        from .copies import place_files

        def placed_at(key: str) -> str:
            return stay_within(self._path(key), self.root)

        place_files(placements, placed_at, open_source, progress, file_mode(0o444), link=link)


#: Files up to this size are read whole and hashed before anything is written (one read for bytes kept already).
SMALL_FILE = 1 << 20

#: Kept copies up to this size are re-hashed before they are trusted; larger ones are checked by size (reading
#: them would double the cost of recording bytes already kept), and ``verify`` re-hashes everything.
REHASH_KEPT_BYTES = 16 << 20


def _copy_large(src, dst, progress) -> typing.Tuple[int, str]:
    """(size, sha256) of a large file copied from ``src`` to ``dst``: in the kernel where it can be, each piece
    hashed from the copy as it lands (``copies.kernel_copy_hashing``), else through a buffer hashed inline."""
    from .copies import kernel_copy_hashing

    done = kernel_copy_hashing(src.fileno(), dst.fileno(), progress)
    if done is not None:
        return done
    return copy_hashing(src, dst, progress)


def _damaged(path: str, size: int, sha: str) -> bool:
    """Whether the kept copy at ``path`` is missing, or not (or no longer) ``size`` bytes with sha256 ``sha``."""
    return not holds(path, size, sha, rehash_up_to=REHASH_KEPT_BYTES)


#: Empty files named by the sizes of large kept bytes: recording a file of such a size hashes it first, so bytes
#: kept already are recognised without writing them again.
SIZE_HINTS = "blobs/sizes"


def refresh(path: str) -> bool:
    """Mark kept bytes as just used (their modification time), so ``gc`` leaves them to the record about to name them;
    False when they are gone (``gc`` removed them a moment ago)."""
    try:
        os.utime(path)
        return True
    except FileNotFoundError:
        return False
