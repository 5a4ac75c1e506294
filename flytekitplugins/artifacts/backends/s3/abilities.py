"""What an S3 server can do, found out once per process and endpoint by a probe, and the checksum setting.

S3-compatible servers differ in the newer S3 features the store relies on: Ceph's RADOS gateway keeps no
``ChecksumSHA256`` and overwrites on ``CompleteMultipartUpload`` with ``If-None-Match: *``; moto and AWS honour
both. Instead of trusting every answer, the first use of an endpoint writes a probe object beside the key it is
about to touch (a ``.tmp-`` name, removed at once) and asks:

* does the server keep a SHA256 of an object's bytes (``ChecksumSHA256`` on HEAD with ``ChecksumMode``)?
* does ``PutObject`` with ``If-None-Match: *`` refuse an existing key?
* does ``CompleteMultipartUpload`` with ``If-None-Match: *`` refuse an existing key?

The answer is kept for the process (a forked child asks again). A probe that cannot write (read-only credentials)
assumes the least: no checksums, no conditional completion, and is kept for that bucket only.
``FLYTE_ARTIFACTS_S3_CHECKSUMS`` (``auto`` or ``ignore``, read once per process) overrides the checksum answer.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import threading
import typing
import uuid

import botocore.exceptions

from ...errors import ArtifactValueError
from ..base import TEMP_NAME

#: ``auto`` (the default): a full-object SHA-256 the server keeps is used; ``ignore``: never, the bytes are hashed.
CHECKSUMS_ENV = "FLYTE_ARTIFACTS_S3_CHECKSUMS"
_REFUSED = ("PreconditionFailed", "412")


@dataclasses.dataclass(frozen=True)
class ServerAbilities:
    """The newer S3 features one endpoint was found to have."""

    keeps_sha256: bool
    conditional_put: bool
    conditional_complete: bool


#: Assumed where the probe could not write: hash every read, and make large write-once objects under a lock.
LEAST = ServerAbilities(keeps_sha256=False, conditional_put=True, conditional_complete=False)

_lock = threading.Lock()
_known: typing.Dict[tuple, ServerAbilities] = {}
_setting: typing.Dict[int, bool] = {}
#: How many probes this process has run (each is a handful of requests), for tests and diagnostics.
probes_run = 0


def use_server_checksums() -> bool:
    """Whether ``FLYTE_ARTIFACTS_S3_CHECKSUMS`` lets a server's own SHA256 be used; read once per process."""
    pid = os.getpid()
    if pid not in _setting:
        value = os.environ.get(CHECKSUMS_ENV, "").strip().lower()
        if value not in ("", "auto", "ignore"):
            raise ArtifactValueError(
                f"{CHECKSUMS_ENV}={value!r} is not a choice: use 'auto' (use the SHA-256 an S3 server reports) or "
                "'ignore' (hash the bytes instead)"
            )
        _setting[pid] = value != "ignore"
    return _setting[pid]


def reset() -> None:
    """Forget every probe and the checksum setting (for a process whose endpoint or settings change)."""
    with _lock:
        _known.clear()
        _setting.clear()


def server_abilities(client, bucket: str, near_key: str = "") -> ServerAbilities:
    """The abilities of ``client``'s endpoint, probed on first use next to ``near_key`` in ``bucket``."""
    checksums = use_server_checksums()
    pid, endpoint = os.getpid(), client.meta.endpoint_url
    with _lock:
        found = _known.get((pid, endpoint)) or _known.get((pid, endpoint, bucket))
        if found is None:
            found, shared = _probe(client, bucket, near_key)
            _known[(pid, endpoint) if shared else (pid, endpoint, bucket)] = found
    return found if checksums else dataclasses.replace(found, keeps_sha256=False)


def _code(exc: Exception) -> str:
    err = getattr(exc, "response", {}) or {}
    return str(err.get("Error", {}).get("Code") or err.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))


def _probe(client, bucket: str, near_key: str) -> typing.Tuple[ServerAbilities, bool]:
    """(what the endpoint does, whether the answer holds for every bucket there)."""
    global probes_run
    probes_run += 1
    key = posixpath.join(posixpath.dirname(near_key.strip("/")), f"{TEMP_NAME}probe-{uuid.uuid4().hex}")
    try:
        client.put_object(Bucket=bucket, Key=key, Body=b"probe", ChecksumAlgorithm="SHA256")
    except botocore.exceptions.ClientError:
        return LEAST, False  # no right to write here, or no such bucket: assume the least, for this bucket only
    try:
        head = client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        keeps = bool(head.get("ChecksumSHA256"))
        return ServerAbilities(keeps, _refuses_put(client, bucket, key), _refuses_completion(client, bucket, key)), True
    finally:
        try:
            client.delete_object(Bucket=bucket, Key=key)
        except botocore.exceptions.ClientError:
            pass  # a .tmp- name: hidden from listings, and taken by gc


def _refuses_put(client, bucket: str, key: str) -> bool:
    try:
        client.put_object(Bucket=bucket, Key=key, Body=b"again", IfNoneMatch="*")
    except botocore.exceptions.ClientError as e:
        return _code(e) in _REFUSED
    return False


def _refuses_completion(client, bucket: str, key: str) -> bool:
    upload = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    try:
        part = client.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=1, Body=b"again")
        client.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload, IfNoneMatch="*",
                                         MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    except botocore.exceptions.ClientError as e:
        try:
            client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload)
        except botocore.exceptions.ClientError:
            pass
        return _code(e) in _REFUSED
    return False


def server_sha256(answer: dict, abilities: ServerAbilities) -> typing.Optional[str]:
    """The full-object SHA256 (base64) an S3 answer carries, or None: a server found to keep no checksums (Ceph's
    RADOS gateway, older MinIO) is never believed, an object uploaded or copied in parts has only a hash of part
    hashes, and ``FLYTE_ARTIFACTS_S3_CHECKSUMS=ignore`` says not to use them. None means: hash the bytes."""
    have = answer.get("ChecksumSHA256")
    if not abilities.keeps_sha256 or not have or "-" in have:
        return None
    return have if answer.get("ChecksumType", "FULL_OBJECT") == "FULL_OBJECT" else None
