"""Write-once for objects large enough to go up in parts, on every server.

The parts go up first, under the final key but invisible until completed. The completion is made under a
create-lock: a small object under ``tmp/locks/`` written with ``PutObject`` and ``If-None-Match: *``, which every
server the plugin accepts honours. Only the writer that created the lock completes, after checking that the key is
still absent; the others wait until the key exists (not created by them) or the lock is gone (its writer failed:
they try again). Where the server also refuses ``CompleteMultipartUpload`` with ``If-None-Match: *`` on an existing
key (AWS, moto), the completion carries it too, against writers that take no lock; the lock is still needed there,
as moto lets two such completions racing on large parts both succeed, and Ceph's RADOS gateway ignores the
condition (it overwrites). A lock left by a killed writer is taken over once it is older than
:data:`LOCK_STALE_SECONDS`, by writing the lock's next generation, again write-once; a lifecycle rule on ``tmp/``
removes what is left.
"""

from __future__ import annotations

import hashlib
import random
import time
import typing
import uuid

import botocore.exceptions

from ...errors import ArtifactValueError
from .abilities import ServerAbilities
from .client import age_seconds, error_code, is_missing

if typing.TYPE_CHECKING:
    from .backend import S3Backend

WRITE_ID = "artifacts-write-id"
#: A create-lock older than this belongs to a writer that died: the next generation of the lock is taken.
LOCK_STALE_SECONDS = 300
#: How long a writer waits for another one's completion before giving up with an error.
LOCK_WAIT_SECONDS = 900
_REFUSED = ("PreconditionFailed", "412")


def write_large_once(backend: "S3Backend", full: str, data: bytes, abilities: ServerAbilities) -> bool:
    """Create ``full`` with ``data`` in parts unless it exists; True when this call created it."""
    client, bucket = backend.client, backend.bucket
    write_id = uuid.uuid4().hex
    upload = client.create_multipart_upload(Bucket=bucket, Key=full, Metadata={WRITE_ID: write_id})["UploadId"]
    done = False
    try:
        parts = _upload_parts(client, bucket, full, upload, data, backend.transfer_config.multipart_chunksize)

        def complete() -> bool:
            if abilities.conditional_complete:
                return _complete_if_absent(backend, full, upload, parts, write_id)
            _complete(client, bucket, full, upload, parts)
            return True

        done = _LockedCreation(backend, full, write_id, abilities).run(complete)
        return done
    finally:
        if not done:
            try:
                client.abort_multipart_upload(Bucket=bucket, Key=full, UploadId=upload)
            except botocore.exceptions.ClientError:
                pass  # completed, or gone: nothing of it is visible either way


def _upload_parts(client, bucket: str, key: str, upload: str, data: bytes, chunk: int) -> typing.List[dict]:
    parts = []
    for number, start in enumerate(range(0, len(data), chunk), start=1):
        answer = client.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=number,
                                    Body=data[start:start + chunk])
        parts.append({"PartNumber": number, "ETag": answer["ETag"]})
    return parts


def _complete(client, bucket: str, key: str, upload: str, parts: typing.List[dict], **condition) -> None:
    client.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": parts},
                                     **condition)


def _complete_if_absent(backend: "S3Backend", full: str, upload: str, parts: typing.List[dict], write_id: str) -> bool:
    for attempt in range(8):
        try:
            _complete(backend.client, backend.bucket, full, upload, parts, IfNoneMatch="*")
            return True
        except botocore.exceptions.ClientError as e:
            if error_code(e) == "ConditionalRequestConflict":
                time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))
                continue
            if error_code(e) not in _REFUSED:
                raise
        # Refused: someone else's object, unless a resent completion found this call's own.
        head = backend._head(full)
        return head is not None and head.get("Metadata", {}).get(WRITE_ID) == write_id
    raise ArtifactValueError(f"could not create {backend.uri(backend._rel(full))!r}: concurrent writers kept "
                             "conflicting; retry")


class _LockedCreation:
    """Create one key under its create-lock (see the module's docstring)."""

    def __init__(self, backend: "S3Backend", full: str, write_id: str, abilities: ServerAbilities):
        self.backend, self.full, self.write_id, self.abilities = backend, full, write_id, abilities
        self.client, self.bucket = backend.client, backend.bucket
        name = hashlib.sha256(full.encode()).hexdigest()
        self.lock_base = backend._full(f"tmp/locks/{name}")

    def run(self, complete: typing.Callable[[], bool]) -> bool:
        generation, attempt = 0, 0
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            lock = f"{self.lock_base}.{generation}"
            if self._take(lock):
                try:
                    if self.backend._head(self.full) is not None:
                        return False
                    return complete()
                finally:
                    self._release(lock)
            if self.backend._head(self.full) is not None:
                return False
            held = self.backend._head(lock)
            if held is None:
                continue  # its writer failed and let go: try again
            if age_seconds(held) > LOCK_STALE_SECONDS:
                generation += 1  # its writer died holding it
                continue
            if time.monotonic() > deadline:
                raise self._stuck(lock, held)
            time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))
            attempt += 1

    def _take(self, lock: str) -> bool:
        try:
            self.client.put_object(Bucket=self.bucket, Key=lock, Body=self.full.encode(), IfNoneMatch="*",
                                   Metadata={WRITE_ID: self.write_id})
            return True
        except botocore.exceptions.ClientError as e:
            if error_code(e) not in _REFUSED:
                raise
        # A resent request whose first attempt did create it is refused too: the lock is then ours.
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=lock)
        except botocore.exceptions.ClientError as e:
            if is_missing(e):
                return False
            raise
        return head.get("Metadata", {}).get(WRITE_ID) == self.write_id

    def _release(self, lock: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=lock)
        except botocore.exceptions.ClientError:
            pass  # left to go stale, and to the lifecycle rule on tmp/

    def _stuck(self, lock: str, held: dict) -> ArtifactValueError:
        why = "" if self.abilities.conditional_complete else (
            f" (the S3 server at {self.client.meta.endpoint_url} ignores If-None-Match on CompleteMultipartUpload)")
        return ArtifactValueError(
            f"could not create {self.backend.uri(self.backend._rel(self.full))!r}: large write-once objects are "
            f"completed under a create-lock{why}, and s3://{self.bucket}/{lock} has been held for "
            f"{age_seconds(held):.0f} s by another writer; retry, or delete that lock if no writer is running"
        )
