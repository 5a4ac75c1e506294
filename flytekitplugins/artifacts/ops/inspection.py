"""Inspection as a library: the summary of each recorded file (computed at record time, stored next to its record),
and diffs between two versions of a file or two snapshots of a dataset.

A stored summary is the dict :func:`summaries.summarize` returns, plus three keys this module adds:

* ``sha256``: the hash of the bytes it describes (the record's), so a summary is never shown for other bytes;
* ``summarized_at``: when it was computed (UTC, ISO 8601);
* ``seconds``: how long computing it took.

Summaries are on by default; ``FLYTE_ARTIFACTS_SUMMARIES=0`` (or ``false``/``off``/``no``) turns them off,
and ``inline`` computes them before a local run ends instead of in a background process
(``background_summaries.py``). Computing
one never fails a run: a file that cannot be parsed gets a summary whose ``error`` says why, and anything else that
goes wrong is logged and skipped.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
import typing

from ..backends import local_file, read_uri_stream
from ..errors import ArtifactNotFoundError
from ..store.artifact_store import ArtifactStore, Record
from ..store.identity import utc_now
from .summaries import Budget, diff_summaries
from .summaries.filetypes import kind_of, normalize_file_type
from .summaries.isolated import summarize_limited

if typing.TYPE_CHECKING:
    from .datasets import DatasetCatalog

log = logging.getLogger(__name__)

#: Environment switch: ``0``, ``false``, ``off`` or ``no`` turn record-time summaries off.
SUMMARIES_ENV = "FLYTE_ARTIFACTS_SUMMARIES"
#: A file in remote storage larger than this is not downloaded to be summarised at record time.
REMOTE_MAX_BYTES = 256 * 1024 * 1024


def summaries_enabled() -> bool:
    """True unless ``$FLYTE_ARTIFACTS_SUMMARIES`` turns record-time summaries off."""
    return os.environ.get(SUMMARIES_ENV, "1").strip().lower() not in ("0", "false", "off", "no")


def record_budget() -> Budget:
    """The budget of a record-time summary: the defaults of :class:`Budget` (64 MiB, 100,000 rows, 5 s)."""
    return Budget()


def summarize_uri(
    uri: str, file_type: str, size: int, budget: typing.Optional[Budget] = None, filename: str = ""
) -> dict:
    """Summarise the file at ``uri`` (a local path or ``file://`` URI, or an object in remote storage).

    A remote object is downloaded to a temporary file first, unless it is larger than ``REMOTE_MAX_BYTES``: then
    the summary gives only its size and kind, with a note saying why.
    """
    budget = budget or record_budget()
    path = local_file(uri)
    if path is not None:
        return summarize_limited(path, file_type or None, budget)
    if size > REMOTE_MAX_BYTES:
        ftype = normalize_file_type(file_type or None, filename)
        return {
            "version": 1, "kind": kind_of(ftype, b"") if ftype else "binary", "file_type": ftype, "size": size,
            "sampled": False,
            "notes": [f"not summarised: the file is in remote storage and larger than {REMOTE_MAX_BYTES} bytes"],
        }
    folder = tempfile.mkdtemp(prefix="artifact-summary-")
    try:
        path = os.path.join(folder, _safe_name(filename))
        with read_uri_stream(uri) as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        return summarize_limited(path, file_type or None, budget)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _safe_name(filename: str) -> str:
    name = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in filename)[-100:].lstrip(".")
    return name or "file"


def summarize_recorded(
    store: ArtifactStore, record: Record, uri: typing.Optional[str] = None, budget: typing.Optional[Budget] = None,
    fresh: bool = False,
) -> typing.Optional[dict]:
    """Compute and store the summary of a file just recorded; never raises (a failure is logged, None returned).

    ``uri`` is where to read the bytes (default: the record's ``uri``). Returns None when summaries are turned off;
    returns the stored summary when one is there for these bytes already (a retried task), unless ``fresh`` says the
    record was written just now (so none can be).
    """
    if not summaries_enabled():
        return None
    try:
        old = None if fresh else stored_summary(store, record)
        if old is not None:
            return old
        start = time.monotonic()
        summary = summarize_uri(uri or record.uri, record.file_type, record.size, budget, record.filename)
        summary = stamp(summary, record, time.monotonic() - start)
        store.put_summary(record, summary)
        return summary
    except Exception as exc:  # a summary is a convenience: it must never fail the run that recorded the file
        log.warning("artifact summary of %r/%r not stored: %s", record.artifact, record.filename, exc)
        return None


def stamp(summary: dict, record: Record, seconds: float) -> dict:
    """``summary`` with the keys a stored summary carries (``sha256``, ``summarized_at``, ``seconds``)."""
    return {**summary, "sha256": record.sha256, "summarized_at": utc_now(), "seconds": round(seconds, 3)}


def stored_summary(store: ArtifactStore, record: Record) -> typing.Optional[dict]:
    """The summary stored for ``record``'s bytes, or None (none stored, or stored for other bytes)."""
    summary = store.summary(record)
    if summary is None or summary.get("sha256") != record.sha256:
        return None
    return summary


def summary_of(store: ArtifactStore, record: Record, compute: bool = True) -> typing.Tuple[dict, str]:
    """The summary of ``record`` and where it came from: ``"stored"``, or ``"computed"`` from the verified bytes.

    A record made before summaries existed (or with them turned off) has none stored; with ``compute`` its bytes
    are downloaded, checked against the recorded sha256, and summarised now (the result is not stored). Without
    ``compute`` such a record raises :class:`ArtifactNotFoundError`.
    """
    summary = stored_summary(store, record)
    if summary is not None:
        return summary, "stored"
    if not compute:
        raise ArtifactNotFoundError(
            f"{record.artifact!r}/{record.filename!r} of execution {record.execution_id!r} has no stored summary: "
            "show it without --stored-only to compute one from its bytes"
        )
    folder = tempfile.mkdtemp(prefix="artifact-summary-")
    try:
        path = os.path.join(folder, _safe_name(record.filename))
        start = time.monotonic()
        store.download(record, path)
        summary = summarize_limited(path, record.file_type or None, record_budget())
        return stamp(summary, record, time.monotonic() - start), "computed"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def diff_records(store: ArtifactStore, old: Record, new: Record) -> dict:
    """What changed between two recorded versions of a file: :func:`summaries.diff_summaries` of their summaries.

    The result also has ``from`` and ``to`` (execution id, sha256, and where each summary came from).
    """
    old_summary, old_source = summary_of(store, old)
    new_summary, new_source = summary_of(store, new)
    diff = diff_summaries(old_summary, new_summary, old_sha256=old.sha256, new_sha256=new.sha256)
    diff["from"] = {"execution_id": old.execution_id, "sha256": old.sha256, "summary": old_source}
    diff["to"] = {"execution_id": new.execution_id, "sha256": new.sha256, "summary": new_source}
    diff["artifact"], diff["filename"] = new.artifact, new.filename
    return diff


def diff_snapshots(catalog: "DatasetCatalog", dataset: str, old: typing.Any, new: typing.Any) -> dict:
    """Files added, removed and changed between two snapshots (numbers, or ``latest``) of ``dataset``.

    Returns ``dataset`` (id and name), ``from``/``to`` (snapshot numbers), ``added`` and ``removed`` (path, size,
    sha256), ``changed`` (path, old/new size and sha256) and ``unchanged`` (how many files are identical).
    """
    ds = catalog.get(dataset)
    a, b = catalog.snapshot(ds, old), catalog.snapshot(ds, new)
    old_files = {f.path: f for f in a.files}
    new_files = {f.path: f for f in b.files}

    def entry(f):
        return {"path": f.path, "size": f.size, "sha256": f.sha256}

    added = [entry(f) for p, f in sorted(new_files.items()) if p not in old_files]
    removed = [entry(f) for p, f in sorted(old_files.items()) if p not in new_files]
    changed, same = [], 0
    for path in sorted(set(old_files) & set(new_files)):
        o, n = old_files[path], new_files[path]
        if o.sha256 == n.sha256:
            same += 1
            continue
        changed.append({"path": path, "size": {"old": o.size, "new": n.size, "change": n.size - o.size},
                        "sha256": {"old": o.sha256, "new": n.sha256}})
    return {
        "dataset": {"id": ds.id, "name": ds.name},
        "from": a.number,
        "to": b.number,
        "added": added,
        "removed": removed,
        "changed": changed,
        "unchanged": same,
    }
