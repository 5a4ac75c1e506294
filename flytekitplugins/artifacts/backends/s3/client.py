"""Talking to S3 (or any S3-compatible endpoint): the shared client, URI and key rules, one-line errors, and
the server-side copy every S3 path uses.

Credentials come from boto3's standard chain and the endpoint from ``AWS_ENDPOINT_URL`` /
``AWS_ENDPOINT_URL_S3``, which the pinned botocore resolves itself; flytekit's ``FLYTE_AWS_*`` settings are used
where those say nothing.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import io
import ipaddress
import os
import random
import re
import time
import typing

import boto3
import botocore.exceptions
import urllib3.exceptions
from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.config import Config
from s3transfer.exceptions import RetriesExceededError
from s3transfer.subscribers import BaseSubscriber

from ...errors import (
    ArtifactError,
    ArtifactNotFoundError,
    ArtifactValueError,
    ReadBrokeOff,
    StoredBytesMismatchError,
)
from ..base import AttemptProgress
from ..digest import copy_hashing
from .abilities import CHECKSUMS_ENV, ServerAbilities, server_abilities, server_sha256

__all__ = ["CHECKSUMS_ENV", "ServerAbilities", "server_abilities", "server_sha256"]

#: CopyObject copies at most 5 GiB in one request; larger blobs are copied part by part, still server-side.
MAX_SINGLE_COPY = 5 << 30
_MAX_PARTS = 10_000

DEFAULT_TRANSFER_CONFIG = TransferConfig(
    multipart_threshold=16 << 20,
    multipart_chunksize=16 << 20,
    max_concurrency=10,
    preferred_transfer_client="classic",
)

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


def s3_client() -> typing.Any:
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
    if (
        not settings["AWS_ACCESS_KEY_ID"]
        and settings["FLYTE_AWS_ACCESS_KEY_ID"]
        and settings["FLYTE_AWS_SECRET_ACCESS_KEY"]
    ):
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
    bad = not _BUCKET_RE.match(bucket) or ".." in bucket or ".-" in bucket or "-." in bucket or _is_ip(bucket)
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


def check_key(key: str, where: str) -> str:
    """``key`` if it is a plain relative key (no leading '/', no '.', '..' or empty parts), else an error."""
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


def error_code(exc: Exception) -> str:
    """The error code of an S3 answer ("NoSuchKey", "412"...), or "" for other failures."""
    if isinstance(exc, botocore.exceptions.ClientError):
        err = exc.response.get("Error", {})
        return str(err.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
    return ""


def is_missing(exc: Exception) -> bool:
    """Whether an S3 error says the object does not exist."""
    return error_code(exc) in ("NoSuchKey", "404", "NotFound")


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
    code = error_code(exc)
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
S3_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, RetriesExceededError)
#: What a read raises when an answer's body breaks off after it began: botocore retries the request, not the body.
CUT_SHORT = (
    botocore.exceptions.IncompleteReadError,
    botocore.exceptions.ResponseStreamingError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ConnectionClosedError,
    urllib3.exceptions.HTTPError,
    ConnectionError,
)


def sha256_b64(sha256_hex: str) -> str:
    """A hex sha256 in the form S3 checksums use (base64 of the digest)."""
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode()


#: Kept bytes (or dataset files) reused by a new record or a retried export are refreshed when older than this
#: (well inside gc's grace period), so gc leaves them to what is about to name them.
REFRESH_AFTER_SECONDS = 600


def age_seconds(head: dict) -> float:
    """How long ago the object a ``head_object`` answer describes was last written (0 when not said)."""
    return time.time() - head["LastModified"].timestamp() if "LastModified" in head else 0.0


#: The object metadata (``x-amz-meta-artifacts-sha256``) this plugin writes with bytes it has hashed itself.
SHA256_META = "artifacts-sha256"


def verified_metadata(sha256: str) -> typing.Dict[str, str]:
    """Metadata to store with bytes whose sha256 was checked before the write."""
    return {SHA256_META: sha256}


def holds(head: dict, size: int, sha256: str, abilities: ServerAbilities) -> bool:
    """Whether the object a ``head_object`` answer (asked with ``ChecksumMode="ENABLED"``) describes may be taken to
    hold ``size`` bytes with this sha256 without reading it: the server's own full-object SHA256 must match when it
    reports one; else the sha256 this plugin stored in its metadata after checking the bytes. An object with
    neither (a server without checksums, bytes written by anyone else) is not taken: it is written again."""
    if head.get("ContentLength") != size:
        return False
    have = server_sha256(head, abilities)
    if have is not None:
        return have == sha256_b64(sha256)
    return head.get("Metadata", {}).get(SHA256_META) == sha256


def copy_server_side(
    client, source: dict, bucket: str, key: str, size: int, concurrency: int, extra_args: typing.Optional[dict] = None
) -> typing.Optional[str]:
    """Copy an object inside S3 (bytes never pass through here); returns the SHA256 S3 computed (base64), or None
    when it reports none (a server without checksums: callers then hash the copy).

    Up to 5 GiB one CopyObject asks S3 for the full-object SHA256 of the copy. Larger objects are copied part by
    part; parts can only carry a composite checksum (a hash of part hashes), which cannot be compared with a
    file's sha256, so none is requested and None is returned.
    """
    extra_args = dict(extra_args or {})
    if size <= MAX_SINGLE_COPY:
        result = client.copy_object(
            Bucket=bucket, Key=key, CopySource=source, ChecksumAlgorithm="SHA256", **extra_args
        ).get("CopyObjectResult", {})
        return server_sha256(result, server_abilities(client, bucket, key))
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


def open_s3_uri(uri: str, size: typing.Optional[int] = None) -> typing.BinaryIO:
    """A readable binary stream (usable with ``with``) over any s3:// object, e.g. a task output a pod uploaded.

    With ``size``, an object of any other length (as the response declares it) is refused before it is read.
    """
    bucket, key = parse_s3_uri(uri)
    if not key or key.endswith("/"):
        raise ArtifactValueError(f"{uri!r} names no object: use s3://BUCKET/KEY")
    client = s3_client()
    try:
        resp = client.get_object(Bucket=bucket, Key=key)
        if size is not None and resp.get("ContentLength") != size:
            resp["Body"].close()
            raise StoredBytesMismatchError(
                f"{uri!r} is {resp.get('ContentLength')} bytes, where {size:,} bytes were recorded")
        return ResumingBody(client, uri, resp)
    except botocore.exceptions.ClientError as e:
        if is_missing(e):
            raise ArtifactNotFoundError(
                f"{uri!r} does not exist: was the object deleted, or the URI mistyped?"
            ) from None
        raise translate_error(e, uri, "reading", client.meta.endpoint_url) from e
    except botocore.exceptions.BotoCoreError as e:
        raise translate_error(e, uri, "reading", client.meta.endpoint_url) from e


#: Whole reads of an object that came back short, damaged or broken off are tried this many times.
READ_ATTEMPTS = 6


def _backoff(attempt: int, cap: float = 4.0) -> None:
    time.sleep(min(cap, 0.1 * 2**attempt) * (0.5 + random.random()))


class ResumingBody(io.RawIOBase):
    """An object's body that survives being cut: botocore retries a request, not a body that breaks off after the
    answer began (urllib3's ProtocolError, IncompleteRead, a reset). A read that breaks off asks again for the rest
    (``Range: bytes=<read so far>-``, pinned to the object's ETag so a replaced object is never spliced in), up to
    ``READ_ATTEMPTS`` times in a row without a byte more; then one clear error naming the object."""

    def __init__(self, client, uri: str, resp: dict):
        super().__init__()
        self._client = client
        self._uri = uri
        self._bucket, self._key = parse_s3_uri(uri)
        self._body = resp["Body"]
        self._etag = resp.get("ETag")
        self._length = resp.get("ContentLength")
        self._pos = 0
        self._cuts = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        data = self.read(len(buf))
        buf[: len(data)] = data
        return len(data)

    def read(self, n: typing.Optional[int] = -1) -> bytes:
        problem = ""
        for attempt in range(READ_ATTEMPTS):
            try:
                if self._body is None:
                    self._reopen()
                data = self._body.read() if n is None or n < 0 else self._body.read(n)
                if not data and n != 0 and self._length is not None and self._pos < self._length:
                    raise IncompleteRead(f"the body ended after {self._pos} of {self._length} bytes")
                self._pos += len(data)
                return data
            except (*CUT_SHORT, IncompleteRead, botocore.exceptions.BotoCoreError) as e:
                problem = f"{type(e).__name__}: {e}"
                self._cuts += 1
            with contextlib.suppress(Exception):
                self._body.close()
            self._body = None
            _backoff(attempt)
        raise CutShort(
            f"could not read {self._uri!r} whole: the answer broke off {self._cuts} times, the last {READ_ATTEMPTS} "
            f"in a row with nothing more read (last: {problem}); check the network or the S3 endpoint and retry",
            self._cuts, problem)

    def _reopen(self) -> None:
        extra = {"IfMatch": self._etag} if self._etag else {}
        try:
            self._body = self._client.get_object(Bucket=self._bucket, Key=self._key, Range=f"bytes={self._pos}-",
                                                 **extra)["Body"]
        except botocore.exceptions.ClientError as e:
            raise translate_error(e, self._uri, "reading", self._client.meta.endpoint_url) from e

    def close(self) -> None:
        if self._body is not None:
            with contextlib.suppress(Exception):
                self._body.close()
        super().close()


class IncompleteRead(ArtifactError):
    """An object could not be read whole: every attempt came back short, damaged or broken off."""


class CutShort(IncompleteRead, ReadBrokeOff):
    """A stream over an object broke off, and so did every request for the rest."""


def _read_once(client, bucket: str, key: str, progress) -> typing.Tuple[int, str]:
    resp = client.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    expected = resp.get("ContentLength")
    with resp["Body"] as body:
        size, sha = copy_hashing(body, None, progress)
    if expected is not None and size != expected:
        raise IncompleteRead(f"read {size} bytes of {expected}")
    have = server_sha256(resp, server_abilities(client, bucket, key))
    if have is not None and have != sha256_b64(sha):
        raise IncompleteRead(f"the bytes read hash to {sha[:12]}..., not to the SHA256 S3 keeps for the object")
    return size, sha


def hash_s3_object(uri: str, progress=None) -> typing.Tuple[int, str]:
    """(size, sha256) of an S3 object, read whole: the byte count must equal its Content-Length and the hash the
    SHA256 checksum S3 keeps for it (when it keeps one). A short, damaged or broken-off read is tried again with
    backoff; when every attempt fails this raises, so a wrong size or hash is never returned (nor recorded)."""
    bucket, key = parse_s3_uri(uri)
    if not key or key.endswith("/"):
        raise ArtifactValueError(f"{uri!r} names no object: use s3://BUCKET/KEY")
    client = s3_client()
    problem = ""
    counted = AttemptProgress(progress)
    for attempt in range(READ_ATTEMPTS):
        try:
            return _read_once(client, bucket, key, counted)
        except botocore.exceptions.ClientError as e:
            if is_missing(e):
                raise ArtifactNotFoundError(
                    f"{uri!r} does not exist: was the object deleted, or the URI mistyped?"
                ) from None
            if error_code(e) in _DENIED or error_code(e) == "NoSuchBucket":
                raise translate_error(e, uri, "reading", client.meta.endpoint_url) from e
            problem = f"{error_code(e)}: {e}"
        except (botocore.exceptions.BotoCoreError, IncompleteRead, OSError) as e:
            problem = str(e)
        counted.undo()  # the bytes of a failed attempt are read again
        time.sleep(min(4.0, 0.1 * 2**attempt) * (0.5 + random.random()))
    raise IncompleteRead(
        f"could not read {uri!r} whole in {READ_ATTEMPTS} attempts (last: {problem}): nothing was recorded from it; "
        "check the network or the S3 endpoint and retry"
    )
