"""The export node's task: copies this execution's recorded artifact files into datasets, one snapshot each.

A module-level task, so a pod loads it from its loader arguments (``task-module
flytekitplugins.artifacts.flyte.nodes.export task-name export_artifacts``) like any other task; everything it needs
comes in as inputs: ``request`` (JSON, built at compile time from the workflow's plan, see ``flyte/export.py``) and
``recorded`` (the recorder's output, taken only so the node runs after the recorder). The files themselves are read
from the store's records of the current execution, which also holds what sub-workflows recorded.
"""

from __future__ import annotations

import html
import json
import re
import typing
import uuid

import flytekit
from flytekit import Deck, task

from ...ops.datasets.exports import check_export_targets, run_export
from ...store.artifact_store import store_for_run
from ...store.identity import current_identity


def node_execution_key() -> str:
    """What stays the same across retries of this node in this execution, and differs between nodes.

    In a pod that is the node's output prefix without its last part, the attempt number
    (``.../<execution>/<node path>/data/<attempt>``). A local run has no retries: every call is its own run.
    """
    ident = current_identity()
    prefix = flytekit.current_context().output_metadata_prefix
    if not ident.local and prefix:
        return re.sub(r"/\d+/*$", "", str(prefix).rstrip("/"))
    return f"local/{uuid.uuid4().hex}"


def summary_html(rows: typing.Sequence[dict]) -> str:
    """The export node's Deck page: one row per dataset it exported into."""
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
    rows = run_export(request, current_identity(), node_execution_key())
    Deck("Dataset export", summary_html(rows))
    return json.dumps(rows, sort_keys=True)


export_artifacts._artifacts_internal = True  # type: ignore[attr-defined]


@task
def check_export_targets_task(request: str) -> None:
    """The first node of a workflow that exports: every dataset its exports write into must exist, so a missing one
    fails the run before any other node runs. ``request``: ``{"workflow": ..., "datasets": [...]}``."""
    req = json.loads(request)
    check_export_targets(store_for_run(current_identity().local), req["datasets"], req["workflow"])


check_export_targets_task._artifacts_internal = True  # type: ignore[attr-defined]
