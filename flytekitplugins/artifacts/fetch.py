"""Fetching a recorded file's bytes to a local path, checked against the record."""

from __future__ import annotations

import os
import tempfile

from .digest import copy_hashing
from .errors import ArtifactValueError
from .storage import read_uri_stream
from .store import ArtifactStore, Record


def fetch_record(store: ArtifactStore, record: Record, dest: str) -> None:
    """Write ``record``'s bytes to ``dest`` atomically; a sha256 mismatch leaves ``dest`` untouched."""
    dest = os.path.abspath(dest)
    if os.path.isdir(dest):
        raise ArtifactValueError(f"output path {dest!r} is a folder: give a file path, e.g. {os.path.join(dest, record.filename)!r}")
    folder = os.path.dirname(dest)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with read_uri_stream(record.uri) as src, os.fdopen(fd, "wb") as out:
            size, sha = copy_hashing(src, out)
        if sha != record.sha256 or size != record.size:
            raise ArtifactValueError(
                f"the bytes at {record.uri!r} no longer match the record of {record.artifact!r}/{record.filename!r} "
                f"(sha256 {sha[:12]}... size {size}, recorded {record.sha256[:12]}... size {record.size}): "
                "the stored copy was changed or damaged; nothing was written"
            )
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
