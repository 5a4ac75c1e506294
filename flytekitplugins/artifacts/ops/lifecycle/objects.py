"""Listing a location's objects with their size and age, and removing them safely, the same way for a local
folder and for S3: what ``prune`` and ``gc`` build on.

Removing a content-addressed blob races with a run that is about to reuse it (the run finds the bytes already
kept and writes a record pointing at them). The recorder refreshes a reused blob's modification time first
(``LocalBackend.put_file_blob``, ``S3Backend._place_blob``), and :func:`remove_if_stale` checks the age again at
the last moment: locally the blob is first renamed away (atomic), so a run touching it afterwards finds it gone
and stores its own copy; a blob found to be young after all is put back.
"""

from __future__ import annotations

import contextlib
import os
import time
import typing
import uuid
from dataclasses import dataclass

from ...backends import Backend, is_local

#: Temp files (``.tmp-*``, S3 ``tmp/``) older than this are leftovers of killed writes.
TEMP_GRACE_SECONDS = 3600
_TMP = ".tmp-"


@dataclass(frozen=True)
class StoredFile:
    """One object at a location: its key (relative to the location), size and age in seconds."""

    key: str
    size: int
    age: float


def list_files(backend: Backend, prefix: str = "", include_temp: bool = False) -> typing.List[StoredFile]:
    """Every object under ``prefix`` with its size and age, from one listing (temp files only if asked)."""
    now = time.time()
    out = []
    if is_local(backend.root):
        base = os.path.join(backend.root, prefix) if prefix else backend.root
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if name.startswith(_TMP) and not include_temp:
                    continue
                path = os.path.join(dirpath, name)
                try:
                    st = os.lstat(path)
                except FileNotFoundError:
                    continue
                rel = os.path.relpath(path, backend.root).replace(os.sep, "/")
                out.append(StoredFile(rel, st.st_size, now - st.st_mtime))
        return out
    folder = backend._folder(prefix)  # type: ignore[attr-defined]
    with backend._calling("listing", prefix or None):  # type: ignore[attr-defined]
        pages = backend.client.get_paginator("list_objects_v2").paginate(  # type: ignore[attr-defined]
            Bucket=backend.bucket, Prefix=folder)  # type: ignore[attr-defined]
        for page in pages:
            for obj in page.get("Contents", []):
                k = obj["Key"]
                if k.endswith("/"):
                    continue
                rel = backend._rel(k)  # type: ignore[attr-defined]
                if not include_temp and (rel.rsplit("/", 1)[-1].startswith(_TMP)):
                    continue
                out.append(StoredFile(rel, obj["Size"], now - obj["LastModified"].timestamp()))
    return out


def is_temp(key: str) -> bool:
    """Whether ``key`` is a temp file of a write (``.tmp-*`` anywhere, or anything under S3's ``tmp/``)."""
    return key.rsplit("/", 1)[-1].startswith(_TMP) or key.startswith("tmp/")


def delete_keys(backend: Backend, keys: typing.Sequence[str], progress=None) -> None:
    """Remove ``keys`` in the order given (S3: up to 1000 per request); missing keys are not an error."""
    if is_local(backend.root):
        for k in keys:
            backend.delete(k)
            if progress is not None:
                progress(1)
        return
    for start in range(0, len(keys), 1000):
        chunk = keys[start:start + 1000]
        with backend._calling("deleting"):  # type: ignore[attr-defined]
            backend.client.delete_objects(  # type: ignore[attr-defined]
                Bucket=backend.bucket,  # type: ignore[attr-defined]
                Delete={"Objects": [{"Key": backend._full(k)} for k in chunk], "Quiet": True},  # type: ignore
            )
        if progress is not None:
            progress(len(chunk))


def remove_if_stale(backend: Backend, key: str, grace: float) -> bool:
    """Remove ``key`` unless it was modified within ``grace`` seconds (checked at the last moment); True if removed."""
    if is_local(backend.root):
        path = backend.uri(key)
        trash = os.path.join(os.path.dirname(path), f"{_TMP}gc-{uuid.uuid4().hex}")
        try:
            os.rename(path, trash)
        except FileNotFoundError:
            return False
        try:
            young = time.time() - os.lstat(trash).st_mtime < grace
            if young:
                with contextlib.suppress(FileExistsError):
                    os.link(trash, path)  # a run refreshed it just now: it stays
                return False
            return True
        finally:
            os.unlink(trash)
    head = backend._head(backend._full(key))  # type: ignore[attr-defined]
    if head is None:
        return False
    if time.time() - head["LastModified"].timestamp() < grace:
        return False
    backend.delete(key)
    return True


def remove_empty_folders(backend: Backend, prefix: str) -> None:
    """Remove the empty folders left under ``prefix`` in a local folder (S3 has no folders)."""
    if not is_local(backend.root):
        return
    for dirpath, _dirs, _files in os.walk(backend.uri(prefix), topdown=False):
        with contextlib.suppress(OSError):
            os.rmdir(dirpath)
