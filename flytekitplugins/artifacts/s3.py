"""The store on S3 (or any S3-compatible endpoint): ``s3://bucket`` or ``s3://bucket/prefix``.

Credentials come from boto3's standard chain and the endpoint from ``AWS_ENDPOINT_URL`` /
``AWS_ENDPOINT_URL_S3``, which the pinned botocore resolves itself, so nothing here reads them.

Write-once records use conditional writes (``PutObject`` with ``If-None-Match: *``): S3 creates the key only if
it does not exist, atomically, so two writers can never both create a record. The S3 server used by the tests
(moto) honours this precondition on PutObject and CompleteMultipartUpload (412 PreconditionFailed), but ignores
it on CopyObject, which is one reason blob copies below do not depend on it.

Operators: uploads stage bytes under ``<prefix>/tmp/``; a lifecycle rule expiring that prefix after a day (and
aborting incomplete multipart uploads) cleans up after processes killed mid-upload.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import ipaddress
import os
import random
import re
import tempfile
import time
import typing
import uuid

import boto3
import botocore.exceptions
from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.config import Config
from s3transfer.exceptions import RetriesExceededError
from s3transfer.subscribers import BaseSubscriber

from .errors import ArtifactError, ArtifactNotFoundError, ArtifactValueError
from .storage import Backend, blob_key

#: Staged uploads live outside ``blobs/`` so one lifecycle rule on this prefix can expire orphans.
TMP_PREFIX = "tmp"
_TMP_NAME = ".tmp-"

#: CopyObject copies at most 5 GiB in one request; larger blobs are copied part by part, still server-side.
MAX_SINGLE_COPY = 5 << 30
_MAX_PARTS = 10_000

DEFAULT_TRANSFER_CONFIG = TransferConfig(
    multipart_threshold=16 << 20,
    multipart_chunksize=16 << 20,
    max_concurrency=10,
    preferred_transfer_client="classic",
)

_WRITE_ID = "artifacts-write-id"
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ENV_KEYS = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "FLYTE_AWS_ENDPOINT",
    "FLYTE_AWS_ACCESS_KEY_ID",
    "FLYTE_AWS_SECRET_ACCESS_KEY",
)
_DENIED = {
    "AccessDenied",
    "AllAccessDisabled",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "TokenRefreshRequired",
    "403",
    "Forbidden",
}
_UNREACHABLE = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectTimeoutError,
    botocore.exceptions.ProxyConnectionError,
)


def s3_client():
    """A boto3 S3 client with retries and a connection pool sized for concurrent transfers.

    Clients are thread-safe and slow to build, so one is shared per process and AWS environment (a change of
    endpoint or credentials in ``os.environ`` gets a new one; a forked child never reuses its parent's sockets).
    """
    return _client(os.getpid(), tuple(os.environ.get(k) for k in _ENV_KEYS))


@functools.lru_cache(maxsize=8)
def _client(_pid: int, env: typing.Tuple[typing.Optional[str], ...]):
    settings = dict(zip(_ENV_KEYS, env))
    config = Config(
        # Standard mode retries throttling (503 SlowDown), 5xx and dropped connections with jittered backoff.
        # An explicit Config wins over the environment, so the user's AWS_* retry settings are read here.
        retries={
            "mode": settings["AWS_RETRY_MODE"] or "standard",
            "max_attempts": _int_or(settings["AWS_MAX_ATTEMPTS"], 10),
        },
        # Ten attempts at botocore's default 60 s connect timeout would hang for ten minutes on a dead host.
        connect_timeout=10,
        max_pool_connections=max(32, DEFAULT_TRANSFER_CONFIG.max_concurrency * 2),
    )
    # Flyte pods are often given flytekit's own FLYTE_AWS_* settings (the sandbox's MinIO, for one) and no AWS_*
    # ones; use them only where the standard variables say nothing, so AWS_* always wins.
    extra = {}
    if not (settings["AWS_ENDPOINT_URL"] or settings["AWS_ENDPOINT_URL_S3"]) and settings["FLYTE_AWS_ENDPOINT"]:
        extra["endpoint_url"] = settings["FLYTE_AWS_ENDPOINT"]
    if not settings["AWS_ACCESS_KEY_ID"] and settings["FLYTE_AWS_ACCESS_KEY_ID"] and settings["FLYTE_AWS_SECRET_ACCESS_KEY"]:
        extra["aws_access_key_id"] = settings["FLYTE_AWS_ACCESS_KEY_ID"]
        extra["aws_secret_access_key"] = settings["FLYTE_AWS_SECRET_ACCESS_KEY"]
    # Sessions, unlike clients, are not thread-safe; a private one keeps callers on other threads out of it.
    return boto3.session.Session().client("s3", config=config, **extra)


def _int_or(value: typing.Optional[str], default: int) -> int:
    try:
        return max(1, int(value)) if value else default
    except ValueError:
        return default


def parse_s3_uri(uri: str) -> typing.Tuple[str, str]:
    """``s3://bucket/some/key`` -> ("bucket", "some/key"), checking the bucket name."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise ArtifactValueError(f"{uri!r} is not an s3:// URI: use s3://BUCKET/KEY")
    bucket, _, rest = uri[len("s3://") :].partition("/")
    if not bucket:
        raise ArtifactValueError(f"{uri!r} names no bucket: use s3://BUCKET or s3://BUCKET/PREFIX")
    _check_bucket(bucket, uri)
    return bucket, rest


def _check_bucket(bucket: str, where: str) -> None:
    bad = (
        not _BUCKET_RE.match(bucket)
        or ".." in bucket
        or ".-" in bucket
        or "-." in bucket
        or _is_ip(bucket)
    )
    if bad:
        raise ArtifactValueError(
            f"{where!r} names the bucket {bucket!r}, which is not a valid S3 bucket name: use 3-63 lowercase "
            "letters, digits, '.' or '-', starting and ending with a letter or digit"
        )


def _is_ip(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
        return True
    except ValueError:
        return False


def _check_key(key: str, where: str) -> str:
    if not isinstance(key, str):
        raise ArtifactValueError(f"key {key!r} in {where!r} is not a string")
    if key == "":
        return key
    parts = key.split("/")
    if key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ArtifactValueError(
            f"key {key!r} in {where!r} is not a plain relative path: use '/'-separated names without '.', '..' "
            "or empty parts"
        )
    return key


def _code(exc: Exception) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        err = exc.response.get("Error", {})
        return str(err.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
    return ""


def _is_missing(exc: Exception) -> bool:
    return _code(exc) in ("NoSuchKey", "404", "NotFound")


def translate_error(exc: Exception, where: str, action: str, endpoint: typing.Optional[str]) -> ArtifactError:
    """One line naming the store (or object), what failed and what to check; the cause stays chained."""
    endpoint = endpoint or "the default AWS endpoint"
    if isinstance(exc, RetriesExceededError) and exc.last_exception is not None:
        exc = exc.last_exception
    if isinstance(exc, (botocore.exceptions.NoCredentialsError, botocore.exceptions.PartialCredentialsError)):
        return ArtifactValueError(
            f"no AWS credentials for {where!r}: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run "
            "where an IAM role is available"
        )
    if isinstance(exc, _UNREACHABLE):
        return ArtifactValueError(
            f"cannot reach the S3 endpoint {endpoint} for {where!r}: check AWS_ENDPOINT_URL, the network and any "
            "proxy settings"
        )
    code = _code(exc)
    if code == "NoSuchBucket":
        return ArtifactValueError(
            f"the bucket of {where!r} does not exist at {endpoint}: create it, or fix the URI (for the store: "
            "FLYTE_ARTIFACTS_ROOT or --root)"
        )
    if code in _DENIED:
        return ArtifactValueError(
            f"access denied ({code}) when {action} {where!r} at {endpoint}: check which AWS credentials are in use "
            "(AWS_PROFILE, AWS_ACCESS_KEY_ID, IAM role) and that they may list, read and write that prefix"
        )
    if isinstance(exc, botocore.exceptions.ClientError):
        message = exc.response.get("Error", {}).get("Message", "")
        return ArtifactValueError(f"S3 refused {action} {where!r} at {endpoint}: {code}: {message}".rstrip(": "))
    return ArtifactValueError(f"S3 failed {action} {where!r} at {endpoint}: {exc}")


# s3transfer gives up on a download with its own error, wrapping the last connection failure.
_S3_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, RetriesExceededError)


def sha256_b64(sha256_hex: str) -> str:
    """A hex sha256 in the form S3 checksums use (base64 of the digest)."""
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode()


def copy_server_side(
    client, source: dict, bucket: str, key: str, size: int, concurrency: int, extra_args: typing.Optional[dict] = None
) -> typing.Optional[str]:
    """Copy an object inside S3 (bytes never pass through here); returns the SHA256 S3 computed (base64), if any.

    Up to 5 GiB one CopyObject asks S3 for the full-object SHA256 of the copy. Larger objects are copied part by
    part; parts can only carry a composite checksum (a hash of part hashes), which cannot be compared with a
    file's sha256, so none is requested and None is returned.
    """
    extra_args = dict(extra_args or {})
    if size <= MAX_SINGLE_COPY:
        result = client.copy_object(
            Bucket=bucket, Key=key, CopySource=source, ChecksumAlgorithm="SHA256", **extra_args
        ).get("CopyObjectResult", {})
        return result.get("ChecksumSHA256")
    chunk = max(-(-size // _MAX_PARTS), 512 << 20)
    config = TransferConfig(
        multipart_threshold=MAX_SINGLE_COPY,
        multipart_chunksize=min(chunk, MAX_SINGLE_COPY),
        max_concurrency=concurrency,
        preferred_transfer_client="classic",
    )
    with create_transfer_manager(client, config) as tm:
        tm.copy(source, bucket, key, extra_args=extra_args or None).result()
    return None


class TransferProgress(BaseSubscriber):
    """Forwards transferred byte counts (negative when a retried part is sent again, so totals stay right)."""

    def __init__(self, progress, size: typing.Optional[int] = None):
        self._progress = progress
        self._size = size

    def on_queued(self, future, **kwargs):
        if self._size is not None:
            # A known size lets s3transfer pick part sizes under the 10,000-part limit and skip buffering.
            future.meta.provide_transfer_size(self._size)

    def on_progress(self, future, bytes_transferred, **kwargs):
        if self._progress is not None and bytes_transferred:
            self._progress(bytes_transferred)


class HashingReader:
    """A read-only, non-seekable view of a file that hashes what it hands out.

    Not seekable on purpose: s3transfer then reads it strictly once, front to back, so the hash covers exactly
    the bytes uploaded and the file is read from disk once.
    """

    def __init__(self, f: typing.BinaryIO):
        self._f = f
        self.sha = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, n: int = -1) -> bytes:
        buf = self._f.read(n)
        self.sha.update(buf)
        self.size += len(buf)
        return buf


class S3Backend(Backend):
    def __init__(self, root: str, transfer_config: typing.Optional[TransferConfig] = None):
        bucket, prefix = parse_s3_uri(root.strip() if isinstance(root, str) else root)
        prefix = prefix.strip("/")
        _check_key(prefix, root)
        self.bucket = bucket
        self.prefix = prefix
        self.root = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"
        self.transfer_config = transfer_config or DEFAULT_TRANSFER_CONFIG

    # ---- plumbing ---------------------------------------------------------------------------------------
    @property
    def client(self):
        return s3_client()

    def _full(self, key: str) -> str:
        _check_key(key, self.root)
        if not self.prefix:
            return key
        return f"{self.prefix}/{key}" if key else self.prefix

    def _folder(self, key: str) -> str:
        """The listing prefix of a 'folder' key (so 'records/a' never matches 'records/ab')."""
        full = self._full(key)
        return f"{full}/" if full else ""

    def _rel(self, full: str) -> str:
        return full[len(self.prefix) + 1 :] if self.prefix else full

    @contextlib.contextmanager
    def _calling(self, action: str, key: typing.Optional[str] = None):
        try:
            yield
        except _S3_ERRORS as e:
            where = self.uri(key) if key else self.root
            raise translate_error(e, where, action, self.client.meta.endpoint_url) from e

    def _not_found(self, key: str) -> ArtifactNotFoundError:
        return ArtifactNotFoundError(f"{key!r} not found in store {self.root!r}")

    def _transfer(self):
        return create_transfer_manager(self.client, self.transfer_config)

    # ---- Backend ----------------------------------------------------------------------------------------
    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._full(key)}"

    def read_bytes(self, key: str) -> bytes:
        full = self._full(key)
        with self._calling("reading", key):
            try:
                with self.client.get_object(Bucket=self.bucket, Key=full)["Body"] as body:
                    return body.read()
            except botocore.exceptions.ClientError as e:
                if _is_missing(e):
                    raise self._not_found(key) from None
                raise

    def _head(self, full: str) -> typing.Optional[dict]:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=full, ChecksumMode="ENABLED")
        except botocore.exceptions.ClientError as e:
            if _is_missing(e):
                return None
            raise

    def exists(self, key: str) -> bool:
        full = self._full(key)
        with self._calling("checking", key):
            return self._head(full) is not None

    def write_once(self, key: str, data: bytes) -> bool:
        full = self._full(key)
        # botocore may resend a PUT whose first attempt did succeed (a timeout after the server stored it); the
        # resend then fails the precondition. A per-call id in the metadata tells "I created it" from "someone did".
        write_id = uuid.uuid4().hex
        with self._calling("writing", key):
            for attempt in range(8):
                try:
                    self.client.put_object(
                        Bucket=self.bucket, Key=full, Body=data, IfNoneMatch="*", Metadata={_WRITE_ID: write_id}
                    )
                    return True
                except botocore.exceptions.ClientError as e:
                    code = _code(e)
                    if code == "NotImplemented":
                        raise ArtifactValueError(
                            f"the S3 endpoint {self.client.meta.endpoint_url} behind {self.root!r} does not support "
                            "conditional writes (If-None-Match), which write-once records need: use AWS S3 or an "
                            "S3-compatible server that supports them"
                        ) from e
                    if code == "ConditionalRequestConflict":
                        # Another conditional write on this key is in flight; AWS asks clients to retry.
                        time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))
                        continue
                    if code not in ("PreconditionFailed", "412"):
                        raise
                head = self._head(full)
                if head is None:
                    continue  # deleted between the two calls: try to create it again
                return head.get("Metadata", {}).get(_WRITE_ID) == write_id
        raise ArtifactValueError(f"could not create {self.uri(key)!r}: concurrent writers kept conflicting; retry")

    def write(self, key: str, data: bytes) -> None:
        full = self._full(key)
        with self._calling("writing", key):
            self.client.put_object(Bucket=self.bucket, Key=full, Body=data)

    def delete(self, key: str) -> None:
        full = self._full(key)
        with self._calling("deleting", key):
            self.client.delete_object(Bucket=self.bucket, Key=full)

    def list(self, prefix: str) -> typing.List[str]:
        folder = self._folder(prefix)
        out = []
        with self._calling("listing", prefix or None):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=folder):
                for obj in page.get("Contents", []):
                    k = obj["Key"]
                    # Keys ending in '/' are folder markers made by consoles, not files.
                    if k.endswith("/") or k.rsplit("/", 1)[-1].startswith(_TMP_NAME):
                        continue
                    out.append(self._rel(k))
        return sorted(out)

    def list_children(self, prefix: str) -> typing.List[str]:
        folder = self._folder(prefix)
        names = set()
        with self._calling("listing", prefix or None):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=folder, Delimiter="/"
            )
            for page in pages:
                for cp in page.get("CommonPrefixes", []):
                    names.add(cp["Prefix"][len(folder) :].rstrip("/"))
                for obj in page.get("Contents", []):
                    names.add(obj["Key"][len(folder) :])
        return sorted(n for n in names if n and not n.startswith(_TMP_NAME))

    def put_file_blob(self, path: str, progress=None) -> typing.Tuple[str, int, str]:
        tmp_key = f"{TMP_PREFIX}/{_TMP_NAME}{uuid.uuid4().hex}"
        tmp_full = self._full(tmp_key)
        started = False
        with self._calling("storing a file in"):
            try:
                with open(path, "rb") as f:
                    reader = HashingReader(f)
                    started = True
                    with self._transfer() as tm:
                        tm.upload(
                            reader,
                            self.bucket,
                            tmp_full,
                            subscribers=[TransferProgress(progress, os.fstat(f.fileno()).st_size)],
                        ).result()
                size, sha = reader.size, reader.sha.hexdigest()
                key = blob_key(sha)
                self._place_blob(tmp_full, self._full(key), size, sha)
                return key, size, sha
            finally:
                if started:
                    self._discard(tmp_full)

    def _discard(self, full: str) -> None:
        with contextlib.suppress(*_S3_ERRORS):
            # Best effort: an orphan under tmp/ costs storage until a lifecycle rule expires it.
            self.client.delete_object(Bucket=self.bucket, Key=full)

    def _place_blob(self, tmp_full: str, final_full: str, size: int, sha: str) -> None:
        """Server-side copy of the staged upload to its content address, unless those bytes are already there."""
        want = sha256_b64(sha)
        existing = self._head(final_full)
        if existing is not None:
            have = existing.get("ChecksumSHA256")
            # A blob whose own SHA256 checksum contradicts its address is damaged: replace it with verified bytes.
            # Blobs without a full-object checksum (copied part by part) are trusted, like local ones.
            composite = existing.get("ChecksumType") == "COMPOSITE" or "-" in (have or "")
            if existing.get("ContentLength") == size and (have is None or have == want or composite):
                return
        # No If-None-Match here: a racing writer of the same address copies identical bytes, so losing the race is
        # harmless, and conditional copies are not honoured everywhere (moto ignores them).
        source = {"Bucket": self.bucket, "Key": tmp_full}
        got = copy_server_side(self.client, source, self.bucket, final_full, size, self.transfer_config.max_concurrency)
        # S3 computes the SHA256 of the copy itself: if it differs from the hash of the bytes read locally,
        # something between this file and the bucket changed them.
        if got is not None and got != want:
            self.client.delete_object(Bucket=self.bucket, Key=final_full)
            raise ArtifactError(
                f"S3 stored different bytes than were read from the file (sha256 {got} vs {want}) "
                f"at {self.uri(self._rel(final_full))!r}: the upload was corrupted; retry"
            )

    def download(self, key: str, dest: str, progress=None) -> None:
        full = self._full(key)
        dest = os.path.abspath(dest)
        folder = os.path.dirname(dest)
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=_TMP_NAME)
        try:
            with self._calling("downloading", key):
                try:
                    with os.fdopen(fd, "wb") as out, self._transfer() as tm:
                        tm.download(self.bucket, full, out, subscribers=[TransferProgress(progress)]).result()
                except botocore.exceptions.ClientError as e:
                    if _is_missing(e):
                        raise self._not_found(key) from None
                    raise
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


def open_s3_uri(uri: str) -> typing.BinaryIO:
    """A readable binary stream (usable with ``with``) over any s3:// object, e.g. a task output a pod uploaded."""
    bucket, key = parse_s3_uri(uri)
    if not key or key.endswith("/"):
        raise ArtifactValueError(f"{uri!r} names no object: use s3://BUCKET/KEY")
    client = s3_client()
    try:
        return client.get_object(Bucket=bucket, Key=key)["Body"]
    except botocore.exceptions.ClientError as e:
        if _is_missing(e):
            raise ArtifactNotFoundError(
                f"{uri!r} does not exist: was the object deleted, or the URI mistyped?"
            ) from None
        raise translate_error(e, uri, "reading", client.meta.endpoint_url) from e
    except botocore.exceptions.BotoCoreError as e:
        raise translate_error(e, uri, "reading", client.meta.endpoint_url) from e

