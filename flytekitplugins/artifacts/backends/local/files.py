"""Plain file operations of the local backend: permission bits, new files and temp files, writing a stream through
a temp file, and OS errors explained in one line."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import tempfile
import time
import typing

from ...errors import ArtifactValueError
from ..digest import copy_hashing, sha256_file


def umask() -> int:
    """The process's umask, read without changing it where the system allows (``os.umask`` sets it to read it)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    old = os.umask(0o022)
    os.umask(old)
    return old


def file_mode(bits: int) -> int:
    """Permission bits for a new file: ``bits`` (0o444 read-only, 0o666 writable) less the umask, as open() does."""
    return bits & ~umask()


NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
#: How a temp file is created: new (never an existing file or a planted link), for writing, not inherited.
NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | NOFOLLOW


def open_in_new_folder(path: str, flags: int, mode: int) -> int:
    """``os.open``, creating the folders above ``path`` when they are missing (tried first: they usually exist)."""
    try:
        return os.open(path, flags, mode)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return os.open(path, flags, mode)


_SPACE = {errno.ENOSPC, errno.EDQUOT}
_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}


def explain_os_error(e: OSError, root: str) -> Exception:
    """A full disk or a refused write as one line naming the folder and the fix; other errors unchanged."""
    if e.errno in _SPACE:
        return ArtifactValueError(
            f"no space left on the disk holding {root!r} (writing {e.filename or root!r}): free space there, or "
            "point FLYTE_ARTIFACTS_ROOT (or the dataset URI) at a folder on a disk with room"
        )
    if e.errno in _DENIED:
        return ArtifactValueError(
            f"not allowed to write in {root!r} ({e.strerror} on {e.filename or root!r}): make the folder writable "
            "by this user (chown/chmod), or point FLYTE_ARTIFACTS_ROOT (or the dataset URI) at a folder you can write"
        )
    return e


def translating(method):
    """Turn ENOSPC/EACCES-like failures of a writing method into :func:`explain_os_error`'s messages."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except OSError as e:
            explained = explain_os_error(e, self.root)
            if explained is e:
                raise
            raise explained from e

    return wrapper


def holds(path: str, size: int, sha256: str, rehash_up_to: typing.Optional[int] = None) -> bool:
    """Whether the file at ``path`` holds ``size`` bytes with this sha256 (False when it is missing or unreadable).
    With ``rehash_up_to``, a larger file is checked by its size alone."""
    try:
        if os.path.getsize(path) != size:
            return False
        return (rehash_up_to is not None and size > rehash_up_to) or sha256_file(path) == (size, sha256)
    except OSError:
        return False


def discard(path: str) -> None:
    """Remove a temp file (gone already is fine)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


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
                f"expected {expect[1][:12]}... size {expect[0]}): the stored copy was changed or damaged; "
                "nothing was written"
            )
        os.chmod(tmp, file_mode(0o666))
        os.replace(tmp, dest)
        return size, sha
    except BaseException:
        discard(tmp)
        raise


def referenced_age(st: os.stat_result, now: typing.Optional[float] = None) -> float:
    """Seconds since a file was last written, refreshed or given another name. A hard link made now to bytes
    written long ago (``export --hard-link``, a kept blob) keeps the old modification time but gets a new change
    time, so for a file of several names the younger of the two is the age of its newest reference: what ``gc``
    may trust. (A file of one name is as old as its modification time.)"""
    changed = max(st.st_mtime, st.st_ctime) if st.st_nlink > 1 else st.st_mtime
    return (time.time() if now is None else now) - changed


def stay_within(path: str, root: str) -> str:
    """``path`` (under ``root`` as written), refused when a symbolic link on the way to its folder leads out of
    ``root``: a file written there would land outside the store or dataset (and could replace a file that is not
    ours). A link at ``path`` itself is replaced, never followed, by the atomic rename that writes it."""
    real_root = os.path.realpath(root)
    real = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise ArtifactValueError(
            f"{path!r} leads out of {root!r} through a symbolic link: nothing was written there (remove the link, "
            "then run the command again)"
        )
    return path
