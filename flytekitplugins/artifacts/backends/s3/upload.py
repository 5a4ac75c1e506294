"""Landing many files in an S3 dataset at once, each under its own key, verified against its record's sha256.

* from S3 (a pod's task output, an S3 store): a server-side ``CopyObject`` with ``ChecksumAlgorithm=SHA256``; S3
  hashes the copy itself, which is compared with the record's sha256, so the bytes never pass through here and
  are never read twice. Objects over 5 GiB (the CopyObject limit) are copied part by part, still server-side; S3
  can only report a hash of part hashes for those, so their check is the size and the source's ETag, pinned for
  the copy.
* from anywhere else: s3transfer uploads (multipart and concurrent above 16 MiB, many files at once) from a
  non-seekable reader that hashes the bytes as s3transfer reads them, strictly once and in order. At end of file
  the reader compares the hash with the record's and raises if they differ, which aborts the upload before S3
  makes the object visible. S3 checks too: a single-request upload carries the record's sha256 as its full-object
  checksum, and each part of a multipart upload carries the SHA256 of that part.

Throttling (503 SlowDown), 5xx answers and dropped connections are retried with backoff by the shared client
(``s3client.s3_client``: botocore's standard retry mode).
"""

from __future__ import annotations

import base64
import contextlib
import threading
import typing

import botocore.exceptions
from boto3.s3.transfer import TransferConfig, create_transfer_manager

from ..base import IntegrityError, Opener, Transfer, locked, mismatch, run_all, scheme_of
from ..digest import HashingReader
from . import client as s3client
from .client import (
    REFRESH_AFTER_SECONDS,
    TransferProgress,
    age_seconds,
    copy_server_side,
    error_code,
    holds,
    parse_s3_uri,
    s3_client,
    sha256_b64,
    translate_error,
)

if typing.TYPE_CHECKING:
    from .backend import S3Backend

S3_COPY_WORKERS = 16
Placement = typing.Tuple[Transfer, str]
MULTIPART_THRESHOLD = 16 << 20


class _VerifyingReader(HashingReader):
    """A hashing reader over a recorded file that, at end of file, raises if the bytes are not the recorded ones.
    s3transfer reads a non-seekable source strictly once, in order, and only completes the upload after the last
    (empty) read, so a mismatch aborts the upload before the object exists."""

    def __init__(self, transfer: Transfer, open_source: Opener):
        # Opened on first read, closed at end of file: thousands of queued files must not hold thousands of handles.
        super().__init__(None)  # type: ignore[arg-type]
        self._t = transfer
        self._open = open_source
        self._closed = False

    def read(self, n: typing.Optional[int] = -1) -> bytes:
        if self._closed:
            return b""
        if self._f is None:
            self._f = self._open(self._t.source_uri)
        whole = n is None or n < 0
        buf = super().read(None if whole else n)
        if self.size > self._t.size or whole or not buf:
            self.close()
            sha = self.sha.hexdigest()
            if self.size != self._t.size or sha != self._t.sha256:
                raise mismatch(self._t, self.size, sha)
        return buf

    def close(self) -> None:
        self._closed = True
        if self._f is not None:
            self._f.close()


def _split(uri: str) -> typing.Tuple[str, str]:
    bucket, key = parse_s3_uri(uri)
    return bucket, key.strip("/")


def land_in_s3(
    backend: "S3Backend", placements: typing.Sequence[Placement], open_source: Opener, progress
) -> None:
    """Put each transfer's bytes at its key under ``backend``'s prefix (``(transfer, key)`` pairs), verified."""
    progress = locked(progress)
    client = s3_client()
    bucket = backend.bucket

    def dest_key(p: Placement) -> str:
        return backend._full(p[1])

    def fail(e: BaseException, where: str, action: str) -> BaseException:
        if isinstance(e, (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)):
            return translate_error(e, where, action, client.meta.endpoint_url)
        return e

    def present(p: Placement) -> bool:
        t = p[0]
        head = backend._head(dest_key(p))
        # An object of an earlier attempt is kept only if it holds the record's bytes (as far as S3 can tell).
        if head is None or not holds(head, t.size, t.sha256):
            return False
        if age_seconds(head) >= REFRESH_AFTER_SECONDS and t.size <= s3client.MAX_SINGLE_COPY:
            # Left by an attempt that died a while ago: copied onto itself (server-side) so its age is fresh and
            # `gc`, which takes only files older than its grace period, leaves it to the manifest to come.
            try:
                got = copy_server_side(client, {"Bucket": bucket, "Key": dest_key(p)}, bucket, dest_key(p), t.size,
                                       1, {"MetadataDirective": "REPLACE", "CopySourceIfMatch": head["ETag"]})
            except botocore.exceptions.ClientError as e:
                if error_code(e) in ("PreconditionFailed", "412"):
                    return False  # changed under us: copied again from the source below
                raise
            if got is not None and got != sha256_b64(t.sha256):
                return False  # changed under us: copied again from the source below
        return True

    todo: typing.List[Placement] = []
    lock = threading.Lock()

    def check(p: Placement) -> None:
        try:
            if present(p):
                if progress is not None:
                    progress(p[0].size)
                return
        except Exception as e:  # noqa: BLE001
            raise fail(e, f"s3://{bucket}/{dest_key(p)}", "checking") from e
        with lock:
            todo.append(p)

    run_all(check, list(placements), S3_COPY_WORKERS)
    copies = [p for p in todo if scheme_of(p[0].source_uri) == "s3"]
    uploads = [p for p in todo if scheme_of(p[0].source_uri) != "s3"]

    def copy(p: Placement) -> None:
        t = p[0]
        src_bucket, src_key = _split(t.source_uri)
        where = f"s3://{bucket}/{dest_key(p)}"
        try:
            head = client.head_object(Bucket=src_bucket, Key=src_key)
            if head.get("ContentLength") != t.size:
                raise mismatch(t, head.get("ContentLength", -1), "(not read)")
            source = {"Bucket": src_bucket, "Key": src_key}
            got = copy_server_side(client, source, bucket, dest_key(p), t.size, S3_COPY_WORKERS,
                                   {"CopySourceIfMatch": head["ETag"]})
            if t.size <= s3client.MAX_SINGLE_COPY:
                if got != sha256_b64(t.sha256):
                    # The key is this sha256's address: it must not keep other bytes.
                    client.delete_object(Bucket=bucket, Key=dest_key(p))
                    got_hex = base64.b64decode(got).hex() if got else "(no checksum reported)"
                    raise mismatch(t, t.size, got_hex)
            elif not present(p):
                # Part copies carry no full-object checksum: the size, and the ETag pinned above, are the check.
                raise mismatch(t, -1, "(size differs after copy)")
        except IntegrityError:
            raise
        except Exception as e:  # noqa: BLE001
            raise fail(e, where, f"copying {t.source_uri!r} into") from e
        if progress is not None:
            progress(t.size)

    run_all(copy, copies, S3_COPY_WORKERS)

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
                for p in uploads:
                    t = p[0]
                    reader = _VerifyingReader(t, open_source)
                    readers.append(reader)
                    if t.size < MULTIPART_THRESHOLD:
                        # One request: S3 checks the whole object against the record's sha256 before storing it.
                        extra = {"ChecksumSHA256": sha256_b64(t.sha256)}
                    else:
                        # Parts: S3 checks each part against the SHA256 botocore computes as it sends it.
                        extra = {"ChecksumAlgorithm": "SHA256"}
                    futures.append(
                        (p, tm.upload(reader, bucket, dest_key(p),
                                      extra_args=extra,
                                      subscribers=[TransferProgress(progress, t.size)]))
                    )
                for p, fut in futures:
                    t = p[0]
                    try:
                        fut.result()
                    except IntegrityError:
                        raise
                    except Exception as e:  # noqa: BLE001
                        raise fail(e, f"s3://{bucket}/{dest_key(p)}", f"uploading {t.source_uri!r} into") from e
            except BaseException:
                for _, fut in futures:
                    fut.cancel()
                raise
    finally:
        for reader in readers:
            with contextlib.suppress(Exception):
                reader.close()
