"""The export node's task: copies this execution's recorded artifact files into datasets, one snapshot each.

A module-level task, so a pod loads it from its loader arguments (``task-module
flytekitplugins.artifacts.exporter task-name export_artifacts``) like any other task; everything it needs comes
in as inputs: ``request`` (JSON, built at compile time from the workflow's plan, see ``export.py``) and
``recorded`` (the recorder's output, taken only so the node runs after the recorder). The files themselves are
read from the store's records of the current execution, which also holds what sub-workflows recorded.
"""

from __future__ import annotations

import html
import json
import re
import typing
import uuid

from flytekit import Deck, task
from flytekit.core.context_manager import FlyteContextManager

from .datasets import DatasetCatalog, ExportItem
from .errors import ArtifactNotFoundError, ArtifactValueError
from .identity import current_identity
from .store import ArtifactStore

REQUEST_VERSION = 1


def node_execution_key() -> str:
    """What stays the same across retries of this node in this execution, and differs between nodes.

    In a pod that is the node's output prefix without its last part, the attempt number
    (``.../<execution>/<node path>/data/<attempt>``). A local run has no retries: every call is its own run.
    """
    ident = current_identity()
    params = FlyteContextManager.current_context().user_space_params
    prefix = getattr(params, "output_metadata_prefix", None) if params is not None else None
    if not ident.local and prefix:
        return re.sub(r"/\d+/*$", "", str(prefix).rstrip("/"))
    return f"local/{uuid.uuid4().hex}"


def parse_request(request: str) -> dict:
    try:
        req = json.loads(request)
    except (TypeError, ValueError):
        raise ArtifactValueError(f"export request is not JSON: {request!r:.200}") from None
    if not isinstance(req, dict) or req.get("version") != REQUEST_VERSION or not isinstance(req.get("targets"), list):
        raise ArtifactValueError(
            f"export request of version {req.get('version') if isinstance(req, dict) else None!r} is not understood by "
            f"this plugin (version {REQUEST_VERSION}): re-register the workflow with the installed plugin"
        )
    return req


def run_export(request: str, store: typing.Optional[ArtifactStore] = None, run_key: typing.Optional[str] = None,
               progress=None) -> typing.List[dict]:
    """Do what one export node does; returns one summary row per target dataset."""
    req = parse_request(request)
    store = store or ArtifactStore()
    catalog = DatasetCatalog(store)
    ident = current_identity()
    # Every dataset is resolved before a byte moves, so a wrong id fails the node with nothing copied.
    datasets = [catalog.get(t["dataset"]) for t in req["targets"]]
    try:
        records = {(r.artifact, r.filename): r for r in store.records(ident.execution_id)}
    except ArtifactNotFoundError:
        records = {}  # nothing recorded in this execution (a branch that produced no artifact file)
    run_key = run_key or node_execution_key()
    source = {
        "execution_id": ident.execution_id,
        "project": ident.project,
        "domain": ident.domain,
        "workflow": req.get("workflow", ""),
        "node_id": req.get("node_id", ""),
    }
    out = []
    for target, ds in zip(req["targets"], datasets):
        items = [ExportItem(path=f, record=records[(a, f)]) for a, f in target["files"] if (a, f) in records]
        if not items:
            out.append({"dataset_id": ds.id, "dataset_name": ds.name, "snapshot": None, "files": 0, "bytes": 0,
                        "reused": False, "note": "no file of the export was recorded in this execution"})
            continue
        result = catalog.export(ds, items, run_key=run_key, source=source, progress=progress)
        snap = result.snapshot
        out.append({"dataset_id": ds.id, "dataset_name": ds.name, "snapshot": snap.number, "files": snap.file_count,
                    "bytes": snap.bytes, "reused": result.reused})
    return out


def summary_html(rows: typing.Sequence[dict]) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("dataset", "id", "snapshot", "files", "bytes", "note"))
    body = []
    for r in rows:
        note = r.get("note") or ("retry: reused the snapshot this execution had committed" if r.get("reused") else "")
        cells = [r["dataset_name"], r["dataset_id"], "" if r["snapshot"] is None else r["snapshot"], r["files"],
                 r["bytes"], note]
        body.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    return f"<h3>Artifacts exported to datasets</h3><table><tr>{head}</tr>{''.join(body)}</table>"


@task(enable_deck=True)
def export_artifacts(request: str, recorded: str) -> str:
    """Export this execution's artifact files into datasets; returns a JSON summary (one row per dataset)."""
    rows = run_export(request)
    Deck("Dataset export", summary_html(rows))
    return json.dumps(rows, sort_keys=True)


export_artifacts._artifacts_internal = True  # type: ignore[attr-defined]
