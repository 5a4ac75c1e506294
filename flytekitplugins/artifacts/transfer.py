"""Landing recorded files in a dataset's storage: many files at once, each verified against its record's sha256.

Bytes go to the dataset's content-addressed area (``blobs/sha256/<aa>/<sha256>``, see ``datasets.py``), so a key
that exists already holds the right bytes and is skipped, and a key is only ever created with bytes whose hash
was checked on the way in:

* into a local folder from a local store on the same filesystem: the store's blob is hard-linked (it is itself
  content-addressed, read-only and verified when stored), so no byte is copied.
* into a local folder otherwise: each file is streamed through a hash into a temp file next to its final name
  and linked into place only if the hash matches; files are copied by a pool of threads.
* into S3 from a local file: s3transfer uploads (multipart and concurrent above 16 MiB, many files at once)
  from a non-seekable reader that hashes the bytes as s3transfer reads them, strictly once and in order. At end
  of file the reader compares the hash with the record's and raises if they differ, which aborts the upload
  before S3 makes the object visible. S3 checks too: a single-request upload carries the record's sha256 as
  its full-object checksum, and each part of a multipart upload carries the SHA256 of that part.
* into S3 from S3 (a pod's task output, an S3 store): a server-side ``CopyObject`` with
  ``ChecksumAlgorithm=SHA256``; S3 hashes the copy itself, which is compared with the record's sha256, so the
  bytes never pass through the exporter and are never read twice. Objects over 5 GiB (the CopyObject limit) are
  copied part by part, still server-side; S3 can only report a hash of part hashes for those, so their check is
  the size and the source's ETag, pinned for the copy.

Throttling (503 SlowDown), 5xx answers and dropped connections are retried with backoff by the shared client
(``s3.s3_client``: botocore's standard retry mode).
"""

from __future__ import annotations

import base64
import contextlib
import os
import tempfile
import threading
import typing
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import s3
from .digest import copy_hashing
from .errors import ArtifactError, ArtifactValueError
from .s3 import HashingReader, TransferProgress, copy_server_side, parse_s3_uri, s3_client, sha256_b64, translate_error
from .storage import blob_key, read_uri_stream

LOCAL_WORKERS = 8
S3_COPY_WORKERS = 16
COPY_CHUNK = 4 << 20
MULTIPART_THRESHOLD = 16 << 20


@dataclass(frozen=True)
class Transfer:
    source_uri: str
    size: int
    sha256: str


class IntegrityError(ArtifactError):
    """The bytes read from a recorded file are not the bytes its record describes."""


def _mismatch(t: Transfer, size: int, sha: str) -> IntegrityError:
    return IntegrityError(
        f"{t.source_uri!r} no longer matches its record (read {size} bytes with sha256 {sha[:12]}..., recorded "
        f"{t.size} bytes with sha256 {t.sha256[:12]}...): the recorded file was changed or damaged after it was "
        "recorded; nothing was committed to the dataset"
    )


def _locked(progress: typing.Optional[typing.Callable[[int], None]]) -> typing.Optional[typing.Callable[[int], None]]:
    if progress is None:
        return None
    lock = threading.Lock()

    def report(n: int) -> None:
        with lock:
            progress(n)

    return report


def _unique(transfers: typing.Sequence[Transfer]) -> typing.List[Transfer]:
    """One transfer per content: two files with the same bytes share one blob."""
    out: typing.Dict[str, Transfer] = {}
    for t in transfers:
        out.setdefault(t.sha256, t)
    return list(out.values())


def prepare_destination(uri: str) -> None:
    """Check that a new dataset's location is usable, before the dataset is created."""
    if uri.startswith("s3://"):
        bucket, _ = parse_s3_uri(uri)
        client = s3_client()
        try:
            client.head_bucket(Bucket=bucket)
        except Exception as e:  # noqa: BLE001 - every failure becomes one line naming the bucket
            code = getattr(e, "response", {}).get("Error", {}).get("Code", "")
            if code in ("404", "NoSuchBucket", "NotFound"):
                raise ArtifactValueError(
                    f"the bucket of dataset URI {uri!r} does not exist at {client.meta.endpoint_url}: create it first"
                ) from e
            raise translate_error(e, uri, "checking", client.meta.endpoint_url) from e
        return
    try:
        os.makedirs(uri, exist_ok=True)
    except OSError as e:
        raise ArtifactValueError(f"cannot create the dataset folder {uri!r}: {e.strerror}") from e
    if not os.access(uri, os.W_OK | os.X_OK):
        raise ArtifactValueError(f"the dataset folder {uri!r} is not writable: give a folder you can write to")


def land(
    dataset_uri: str,
    transfers: typing.Sequence[Transfer],
    progress: typing.Optional[typing.Callable[[int], None]] = None,
) -> None:
    """Make every transfer's bytes present at the dataset's content address, verified. Raises on the first failure."""
    progress = _locked(progress)
    unique = _unique(transfers)
    if progress is not None:
        # Files sharing a blob count once; report the duplicates as done so the bar ends at the total.
        skipped = sum(t.size for t in transfers) - sum(t.size for t in unique)
        if skipped:
            progress(skipped)
    if dataset_uri.startswith("s3://"):
        _land_s3(dataset_uri, unique, progress)
    else:
        _land_local(dataset_uri, unique, progress)


# ---- local folders ------------------------------------------------------------------------------------------


def _content_addressed(path: str, t: Transfer) -> bool:
    """Whether ``path`` is a store blob: a file named by the sha256 it was verified to have when it was stored."""
    parts = os.path.normpath(path).split(os.sep)
    return parts[-4:] == ["blobs", "sha256", t.sha256[:2], t.sha256]


def _link_blob(path: str, final: str, t: Transfer) -> bool:
    """Hard-link a store blob into the dataset, as ``git clone --local`` links objects: both names are read-only,
    content-addressed and never rewritten, so sharing the bytes is safe and nothing is copied. False when the
    two are on different filesystems (or linking is not allowed there): then the bytes are copied."""
    try:
        if os.stat(path).st_size != t.size:
            return False
        os.link(path, final)
    except FileExistsError:
        pass
    except OSError:
        return False
    return True


def _land_local(root: str, transfers: typing.Sequence[Transfer], progress) -> None:
    def one(t: Transfer) -> None:
        final = os.path.join(root, *blob_key(t.sha256).split("/"))
        with contextlib.suppress(FileNotFoundError):
            if os.path.getsize(final) == t.size:
                if progress is not None:
                    progress(t.size)
                return
        folder = os.path.dirname(final)
        os.makedirs(folder, exist_ok=True)
        local = None if t.source_uri.startswith("s3://") else (
            t.source_uri[len("file://"):] if t.source_uri.startswith("file://") else t.source_uri)
        if local is not None and _content_addressed(local, t) and _link_blob(local, final, t):
            if progress is not None:
                progress(t.size)
            return
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb", buffering=0) as dst:
                if local is None:
                    with read_uri_stream(t.source_uri) as src:
                        size, sha = copy_hashing(src, dst, progress)
                else:
                    # Files are copied by a pool of threads already: hash inline, without a thread per file.
                    with open(local, "rb", buffering=0) as src:
                        size, sha = copy_hashing(src, dst, progress, chunk=COPY_CHUNK, overlap=False)
                # Blobs are never changed in place; read-only says so to anyone browsing the folder.
                os.fchmod(dst.fileno(), 0o444)
            if size != t.size or sha != t.sha256:
                raise _mismatch(t, size, sha)
            # Linked into place only once verified, so a blob's name always matches its bytes. Not fsynced,
            # like `cp`: the snapshot guarantees hold against the exporter dying at any point, not against
            # the machine losing power before the OS writes its cache (`datasets get` would then report the
            # damaged file by its sha256).
            try:
                os.link(tmp, final)
            except FileExistsError:
                pass  # a concurrent exporter landed the same bytes
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    _run_all(one, transfers, LOCAL_WORKERS)


def _run_all(fn, items, workers: int) -> None:
    if not items:
        return
    if len(items) == 1:
        fn(items[0])
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


# ---- S3 -----------------------------------------------------------------------------------------------------


class _VerifyingReader(HashingReader):
    """A hashing reader over a recorded file that, at end of file, raises if the bytes are not the recorded ones.
    s3transfer reads a non-seekable source strictly once, in order, and only completes the upload after the last
    (empty) read, so a mismatch aborts the upload before the object exists."""

    def __init__(self, transfer: Transfer):
        # Opened on first read, closed at end of file: thousands of queued files must not hold thousands of handles.
        super().__init__(None)
        self._t = transfer
        self._closed = False

    def read(self, n: typing.Optional[int] = -1) -> bytes:
        if self._closed:
            return b""
        if self._f is None:
            self._f = read_uri_stream(self._t.source_uri)
        whole = n is None or n < 0
        buf = super().read(None if whole else n)
        if self.size > self._t.size or whole or not buf:
            self.close()
            sha = self.sha.hexdigest()
            if self.size != self._t.size or sha != self._t.sha256:
                raise _mismatch(self._t, self.size, sha)
        return buf

    def close(self) -> None:
        self._closed = True
        if self._f is not None:
            self._f.close()


def _split(uri: str) -> typing.Tuple[str, str]:
    bucket, key = parse_s3_uri(uri)
    return bucket, key.strip("/")


def _land_s3(dataset_uri: str, transfers: typing.Sequence[Transfer], progress) -> None:
    import botocore.exceptions
    from boto3.s3.transfer import TransferConfig, create_transfer_manager

    client = s3_client()
    bucket, prefix = _split(dataset_uri)

    def dest_key(t: Transfer) -> str:
        return f"{prefix}/{blob_key(t.sha256)}" if prefix else blob_key(t.sha256)

    def fail(e: BaseException, where: str, action: str) -> BaseException:
        if isinstance(e, (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)):
            return translate_error(e, where, action, client.meta.endpoint_url)
        return e

    def present(t: Transfer) -> bool:
        try:
            head = client.head_object(Bucket=bucket, Key=dest_key(t))
        except botocore.exceptions.ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return head.get("ContentLength") == t.size

    todo: typing.List[Transfer] = []
    lock = threading.Lock()

    def check(t: Transfer) -> None:
        try:
            if present(t):
                if progress is not None:
                    progress(t.size)
                return
        except Exception as e:  # noqa: BLE001
            raise fail(e, f"s3://{bucket}/{dest_key(t)}", "checking") from e
        with lock:
            todo.append(t)

    _run_all(check, list(transfers), S3_COPY_WORKERS)
    copies = [t for t in todo if t.source_uri.startswith("s3://")]
    uploads = [t for t in todo if not t.source_uri.startswith("s3://")]

    def copy(t: Transfer) -> None:
        src_bucket, src_key = _split(t.source_uri)
        where = f"s3://{bucket}/{dest_key(t)}"
        try:
            head = client.head_object(Bucket=src_bucket, Key=src_key)
            if head.get("ContentLength") != t.size:
                raise _mismatch(t, head.get("ContentLength", -1), "(not read)")
            source = {"Bucket": src_bucket, "Key": src_key}
            got = copy_server_side(client, source, bucket, dest_key(t), t.size, S3_COPY_WORKERS,
                                   {"CopySourceIfMatch": head["ETag"]})
            if t.size <= s3.MAX_SINGLE_COPY:
                if got != sha256_b64(t.sha256):
                    # The key is this sha256's address: it must not keep other bytes.
                    client.delete_object(Bucket=bucket, Key=dest_key(t))
                    got_hex = base64.b64decode(got).hex() if got else "(no checksum reported)"
                    raise _mismatch(t, t.size, got_hex)
            elif not present(t):
                # Part copies carry no full-object checksum: the size, and the ETag pinned above, are the check.
                raise _mismatch(t, -1, "(size differs after copy)")
        except IntegrityError:
            raise
        except Exception as e:  # noqa: BLE001
            raise fail(e, where, f"copying {t.source_uri!r} into") from e
        if progress is not None:
            progress(t.size)

    _run_all(copy, copies, S3_COPY_WORKERS)

    if not uploads:
        return
    config = TransferConfig(
        multipart_threshold=MULTIPART_THRESHOLD,
        multipart_chunksize=MULTIPART_THRESHOLD,
        max_concurrency=16,
        preferred_transfer_client="classic",
    )
    # s3transfer reads non-seekable sources in its submission threads; more of them means more files read at once.
    config.max_submission_concurrency = 8
    readers: typing.List[_VerifyingReader] = []
    try:
        with create_transfer_manager(client, config) as tm:
            futures = []
            try:
                for t in uploads:
                    reader = _VerifyingReader(t)
                    readers.append(reader)
                    if t.size < MULTIPART_THRESHOLD:
                        # One request: S3 checks the whole object against the record's sha256 before storing it.
                        extra = {"ChecksumSHA256": sha256_b64(t.sha256)}
                    else:
                        # Parts: S3 checks each part against the SHA256 botocore computes as it sends it.
                        extra = {"ChecksumAlgorithm": "SHA256"}
                    futures.append(
                        (t, tm.upload(reader, bucket, dest_key(t),
                                      extra_args=extra,
                                      subscribers=[TransferProgress(progress, t.size)]))
                    )
                for t, fut in futures:
                    try:
                        fut.result()
                    except IntegrityError:
                        raise
                    except Exception as e:  # noqa: BLE001
                        raise fail(e, f"s3://{bucket}/{dest_key(t)}", f"uploading {t.source_uri!r} into") from e
            except BaseException:
                for _, fut in futures:
                    fut.cancel()
                raise
    finally:
        for reader in readers:
            with contextlib.suppress(Exception):
                reader.close()
