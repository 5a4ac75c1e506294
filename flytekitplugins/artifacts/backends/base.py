"""The storage contract: one abstract :class:`Backend`, implemented once per kind of storage (``local/``,
``s3/``), and what every backend shares (URI parsing, content addresses, verified transfers).

Keys are relative, '/'-separated strings. Every write that must never be overwritten goes through
``write_once``, which is atomic (readers never see half an object) and says whether it created the key.

The contract is all the rest of the package knows of a backend: besides reading and writing bytes, listings with
size and age (:meth:`Backend.list_files`), batch and age-checked removal (``delete_many``, ``remove_if_older``),
group commits, listing stamps, a concurrency hint, a local path where the bytes are already on this machine, and
a verified restore for ``verify --repair``. Methods with a default (batching, stamps, local paths, folders) suit a
backend that has nothing better to offer.

A new backend (GCS, Azure...) needs one module implementing :class:`Backend`, one line in the scheme registry
(``backends/__init__.py``) and a run of ``tests/contract/`` against it.
"""

from __future__ import annotations

import abc
import contextlib
import os
import threading
import typing
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ..errors import ArtifactError, ArtifactValueError

BLOB_PREFIX = "blobs/sha256"

Progress = typing.Optional[typing.Callable[[int], None]]
Opener = typing.Callable[[str], typing.BinaryIO]


def blob_key(sha256: str) -> str:
    """Where bytes with this sha256 live in a content-addressed area."""
    return f"{BLOB_PREFIX}/{sha256[:2]}/{sha256}"


# ---- URIs -------------------------------------------------------------------------------------------------------


def scheme_of(uri: str) -> str:
    """The storage scheme of a URI or path: ``"file"`` for local paths and ``file:`` URIs, else the URI's scheme."""
    if not isinstance(uri, str) or not uri.strip():
        raise ArtifactValueError(f"{uri!r} is not a location: give a folder path or a URI such as s3://bucket/prefix")
    head, sep, _ = uri.strip().partition(":")
    if sep and head.lower() == "file":
        return "file"
    if "://" in uri:
        return uri.strip().split("://", 1)[0].lower()
    return "file"


def local_path(uri: str) -> str:
    """The path of a local location: a plain path, or a ``file:`` URI read as RFC 8089 says.

    ``file:///srv/x``, ``file://localhost/srv/x`` and ``file:/srv/x`` are all ``/srv/x``; percent-escapes are decoded.
    A ``file:`` URI naming another host cannot be reached from here and is refused.
    """
    uri = uri.strip()
    if not uri.lower().startswith("file:"):
        return uri
    parsed = urllib.parse.urlsplit(uri)
    if parsed.netloc not in ("", "localhost"):
        raise ArtifactValueError(
            f"{uri!r} names the host {parsed.netloc!r}: a file: URI must be local (file:///absolute/path or "
            "file://localhost/absolute/path)"
        )
    path = urllib.parse.unquote(parsed.path)
    if not path.startswith("/"):
        raise ArtifactValueError(f"{uri!r} is not an absolute file: URI: use file:///absolute/path")
    return path


# ---- verified transfers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transfer:
    """Bytes to make present at their content address: where they are now, and what they must be."""

    source_uri: str
    size: int
    sha256: str


class IntegrityError(ArtifactError):
    """The bytes read from a recorded file are not the bytes its record describes."""


def mismatch(t: Transfer, size: int, sha: str) -> IntegrityError:
    """The error for bytes that do not match their record."""
    return IntegrityError(
        f"{t.source_uri!r} no longer matches its record (read {size} bytes with sha256 {sha[:12]}..., recorded "
        f"{t.size} bytes with sha256 {t.sha256[:12]}...): the recorded file was changed or damaged after it was "
        "recorded; nothing was committed to the dataset"
    )


def locked(progress: Progress) -> Progress:
    """A progress callback safe to call from several threads."""
    if progress is None:
        return None
    lock = threading.Lock()

    def report(n: int) -> None:
        with lock:
            progress(n)

    return report


class AttemptProgress:
    """The progress callback of one attempt of a read that may be tried again: :meth:`undo` takes back the bytes a
    failed attempt reported, so a bar ends at the file's size however many attempts it took."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.done = 0

    def __call__(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(n)

    def undo(self) -> None:
        """Report the bytes of this attempt as not done."""
        if self.progress is not None and self.done:
            self.progress(-self.done)
        self.done = 0


def run_all(fn: typing.Callable[[typing.Any], None], items: typing.Sequence[typing.Any], workers: int) -> None:
    """Run ``fn`` over ``items`` on a pool of threads; the first failure cancels the rest and is raised. With one
    worker (or one item) they run in this thread, in order: handing each to a thread would cost more than a small
    local write."""
    if workers <= 1 or len(items) <= 1:
        for it in items:
            fn(it)
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        futures = [pool.submit(fn, it) for it in items]
        try:
            for f in futures:
                f.result()
        except BaseException:
            for f in futures:
                f.cancel()
            raise


# ---- the contract ------------------------------------------------------------------------------------------------

#: The name prefix of a temp file of a write in progress (or of a killed one).
TEMP_NAME = ".tmp-"


@dataclass(frozen=True)
class StoredFile:
    """One object at a location: its key (relative to the location), size in bytes and age in seconds."""

    key: str
    size: int
    age: float


class NoBatch:
    """The group commit of a backend that has nothing to batch: every write was durable when it returned."""

    def commit(self) -> None:
        """Nothing to wait for."""


class Backend(abc.ABC):
    """The operations the store and the datasets need from a place that keeps bytes."""

    #: The URI scheme this backend serves ("file", "s3").
    scheme: typing.ClassVar[str]
    #: How many requests at once suit this backend: 1 where each call is a cheap local one (threads would only add
    #: overhead), more where each is a round trip to a server.
    concurrency: typing.ClassVar[int] = 1
    root: str

    @classmethod
    def local_file(cls, uri: str) -> typing.Optional[str]:
        """The path of the object at ``uri`` (of this scheme) when its bytes are already on this machine, else None."""
        return None

    @classmethod
    @abc.abstractmethod
    def restore_uri(cls, dest_uri: str, source_uri: str, size: int, sha256: str,
                    within: typing.Optional[str] = None) -> None:
        """Replace whatever is at ``dest_uri`` (of this scheme) with the bytes at ``source_uri`` (any scheme), which
        must be ``size`` bytes with ``sha256``; raises when they are not (``verify --repair`` then reports the object
        as still damaged). With ``within``, a root ``dest_uri`` is under: a backend with links (a file system)
        refuses a destination that a link leads out of it."""

    @classmethod
    @abc.abstractmethod
    def normalize(cls, uri: str) -> str:
        """The one canonical spelling of a location of this kind (raises on a malformed one)."""

    @classmethod
    @abc.abstractmethod
    def open_uri(cls, uri: str) -> typing.BinaryIO:
        """A readable binary stream over any object of this scheme, including ones no store wrote."""

    @classmethod
    @abc.abstractmethod
    def open_uri_exact(cls, uri: str, size: int) -> typing.BinaryIO:
        """Like :meth:`open_uri`, for an object that must be exactly ``size`` bytes: checked (from the open file's
        or the response's own length, not a separate look-up) before it is returned. Raises
        ``StoredBytesMismatchError`` for another size, and for a symbolic link where a local object should be."""

    @classmethod
    def hash_uri(cls, uri: str, progress: Progress = None) -> typing.Tuple[int, str]:
        """(size, sha256) of any object of this scheme, read whole and checked; raises rather than return a short
        read's hash."""
        from .digest import copy_hashing

        with cls.open_uri(uri) as stream:
            return copy_hashing(stream, None, progress)

    @abc.abstractmethod
    def uri(self, key: str) -> str:
        """The URI (or local path) of ``key``."""

    @abc.abstractmethod
    def read_bytes(self, key: str) -> bytes:
        """The whole content of ``key``; ArtifactNotFoundError when it does not exist."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Whether ``key`` exists."""

    @abc.abstractmethod
    def write_once(self, key: str, data: bytes) -> bool:
        """Create ``key`` with ``data`` unless it exists. True when this call created it."""

    @abc.abstractmethod
    def write(self, key: str, data: bytes) -> None:
        """Create or replace ``key`` atomically (used only for mutable pointers, never for records)."""

    def list_children_first(self, prefix: str, limit: int) -> typing.List[str]:
        """The first ``limit`` names under ``prefix`` (what :meth:`list_children` would start with); a backend that can
        list part way reads no more than that."""
        return self.list_children(prefix)[:limit]

    def root_exists(self) -> bool:
        """Whether anything is at the root: a backend with real folders says whether the folder exists (an empty one
        counts); one with prefixes only, whether any object is under it."""
        return bool(self.list_children_first("", 1))

    def write_once_many(self, keys: typing.Sequence[str], data: bytes, workers: int = 1) -> typing.List[bool]:
        """:meth:`write_once` of the same ``data`` at each of ``keys`` (``workers`` at once); which were created. A
        backend may let them share one copy of the bytes, as nothing ever changes a write-once file."""
        created: typing.Dict[str, bool] = {}

        def one(key: str) -> None:
            created[key] = self.write_once(key, data)

        run_all(one, keys, workers)
        return [created[k] for k in keys]

    def write_hint(self, key: str, data: bytes) -> None:
        """Create or replace a small document that readers only trust after checking it (an index's newest pointer).

        A backend may write it in place when that is much cheaper than :meth:`write`: a reader (or a crash) may then
        see it torn, and must treat what it cannot parse, or what names nothing, as absent."""
        self.write(key, data)

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key``; a missing key is not an error."""

    def delete_many(self, keys: typing.Sequence[str], progress: Progress = None) -> None:
        """Remove ``keys`` in the order given (a backend may batch them); missing keys are not an error, any other
        failure to remove one is raised. ``progress`` is told how many keys each step removed."""
        for key in keys:
            self.delete(key)
            if progress is not None:
                progress(1)

    @abc.abstractmethod
    def remove_if_older(self, key: str, grace: float) -> bool:
        """Remove ``key`` unless it was modified within ``grace`` seconds, checked at the last possible moment (a
        writer refreshing it meanwhile keeps it); True when it was removed."""

    def is_temp(self, key: str) -> bool:
        """Whether ``key`` is a temp file of a write (in progress, or left by a killed one): what ``list_files`` hides
        unless asked."""
        return key.rsplit("/", 1)[-1].startswith(TEMP_NAME)

    def remove_empty_folders(self, prefix: str) -> None:
        """Remove the empty folders left under ``prefix`` (nothing to do where folders are not real)."""

    @abc.abstractmethod
    def list_files(self, prefix: str = "", include_temp: bool = False) -> typing.List[StoredFile]:
        """Every object under ``prefix`` with its size and age, from one listing (temp files of writes only if
        asked), in no particular order. The age is that of the newest reference to the bytes: a name given a
        moment ago to old bytes (a hard link) is young."""

    def listing_stamp(self, prefix: str, settle_seconds: float = 1.0) -> typing.Optional[int]:
        """A value that changes whenever a name is added under or removed from ``prefix``, when one is cheap to get
        and at least ``settle_seconds`` old (so a change in the same clock tick cannot go unseen). None means: no
        stamp, list again."""
        return None

    @contextlib.contextmanager
    def group_commit(self) -> typing.Iterator[typing.Any]:
        """Make the writes inside the block durable together; yields an object whose ``commit()`` makes every write
        so far durable now. Where every write is durable when it returns, this does nothing."""
        yield NoBatch()

    def local_path(self, key: str) -> typing.Optional[str]:
        """The path of ``key`` on this machine when this backend keeps its bytes here, else None."""
        return None

    @abc.abstractmethod
    def list(self, prefix: str) -> typing.List[str]:
        """All keys under ``prefix`` (recursively), sorted."""

    @abc.abstractmethod
    def list_children(self, prefix: str) -> typing.List[str]:
        """Names directly under ``prefix`` (files and 'folders'), sorted."""

    @abc.abstractmethod
    def put_file_blob(self, path: str, progress: Progress = None,
                      naming: typing.Optional[typing.Callable[[str], None]] = None) -> typing.Tuple[str, int, str]:
        """Copy a local file into the content-addressed area; return (key, size, sha256).

        ``naming`` is called with the sha256 once the bytes are hashed and before they get (or refresh) their
        content address, so the caller can say it needs them before ``gc`` could see them unnamed."""

    @abc.abstractmethod
    def download(self, key: str, dest: str, progress: Progress = None) -> None:
        """Write the bytes of ``key`` to the local path ``dest`` atomically."""

    @abc.abstractmethod
    def check_usable(self) -> None:
        """Raise a clear error now if this location cannot be written (a missing bucket, a read-only folder)."""

    @abc.abstractmethod
    def sibling(self, *parts: str) -> str:
        """The URI of a location next to this backend's root (``<parent of root>/<parts...>``)."""

    @abc.abstractmethod
    def import_files(
        self,
        placements: typing.Sequence[typing.Tuple[Transfer, str]],
        open_source: Opener,
        progress: Progress,
        link: bool = False,
    ) -> None:
        """Put each transfer's bytes at its key here (``(transfer, key)`` pairs), verified against its sha256.

        Each key gets bytes of its own: a reflink or a real copy locally, a server-side copy on S3, never storage
        shared with the source that could be changed in place (a hard link only with ``link=True``, local to local).
        An existing key is kept only if it holds the right bytes. Sources of any other kind are read through
        ``open_source(uri)``. Raises on the first failure.
        """


def is_local(uri: str) -> bool:
    """Whether a location is on the local file system."""
    return scheme_of(uri) == "file"


def absolute_local(uri: str) -> str:
    """A local location as an absolute path (``~`` expanded)."""
    return os.path.abspath(os.path.expanduser(local_path(uri)))
