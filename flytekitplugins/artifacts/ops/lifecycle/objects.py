"""Listing a location's objects with their size and age, and removing them safely, through the Backend contract
(the same calls for a local folder and for S3): what ``prune`` and ``gc`` build on.

Removing a content-addressed blob races with a run that is about to reuse it (the run finds the bytes already
kept and writes a record pointing at them). The recorder refreshes a reused blob's modification time first
(``put_file_blob`` of each backend), and :func:`remove_if_stale` checks the age again at the last moment
(:meth:`Backend.remove_if_older`), so a blob found to be young after all stays.
"""

from __future__ import annotations

import typing

from ...backends import Backend, StoredFile

__all__ = ["StoredFile", "TEMP_GRACE_SECONDS", "delete_keys", "list_files", "remove_empty_folders", "remove_if_stale"]

#: Temp files of writes (:meth:`Backend.is_temp`) older than this are leftovers of killed writes.
TEMP_GRACE_SECONDS = 3600


def list_files(backend: Backend, prefix: str = "", include_temp: bool = False) -> typing.List[StoredFile]:
    """Every object under ``prefix`` with its size and age, from one listing (temp files only if asked)."""
    return backend.list_files(prefix, include_temp=include_temp)


def delete_keys(backend: Backend, keys: typing.Sequence[str], progress=None) -> None:
    """Remove ``keys`` in the order given (batched where the backend can); missing keys are not an error."""
    backend.delete_many(keys, progress)


def remove_if_stale(backend: Backend, key: str, grace: float) -> bool:
    """Remove ``key`` unless it was modified within ``grace`` seconds (checked at the last moment); True if removed."""
    return backend.remove_if_older(key, grace)


def remove_empty_folders(backend: Backend, prefix: str) -> None:
    """Remove the empty folders left under ``prefix`` (where the backend has real folders)."""
    backend.remove_empty_folders(prefix)
