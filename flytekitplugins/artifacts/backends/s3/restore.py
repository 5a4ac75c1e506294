"""``verify --repair`` on S3: bytes put back at an address from an intact copy, and checked before they count."""

from __future__ import annotations

import contextlib

from ...errors import ArtifactError
from .client import S3_ERRORS, copy_server_side, hash_s3_object, parse_s3_uri, s3_client, sha256_b64, verified_metadata


def restore_object(dest_uri: str, source_uri: str, size: int, sha256: str) -> None:
    """Write the bytes of ``source_uri`` (a local file or an S3 object) at ``dest_uri``, checked to be ``size``
    bytes with this sha256; on any difference the restored object is removed and this raises."""
    from .. import local_file

    bucket, key = parse_s3_uri(dest_uri)
    client = s3_client()
    path = local_file(source_uri)
    if path is not None:
        # AWS refuses bytes that do not match the SHA256 sent along; others (moto, Ceph) store them anyway, and
        # an answer echoing the SHA256 sent proves nothing: the bytes are read back below.
        with open(path, "rb") as f:
            client.put_object(Bucket=bucket, Key=key, Body=f, ChecksumSHA256=sha256_b64(sha256),
                              Metadata=verified_metadata(sha256))
        got = None
    else:
        src_bucket, src_key = parse_s3_uri(source_uri)
        got = copy_server_side(client, {"Bucket": src_bucket, "Key": src_key}, bucket, key, size, 4,
                               {"MetadataDirective": "REPLACE", "Metadata": verified_metadata(sha256)})
    if got is None:
        # No SHA256 from the server (it keeps none, or the copy went in parts): the restored bytes are read back.
        got_size, got_hex = hash_s3_object(dest_uri)
        if (got_size, got_hex) == (size, sha256):
            return
    elif got == sha256_b64(sha256):
        return
    with contextlib.suppress(*S3_ERRORS):
        client.delete_object(Bucket=bucket, Key=key)
    raise ArtifactError(f"the copy from {source_uri} to {dest_uri} came out different; nothing was restored")

