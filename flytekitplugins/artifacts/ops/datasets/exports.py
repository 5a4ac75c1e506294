"""Exports into datasets: what one export node does (from the request its workflow compiled), and a manual
export of an execution's recorded files (``flyte-artifacts export``)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import typing
import uuid

from ...errors import ArtifactNotFoundError, ArtifactValueError
from ...store.artifact_store import ArtifactStore, Record, store_for_run
from ...store.identity import ExecutionIdentity
from ..recording import end_run, fail_run
from .catalog import DatasetCatalog
from .model import Converted, DatasetSnapshot, ExportItem

#: Version of the JSON request an export node receives (written into registered workflows); a request whose files
#: name a format (``[artifact, filename, "dataset-json"]``) is version 2, which older plugins refuse.
REQUEST_VERSION = 1
FORMATS_VERSION = 2


def parse_request(request: str) -> dict:
    """The export node's ``request`` input, checked."""
    try:
        req = json.loads(request)
    except (TypeError, ValueError):
        raise ArtifactValueError(f"export request is not JSON: {request!r:.200}") from None
    known = (REQUEST_VERSION, FORMATS_VERSION)
    if not isinstance(req, dict) or req.get("version") not in known or not isinstance(req.get("targets"), list):
        raise ArtifactValueError(
            f"export request of version {req.get('version') if isinstance(req, dict) else None!r} is not understood by "
            f"this plugin (versions {REQUEST_VERSION} and {FORMATS_VERSION}): re-register the workflow with the "
            "installed plugin"
        )
    return req


def check_export_targets(store: ArtifactStore, dataset_ids: typing.Iterable[str], workflow: str) -> None:
    """Refuse a run whose exports name a dataset the store does not have, before the run does anything."""
    catalog = DatasetCatalog(store)
    for dataset_id in dataset_ids:
        try:
            catalog.get(dataset_id)
        except ArtifactNotFoundError as e:
            raise ArtifactNotFoundError(f"workflow {workflow!r} exports into a dataset that does not exist, so "
                                        f"nothing was run: {e}") from None


def run_export(request: str, ident: ExecutionIdentity, run_key: str, store: typing.Optional[ArtifactStore] = None,
               progress=None) -> typing.List[dict]:
    """Do what one export node does; returns one summary row per target dataset.

    In a pod the export nodes run after the recorder, chained; the last one (``ends_run`` in its request) ends the
    run, which is succeeded only once every snapshot it promised is committed. An export that fails marks the run
    failed, so its records never become visible (``ops/recording.end_run``). A local run is ended by its process.
    """
    req = parse_request(request)
    store = store or store_for_run(ident.local)
    if ident.local:
        return _export_targets(req, ident, run_key, store, progress)
    try:
        rows = _export_targets(req, ident, run_key, store, progress)
        if req.get("ends_run"):
            end_run(store, ident.execution_id, True)
    except BaseException:
        fail_run(store, ident.execution_id)
        raise
    return rows


def _export_targets(req: dict, ident: ExecutionIdentity, run_key: str, store: ArtifactStore,
                    progress) -> typing.List[dict]:
    catalog = DatasetCatalog(store)
    # Every dataset is resolved before a byte moves, so a wrong id fails the node with nothing copied.
    datasets = [catalog.get(t["dataset"]) for t in req["targets"]]
    try:
        records = {(r.artifact, r.filename): r for r in store.records(ident.execution_id)}
    except ArtifactNotFoundError:
        records = {}  # nothing recorded in this execution (a branch that produced no artifact file)
    source = {
        "execution_id": ident.execution_id,
        "project": ident.project,
        "domain": ident.domain,
        "workflow": req.get("workflow", ""),
        "node_id": req.get("node_id", ""),
    }
    out = []
    with tempfile.TemporaryDirectory(prefix="artifact-export-") as folder:
        for target, ds in zip(req["targets"], datasets):
            items = [_item(store, records[(f[0], f[1])], f[2:], folder) for f in target["files"]
                     if (f[0], f[1]) in records]
            if not items:
                out.append({"dataset_id": ds.id, "dataset_name": ds.name, "snapshot": None, "files": 0, "bytes": 0,
                            "reused": False, "note": "no file of the export was recorded in this execution"})
                continue
            result = catalog.export(ds, items, run_key=run_key, source=source, progress=progress)
            snap = result.snapshot
            out.append({"dataset_id": ds.id, "dataset_name": ds.name, "snapshot": snap.number,
                        "files": snap.file_count, "bytes": snap.bytes, "reused": result.reused})
    return out


def _item(store: ArtifactStore, record: Record, fmt: typing.Sequence[str], folder: str) -> ExportItem:
    """The export item of one recorded file: the file, or (``fmt == ["dataset-json"]``) its Dataset-JSON written
    into ``folder``, stamped with the record's time so a retried export writes the same bytes."""
    if not fmt:
        return ExportItem(path=record.filename, record=record)
    from ..datasetjson import FORMAT, DatasetJsonOptions, export_record, json_name

    if list(fmt) != [FORMAT]:
        raise ArtifactValueError(f"export request names format {fmt!r}, which this plugin does not write")
    path = json_name(record.filename)
    dest = os.path.join(folder, hashlib.sha256(f"{record.artifact}/{record.filename}".encode()).hexdigest())
    if not os.path.exists(dest):
        export_record(store, record, dest, DatasetJsonOptions(created=_stamp(record)))
    done = _file_digest(dest)
    return ExportItem(path=path, record=record, converted=Converted(dest, done[0], done[1], FORMAT))


def _stamp(record: Record) -> typing.Optional[str]:
    from ..datasetjson import timestamp

    return timestamp(record.created_at)


def _file_digest(path: str) -> typing.Tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def export_recorded(
    catalog: DatasetCatalog,
    dataset: str,
    execution_id: typing.Optional[str],
    artifact: str,
    filenames: typing.Sequence[str] = (),
    progress_factory: typing.Optional[typing.Callable[[int], typing.Any]] = None,
    link: bool = False,
    reason: typing.Optional[str] = None,
    fmt: typing.Optional[str] = None,
) -> DatasetSnapshot:
    """Export the files of ``artifact`` (all, or ``filenames``) that ``execution_id`` (None: the newest execution)
    recorded into ``dataset`` as a new snapshot. ``progress_factory(total_bytes)`` may return a context manager
    yielding a byte callback. ``link=True`` hard-links local files instead of copying them (see
    ``backends/local/copies.py``: an edit through either name then changes both). ``fmt="dataset-json"`` writes each
file as its Dataset-JSON instead (``adsl.xpt`` -> ``adsl.json``)."""
    store = catalog.store
    ds = catalog.get(dataset)  # an unknown dataset fails before anything is read
    if execution_id is None:
        execution_id = store.latest_execution()
    records = store.records(execution_id, artifact=artifact)
    if not records:
        have = sorted({r.artifact for r in store.records(execution_id)})
        raise ArtifactNotFoundError(
            f"execution {execution_id!r} recorded no file of artifact {artifact!r} "
            f"(artifacts there: {', '.join(have) or 'none'})"
        )
    if filenames:
        missing = sorted(set(filenames) - {r.filename for r in records})
        if missing:
            raise ArtifactNotFoundError(
                f"artifact {artifact!r} of execution {execution_id!r} has no file {', '.join(map(repr, missing))} "
                f"(it has: {', '.join(r.filename for r in records)})"
            )
        records = [r for r in records if r.filename in filenames]
    source = {"execution_id": execution_id, "project": records[0].project, "domain": records[0].domain,
              "workflow": records[0].workflow, "node_id": ""}
    run_key = f"manual/{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="artifact-export-") as folder:
        items = [_item(store, r, [fmt] if fmt else [], folder) for r in records]
        if progress_factory is None:
            return catalog.export(ds, items, run_key=run_key, source=source, link=link, reason=reason).snapshot
        total = sum(it.converted.size if it.converted else it.record.size for it in items)
        with progress_factory(total) as progress:
            return catalog.export(ds, items, run_key=run_key, source=source, progress=progress, link=link,
                                  reason=reason).snapshot
