"""Fetching a recorded file's bytes to a local path, checked against the record."""

from __future__ import annotations

from .storage import read_uri_stream, write_local_file
from .store import ArtifactStore, Record


def fetch_record(store: ArtifactStore, record: Record, dest: str, progress=None) -> None:
    """Write ``record``'s bytes to ``dest`` atomically; a sha256 mismatch leaves ``dest`` untouched."""
    write_local_file(
        read_uri_stream(record.uri),
        dest,
        progress,
        expect=(record.size, record.sha256),
        what=f"{record.artifact!r}/{record.filename!r} at {record.uri!r}",
    )
