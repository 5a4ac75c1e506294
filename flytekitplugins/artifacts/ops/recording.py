"""Recording: turning produced artifact files into store records, the same way in every process.

``record_files`` is called by the recorder node (``flyte/nodes/record.py``) and right after a task run on its own;
it takes the manifest of declarations the workflow compiled and the URI of each file, and writes one record per
file.
"""

from __future__ import annotations

import contextlib
import typing

from ..backends import hash_uri, local_file
from ..errors import ArtifactNotFoundError
from ..store.artifact_store import FAILED, SUCCEEDED, ArtifactStore, Record, store_for_run
from ..store.durability import group_commit
from ..store.identity import current_identity, current_local_run, utc_now
from ..store.intents import Intent
from ..store.lineage import write_lineage
from ..store.partitions import resolve_values
from . import audit
from .background_summaries import defer, wants_background
from .inspection import summarize_recorded

#: Version of the manifest the recorder node receives (written into registered workflows).
MANIFEST_VERSION = 1

# Local runs that recorded files in this process and have not ended yet: execution id -> its store and the records
# written so far.
_OPEN_LOCAL_RUNS: typing.Dict[str, typing.Tuple[ArtifactStore, typing.List[Record]]] = {}


def describe_input(kind: str, value: typing.Any) -> dict:
    """A run input as lineage keeps it: a primitive's value, or a file's location, size and sha256."""
    if kind != "file":
        return {"type": kind, "value": value}
    size, sha = hash_uri(value)
    return {"type": "file", "uri": value, "size": size, "sha256": sha}


def record_files(
    manifest: dict,
    uris: typing.Sequence[str],
    store: typing.Optional[ArtifactStore] = None,
    inputs: typing.Optional[typing.Dict[str, dict]] = None,
) -> typing.List[Record]:
    """Record each file (``uris[i]`` answers ``manifest["files"][i]``) for the current execution.

    ``inputs`` (the run's inputs, described by :func:`describe_input`) goes into the run's lineage document, which
    is written before the records, so every recorded file has its lineage.
    """
    items = manifest["files"]
    if len(items) != len(uris):
        raise ValueError(f"the recorder got {len(uris)} files for a manifest of {len(items)}")
    ident = current_identity()
    store = store or store_for_run(ident.local)
    # Every stored file is named by this intent before its bytes get their address, until the records name them:
    # gc keeps them however long the copies and summaries take (store/intents.py).
    intent = Intent(store.backend, ident.execution_id)
    try:
        with group_commit(store) as batch:
            out = _record_all(store, ident, manifest, items, uris, inputs, batch, intent)
    finally:
        intent.close()  # the records are durable now (the group commit's end), or this recording failed
    if ident.local and current_local_run() is not None:
        # The top-level run says how it ended (``end_local_run``): a later failing node must hide these records.
        _OPEN_LOCAL_RUNS.setdefault(ident.execution_id, (store, []))[1].extend(out)
    elif manifest.get("ends_run", True):
        # In a pod the recorder node runs after every other node of the workflow: reaching here, they all
        # succeeded. (Called outside any local run, nothing else would end the run.) A workflow with export nodes
        # is ended by its last export node instead: its snapshots are part of what the run promised.
        end_run(store, ident.execution_id, True, out)
    return out


def _record_all(store, ident, manifest: dict, items, uris, inputs, batch, intent: Intent) -> typing.List[Record]:
    """Store every file's bytes, make them durable together, then write the lineage, records and summaries."""
    out = []
    pending = []
    for item, uri in zip(items, uris):
        path = local_file(uri)
        if path is None:
            # In a cluster the task already uploaded the file: the record points at that object.
            size, sha = hash_uri(uri)
            kept = uri
        else:
            # Local outputs live in temp folders flytekit deletes: keep a content-addressed copy.
            kept, size, sha = store.put_local_file(path, naming=intent.name)
        rec = Record(
            execution_id=ident.execution_id,
            project=ident.project,
            domain=ident.domain,
            workflow=item["workflow"],
            node_id=item["node_id"],
            task=item["task"],
            output_name=item["output_name"],
            artifact=item["artifact"],
            type=item["type"],
            filename=item["filename"],
            file_type=item.get("file_type", ""),
            uri=kept,
            size=size,
            sha256=sha,
            created_at=utc_now(),
            code_version=manifest.get("code_version"),
            partitions=resolve_values(item.get("partitions"), inputs or {}),
            value=item.get("value"),
        )
        pending.append((rec, uri))
    batch.commit()  # every file's bytes are durable before the first record names one
    if pending and "code" in manifest:
        write_lineage(store, ident.execution_id, manifest, [rec for rec, _ in pending], inputs or {})
    # Every record before any summary: a summary can take seconds, and no file waits for another's summary to be
    # named.
    written = [(store.add_record(rec, pending=True), rec, uri) for rec, uri in pending]
    if wants_background(store, ident.local):
        # The summaries follow their records, computed from the store's own copies of the bytes by a process of
        # their own (ops/background_summaries.py, which skips a record kept already with its summary), named in
        # this same group commit.
        kept = [kept_rec for kept_rec, _, _ in written]
        if defer(store, ident.execution_id, kept):
            return kept
    for kept_rec, rec, uri in written:
        # Beside the record, within a budget; never fails the run (FLYTE_ARTIFACTS_SUMMARIES=0 turns it off). A
        # record written just now has no summary yet; one kept already (a retried task) may.
        summarize_recorded(store, kept_rec, uri, fresh=kept_rec is rec)
        out.append(kept_rec)
    return out


def end_local_run(execution_id: str, succeeded: bool) -> typing.Optional[int]:
    """A top-level local run ended: its records become visible (succeeded) or stay hidden as a failed run.

    Returns how many artifact files the run recorded, or None when it recorded none (it never opened a run).
    """
    opened = _OPEN_LOCAL_RUNS.pop(execution_id, None)
    if opened is None:
        return None
    store, records = opened
    end_run(store, execution_id, succeeded, records)
    return len(records)


def end_run(store: ArtifactStore, execution_id: str, succeeded: bool,
            records: typing.Optional[typing.Sequence[Record]] = None) -> None:
    """Say how a run ended, with its status, index entries and audit entry synced together.

    A run is succeeded only once everything it promised is durable: when its index cannot be written whole (a full
    disk, a store that stops answering) the entries written so far are removed, the run is marked failed, and the
    error is raised, so a run the user saw fail is never listed, even in part, and no repair publishes it.
    ``records``: the run's records, when the caller has them (else they are read back).
    """
    status = SUCCEEDED if succeeded else FAILED
    records = _records_of(store, execution_id, records)
    try:
        with group_commit(store):
            store.finish_run(execution_id, status, records)
            audit.run_recorded(store, execution_id, status, records)
    except BaseException:
        if succeeded:
            # Best effort: the error the user sees is the one that ended the run.
            with contextlib.suppress(Exception):
                store.unindex_run(execution_id, records)
                store.finish_run(execution_id, FAILED, records)
        raise


def fail_run(store: ArtifactStore, execution_id: str) -> None:
    """Mark a run failed (best effort, never raising): a node after the recorder failed (an export that could not
    commit its snapshot), so the run's records stay hidden. The failure being reported is the node's own."""
    with contextlib.suppress(Exception):
        records = _records_of(store, execution_id, None)
        end_run(store, execution_id, False, records)
        store.unindex_run(execution_id, records)  # an old recorder may have indexed it already


def _records_of(store: ArtifactStore, execution_id: str,
                records: typing.Optional[typing.Sequence[Record]]) -> typing.Sequence[Record]:
    if records is not None:
        return records
    try:
        return store.records(execution_id, include_all=True)
    except ArtifactNotFoundError:
        return []
