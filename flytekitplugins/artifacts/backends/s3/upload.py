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
    hash_s3_object,
    holds,
    parse_s3_uri,
    s3_client,
    sha256_b64,
    translate_error,
    verified_metadata,
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
    landing = _Landing(backend, progress)
    todo = landing.missing(placements)
    run_all(landing.copy, [p for p in todo if scheme_of(p[0].source_uri) == "s3"], S3_COPY_WORKERS)
    landing.upload([p for p in todo if scheme_of(p[0].source_uri) != "s3"], open_source)


def _upload_checksum(t: Transfer) -> typing.Dict[str, str]:
    """What S3 checks an upload of ``t`` against before it stores it."""
    # The reader checks the bytes before the upload completes, so the metadata's sha256 is a checked one, kept for
    # servers that store no checksum.
    if t.size < MULTIPART_THRESHOLD:
        # One request: S3 checks the whole object against the record's sha256 before storing it.
        return {"ChecksumSHA256": sha256_b64(t.sha256), "Metadata": verified_metadata(t.sha256)}
    # Parts: S3 checks each part against the SHA256 botocore computes as it sends it.
    return {"ChecksumAlgorithm": "SHA256", "Metadata": verified_metadata(t.sha256)}


class _Landing:
    """One :func:`land_in_s3`: the destination bucket and prefix, the client, and the progress callback, for its
    three phases: find what is missing, copy what is in S3 already (server-side), upload the rest."""

    def __init__(self, backend: "S3Backend", progress):
        self.backend = backend
        self.progress = locked(progress)
        self.client = s3_client()
        self.bucket = backend.bucket

    def dest_key(self, p: Placement) -> str:
        return self.backend._full(p[1])

    def dest_uri(self, p: Placement) -> str:
        return f"s3://{self.bucket}/{self.dest_key(p)}"

    def fail(self, e: BaseException, where: str, action: str) -> BaseException:
        if isinstance(e, (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)):
            return translate_error(e, where, action, self.client.meta.endpoint_url)
        return e

    def landed(self, t: Transfer) -> None:
        if self.progress is not None:
            self.progress(t.size)

    # ---- what is there already ---------------------------------------------------------------------------------
    def present(self, p: Placement) -> bool:
        """Whether the destination already holds the transfer's bytes (as far as S3 can tell): the object of an
        earlier attempt, kept only if it does."""
        t = p[0]
        head = self.backend._head(self.dest_key(p))
        if head is None or not holds(head, t.size, t.sha256, self.backend.abilities(self.dest_key(p))):
            return False
        if age_seconds(head) >= REFRESH_AFTER_SECONDS and t.size <= s3client.MAX_SINGLE_COPY:
            return self._refresh(p, head)
        return True

    def _refresh(self, p: Placement, head: dict) -> bool:
        """Copy an object left by an attempt that died a while ago onto itself (server-side), so that its age is
        fresh and `gc`, which takes only files older than its grace period, leaves it to the manifest to come.
        False when it changed under us (it is then copied again from the source)."""
        t = p[0]
        key = self.dest_key(p)
        try:
            got = copy_server_side(self.client, {"Bucket": self.bucket, "Key": key}, self.bucket, key, t.size,
                                   1, {"MetadataDirective": "REPLACE", "CopySourceIfMatch": head["ETag"],
                                    "Metadata": head.get("Metadata", {})})
        except botocore.exceptions.ClientError as e:
            if error_code(e) in ("PreconditionFailed", "412"):
                return False
            raise
        return got is None or got == sha256_b64(t.sha256)

    def missing(self, placements: typing.Sequence[Placement]) -> typing.List[Placement]:
        """The placements whose destination does not hold their bytes yet (the others count as landed)."""
        todo: typing.List[Placement] = []
        lock = threading.Lock()

        def check(p: Placement) -> None:
            try:
                if self.present(p):
                    self.landed(p[0])
                    return
            except Exception as e:  # noqa: BLE001
                raise self.fail(e, self.dest_uri(p), "checking") from e
            with lock:
                todo.append(p)

        run_all(check, list(placements), S3_COPY_WORKERS)
        return todo

    # ---- from S3: server-side copies -----------------------------------------------------------------------------
    def copy(self, p: Placement) -> None:
        """Copy an S3 source to its destination server-side, verified."""
        t = p[0]
        src_bucket, src_key = _split(t.source_uri)
        where = self.dest_uri(p)
        try:
            self._copy_verified(p, src_bucket, src_key)
        except IntegrityError:
            raise
        except Exception as e:  # noqa: BLE001
            raise self.fail(e, where, f"copying {t.source_uri!r} into") from e
        self.landed(t)

    def _copy_verified(self, p: Placement, src_bucket: str, src_key: str) -> None:
        t = p[0]
        head = self.client.head_object(Bucket=src_bucket, Key=src_key)
        if head.get("ContentLength") != t.size:
            raise mismatch(t, head.get("ContentLength", -1), "(not read)")
        source = {"Bucket": src_bucket, "Key": src_key}
        # Sent for servers that honour it (AWS); moto and Ceph's gateway ignore it, so the pin is checked below too.
        got = copy_server_side(self.client, source, self.bucket, self.dest_key(p), t.size, S3_COPY_WORKERS,
                               {"CopySourceIfMatch": head["ETag"]})
        self._check_pin(p, source, head)
        if t.size > s3client.MAX_SINGLE_COPY:
            # Part copies carry no full-object checksum: the size, and the ETag pinned above, are the check.
            return
        if got is not None:
            size, got_hex = t.size, base64.b64decode(got).hex()
        else:
            # The server computed no SHA256 of the copy (it keeps none): the copy is read back and hashed.
            size, got_hex = hash_s3_object(self.dest_uri(p))
        if (size, got_hex) != (t.size, t.sha256):
            # The key is this sha256's address: it must not keep other bytes.
            self.client.delete_object(Bucket=self.bucket, Key=self.dest_key(p))
            raise mismatch(t, size, got_hex)

    def _check_pin(self, p: Placement, source: dict, pinned: dict) -> None:
        """After a copy, the source must still be the object whose ETag was pinned before it, and the copy of the
        same size (and, for a source uploaded in one request, the same ETag): else the source was replaced while it
        was copied, the copy is removed and nothing lands."""
        t = p[0]
        now = self.client.head_object(**source)
        copied = self.backend._head(self.dest_key(p))
        want = pinned["ETag"]
        same_etag = "-" in want or copied is None or "-" in copied.get("ETag", "-") or copied["ETag"] == want
        if now.get("ETag") == want and copied is not None and copied.get("ContentLength") == t.size and same_etag:
            return
        self.client.delete_object(Bucket=self.bucket, Key=self.dest_key(p))
        raise IntegrityError(
            f"{t.source_uri!r} was replaced while it was copied to {self.dest_uri(p)!r} (ETag {want} pinned before "
            f"the copy, {now.get('ETag')} after; the copy was {copied and copied.get('ContentLength')} bytes with "
            f"ETag {copied and copied.get('ETag')}): the copy was removed and nothing was committed to the dataset"
        )

    # ---- from anywhere else: verified uploads ----------------------------------------------------------------------
    def upload(self, uploads: typing.Sequence[Placement], open_source: Opener) -> None:
        """Upload the sources of ``uploads`` through s3transfer, each read once by a reader that checks it."""
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
            with create_transfer_manager(self.client, config) as tm:
                futures = []
                try:
                    for p in uploads:
                        reader = _VerifyingReader(p[0], open_source)
                        readers.append(reader)
                        futures.append((p, tm.upload(reader, self.bucket, self.dest_key(p),
                                                     extra_args=_upload_checksum(p[0]),
                                                     subscribers=[TransferProgress(self.progress, p[0].size)])))
                    for p, fut in futures:
                        self._wait(p, fut)
                except BaseException:
                    for _, fut in futures:
                        fut.cancel()
                    raise
        finally:
            for reader in readers:
                with contextlib.suppress(Exception):
                    reader.close()

    def _wait(self, p: Placement, fut: typing.Any) -> None:
        try:
            fut.result()
        except IntegrityError:
            raise
        except Exception as e:  # noqa: BLE001
            raise self.fail(e, self.dest_uri(p), f"uploading {p[0].source_uri!r} into") from e
