"""The store on S3 (or any S3-compatible endpoint): ``s3://bucket`` or ``s3://bucket/prefix``.

Write-once records use conditional writes (``PutObject`` with ``If-None-Match: *``): S3 creates the key only if
it does not exist, atomically, so two writers can never both create a record. Payloads of the multipart threshold
and more go up in parts (``large_once.py``), completed conditionally where the server honours that, else under a
create-lock; what the server honours is probed once per process (``abilities.py``). Conditional copies are not
honoured everywhere (moto and Ceph ignore them), which is one reason blob copies below do not depend on them.

Operators: uploads stage bytes under ``<prefix>/tmp/``; a lifecycle rule expiring that prefix after a day (and
aborting incomplete multipart uploads) cleans up after processes killed mid-upload.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import random
import tempfile
import time
import typing
import uuid

import botocore.exceptions
from boto3.s3.transfer import TransferConfig, create_transfer_manager

from ...errors import ArtifactError, ArtifactNotFoundError, ArtifactValueError
from ..base import TEMP_NAME, Backend, Opener, Progress, StoredFile, blob_key
from ..digest import HashingReader
from ..local.files import discard
from .client import (
    CUT_SHORT,
    DEFAULT_TRANSFER_CONFIG,
    READ_ATTEMPTS,
    REFRESH_AFTER_SECONDS,
    S3_ERRORS,
    IncompleteRead,
    ServerAbilities,
    TransferProgress,
    age_seconds,
    check_key,
    copy_server_side,
    error_code,
    hash_s3_object,
    holds,
    is_missing,
    open_s3_uri,
    parse_s3_uri,
    s3_client,
    server_abilities,
    sha256_b64,
    translate_error,
    verified_metadata,
)
from .large_once import WRITE_ID as _WRITE_ID
from .large_once import write_large_once
from .restore import restore_object

#: Staged uploads live outside ``blobs/`` so one lifecycle rule on this prefix can expire orphans.
TMP_PREFIX = "tmp"
_TMP_NAME = TEMP_NAME
#: DeleteObjects removes at most this many keys per request.
_DELETE_BATCH = 1000


class S3Backend(Backend):
    """A store or dataset under ``s3://bucket`` or ``s3://bucket/prefix``."""

    scheme = "s3"
    #: Each call is a request to a server: several at once hide the round trips.
    concurrency = 16

    def __init__(self, root: str, transfer_config: typing.Optional[TransferConfig] = None):
        self.root = self.normalize(root)
        self.bucket, self.prefix = parse_s3_uri(self.root)
        self.transfer_config = transfer_config or DEFAULT_TRANSFER_CONFIG

    @classmethod
    def normalize(cls, uri: str) -> str:
        bucket, prefix = parse_s3_uri(uri.strip() if isinstance(uri, str) else uri)
        prefix = prefix.strip("/")
        check_key(prefix, uri)
        return f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"

    @classmethod
    def open_uri(cls, uri: str) -> typing.BinaryIO:
        return open_s3_uri(uri)

    @classmethod
    def open_uri_exact(cls, uri: str, size: int) -> typing.BinaryIO:
        return open_s3_uri(uri, size)

    @classmethod
    def hash_uri(cls, uri: str, progress: Progress = None) -> typing.Tuple[int, str]:
        return hash_s3_object(uri, progress)

    @classmethod
    def restore_uri(cls, dest_uri: str, source_uri: str, size: int, sha256: str,
                    within: typing.Optional[str] = None) -> None:
        restore_object(dest_uri, source_uri, size, sha256)

    # ---- plumbing ---------------------------------------------------------------------------------------
    @property
    def client(self):
        return s3_client()

    def abilities(self, near_full: str = "") -> ServerAbilities:
        """What this store's S3 server can do (probed once per process and endpoint, next to ``near_full``)."""
        return server_abilities(self.client, self.bucket, near_full or self._full(TMP_PREFIX + "/x"))

    def _full(self, key: str) -> str:
        check_key(key, self.root)
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
        except S3_ERRORS as e:
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
        problem = ""
        for attempt in range(READ_ATTEMPTS):
            with self._calling("reading", key):
                try:
                    resp = self.client.get_object(Bucket=self.bucket, Key=full)
                    with resp["Body"] as body:
                        data = body.read()
                    if resp.get("ContentLength") in (None, len(data)):
                        return data
                    problem = f"{len(data)} of {resp.get('ContentLength')} bytes"
                except botocore.exceptions.ClientError as e:
                    if is_missing(e):
                        raise self._not_found(key) from None
                    raise
                except CUT_SHORT as e:  # the body broke off after the answer began: not retried by botocore
                    problem = f"{type(e).__name__}: {e}"
            time.sleep(min(2.0, 0.1 * 2**attempt) * (0.5 + random.random()))
        raise IncompleteRead(f"could not read {self.uri(key)} whole in {READ_ATTEMPTS} attempts (last: {problem}): "
                             "check the network or the S3 endpoint and retry")

    def _head(self, full: str) -> typing.Optional[dict]:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=full, ChecksumMode="ENABLED")
        except botocore.exceptions.ClientError as e:
            if is_missing(e):
                return None
            raise

    def exists(self, key: str) -> bool:
        full = self._full(key)
        with self._calling("checking", key):
            return self._head(full) is not None

    def write_once(self, key: str, data: bytes) -> bool:
        full = self._full(key)
        with self._calling("writing", key):
            abilities = self.abilities(full)
            if not abilities.conditional_put:
                raise ArtifactValueError(
                    f"the S3 server at {self.client.meta.endpoint_url} behind {self.root!r} overwrites an existing "
                    "key on PutObject with If-None-Match: * instead of refusing it, so write-once records cannot be "
                    "kept there: use AWS S3 or an S3-compatible server that honours conditional writes"
                )
            if len(data) >= self.transfer_config.multipart_threshold:
                return write_large_once(self, full, data, abilities)
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
                    code = error_code(e)
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

    def delete_many(self, keys: typing.Sequence[str], progress: Progress = None) -> None:
        # Up to 1000 keys per request; S3 answers with the keys it could not remove (a missing key is no error).
        for start in range(0, len(keys), _DELETE_BATCH):
            chunk = keys[start:start + _DELETE_BATCH]
            with self._calling("deleting"):
                answer = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": self._full(k)} for k in chunk], "Quiet": True}
                )
            failed = answer.get("Errors", [])
            if failed:
                first = failed[0]
                raise ArtifactValueError(
                    f"S3 refused deleting {len(failed)} of {len(chunk)} objects in {self.root!r} at "
                    f"{self.client.meta.endpoint_url}, the first {self.uri(self._rel(first.get('Key', '')))!r}: "
                    f"{first.get('Code', '')}: {first.get('Message', '')}".rstrip(": ")
                )
            if progress is not None:
                progress(len(chunk))

    def is_temp(self, key: str) -> bool:
        # Uploads are staged under tmp/ (the prefix a lifecycle rule can expire).
        return super().is_temp(key) or key.startswith(TMP_PREFIX + "/")

    def remove_if_older(self, key: str, grace: float) -> bool:
        full = self._full(key)
        with self._calling("deleting", key):
            head = self._head(full)
            if head is None or age_seconds(head) < grace:
                return False
            self.client.delete_object(Bucket=self.bucket, Key=full)
        return True

    def list_files(self, prefix: str = "", include_temp: bool = False) -> typing.List[StoredFile]:
        now = time.time()
        out = []
        with self._calling("listing", prefix or None):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self._folder(prefix)
            )
            for page in pages:
                for obj in page.get("Contents", []):
                    if obj["Key"].endswith("/"):
                        continue  # a console's folder marker
                    rel = self._rel(obj["Key"])
                    if not include_temp and rel.rsplit("/", 1)[-1].startswith(_TMP_NAME):
                        continue
                    out.append(StoredFile(rel, obj["Size"], now - obj["LastModified"].timestamp()))
        return out

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
        names: typing.Set[str] = set()
        with self._calling("listing", prefix or None):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=folder, Delimiter="/"
            )
            for page in pages:
                names |= _child_names(page, folder)
        return sorted(names)

    def list_children_first(self, prefix: str, limit: int) -> typing.List[str]:
        """The first ``limit`` names directly under ``prefix``, from one listing request (S3 lists in key order;
        one more is asked for, as a console's folder marker may come first)."""
        folder = self._folder(prefix)
        with self._calling("listing", prefix or None):
            page = self.client.list_objects_v2(
                Bucket=self.bucket, Prefix=folder, Delimiter="/", MaxKeys=max(1, limit) + 1
            )
        return sorted(_child_names(page, folder))[:limit]

    def put_file_blob(self, path: str, progress=None, naming=None) -> typing.Tuple[str, int, str]:
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
                if naming is not None:
                    naming(sha)
                self._place_blob(tmp_full, self._full(key), size, sha)
                return key, size, sha
            finally:
                if started:
                    self._discard(tmp_full)

    def _discard(self, full: str) -> None:
        with contextlib.suppress(*S3_ERRORS):
            # Best effort: an orphan under tmp/ costs storage until a lifecycle rule expires it.
            self.client.delete_object(Bucket=self.bucket, Key=full)

    def _place_blob(self, tmp_full: str, final_full: str, size: int, sha: str) -> None:
        """Server-side copy of the staged upload to its content address, unless those bytes are already there."""
        want = sha256_b64(sha)
        existing = self._head(final_full)
        # A blob whose own SHA256 checksum contradicts its address is damaged: replaced with verified bytes below.
        if existing is not None and holds(existing, size, sha, self.abilities(final_full)):
            if age_seconds(existing) < REFRESH_AFTER_SECONDS:
                return
            # Old bytes about to be named by a new record: copied again (server-side) so their age is fresh and
            # `gc` (which only takes bytes older than its grace period) leaves them alone.
        # No If-None-Match here: a racing writer of the same address copies identical bytes, so losing the race is
        # harmless, and conditional copies are not honoured everywhere (moto ignores them).
        source = {"Bucket": self.bucket, "Key": tmp_full}
        # The metadata keeps the sha256 hashed above for servers that keep no checksum of their own.
        got = copy_server_side(self.client, source, self.bucket, final_full, size, self.transfer_config.max_concurrency,
                               {"MetadataDirective": "REPLACE", "Metadata": verified_metadata(sha)})
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
                    if is_missing(e):
                        raise self._not_found(key) from None
                    raise
            os.replace(tmp, dest)
        except BaseException:
            discard(tmp)
            raise

    def check_usable(self) -> None:
        client = self.client
        try:
            client.head_bucket(Bucket=self.bucket)
        except S3_ERRORS as e:
            if error_code(e) in ("404", "NoSuchBucket", "NotFound"):
                raise ArtifactValueError(
                    f"the bucket of {self.root!r} does not exist at {client.meta.endpoint_url}: create it first"
                ) from e
            raise translate_error(e, self.root, "checking", client.meta.endpoint_url) from e

    def sibling(self, *parts: str) -> str:
        parent = posixpath.dirname(self.prefix)
        return f"s3://{self.bucket}/" + posixpath.join(parent, *parts).lstrip("/")

    def import_files(self, placements, open_source: Opener, progress: Progress, link: bool = False) -> None:
        from .upload import land_in_s3

        land_in_s3(self, placements, open_source, progress)


def _child_names(page: dict, folder: str) -> typing.Set[str]:
    """The names directly under ``folder`` in one listing page (sub-folders and objects; no folder marker, no temp
    file)."""
    names = {cp["Prefix"][len(folder):].rstrip("/") for cp in page.get("CommonPrefixes", [])}
    names |= {obj["Key"][len(folder):] for obj in page.get("Contents", [])}
    return {n for n in names if n and not n.startswith(_TMP_NAME)}
