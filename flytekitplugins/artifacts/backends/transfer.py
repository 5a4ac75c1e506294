"""Copying recorded files between backends: into a dataset's storage, many at once, each verified against its
record's sha256. Each backend does the work for its own kind (``LocalBackend.import_blobs``, ``s3_import``), with a
fast path when the source is of the same kind.

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
(``s3client.s3_client``: botocore's standard retry mode).
"""

from __future__ import annotations

import typing

from . import open_backend, read_uri_stream
from .base import Progress, Transfer


def _unique(transfers: typing.Sequence[Transfer]) -> typing.List[Transfer]:
    """One transfer per content: two files with the same bytes share one blob."""
    out: typing.Dict[str, Transfer] = {}
    for t in transfers:
        out.setdefault(t.sha256, t)
    return list(out.values())


def land(dataset_uri: str, transfers: typing.Sequence[Transfer], progress: Progress = None) -> None:
    """Make every transfer's bytes present at the dataset's content address, verified. Raises on the first failure."""
    unique = _unique(transfers)
    if progress is not None:
        # Files sharing a blob count once; report the duplicates as done so the bar ends at the total.
        skipped = sum(t.size for t in transfers) - sum(t.size for t in unique)
        if skipped:
            progress(skipped)
    open_backend(dataset_uri).import_blobs(unique, read_uri_stream, progress)
