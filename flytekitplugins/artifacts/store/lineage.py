"""Lineage: where each artifact file came from, and which later runs used it.

Written at run time, next to the records (never inside them):

* ``executions/<exec>/lineage/<workflow>.json``, by the recorder node of each workflow: the run's inputs (values of
  primitives, sha256 of files), a hash of those inputs, the code version (git commit, dirty flag, sha256 of the
  flow's source file), and for every artifact file what it was derived from: artifact files upstream of its node
  in the workflow graph (same run), the run inputs those nodes read, and the query nodes they depend on;
* ``executions/<exec>/queries/<node>.json``, by each query node: the version it resolved;
* ``index/uses/<artifact>/<filename>/<exec>/<inverted time>_<consumer>``: the reverse of a query, so a version
  knows the later runs that consumed it.

:func:`lineage_of` reads them back as a tree (upstream) and a list (downstream uses).
"""

from __future__ import annotations

import hashlib
import json
import os
import typing

from . import keys
from .artifact_store import ArtifactStore, Record, component
from .identity import code_version, utc_now
from .jsonfiles import read_optional_json
from .runs import REMOVED

#: Version of the lineage documents.
LINEAGE_VERSION = 1


def source_identity(source_file: typing.Optional[str]) -> dict:
    """The code a workflow was compiled from: git commit, dirty flag, and the sha256 of its source file."""
    out: dict = {"commit": None, "dirty": None, "source_file": None, "source_sha256": None}
    if not source_file or not os.path.isfile(source_file):
        return out
    out["source_file"] = os.path.basename(source_file)
    with open(source_file, "rb") as f:
        out["source_sha256"] = hashlib.sha256(f.read()).hexdigest()
    version = code_version(source_file)
    if version:
        out["commit"] = version.split("+", 1)[0]
        out["dirty"] = version.endswith("+dirty")
    return out


def version_of(code: dict) -> typing.Optional[str]:
    """The code version records carry (``<commit>``, ``+dirty`` when it had local changes) of a
    :func:`source_identity`; None outside git."""
    if not code.get("commit"):
        return None
    return code["commit"] + ("+dirty" if code.get("dirty") else "")


def inputs_hash(inputs: typing.Dict[str, dict]) -> str:
    """One sha256 over the run's inputs (primitive values and file contents), independent of file locations."""
    canon = {k: {kk: vv for kk, vv in v.items() if kk != "uri"} for k, v in inputs.items()}
    return hashlib.sha256(json.dumps(canon, sort_keys=True).encode()).hexdigest()


def write_lineage(
    store: ArtifactStore,
    execution_id: str,
    manifest: dict,
    records: typing.Sequence[Record],
    inputs: typing.Dict[str, dict],
) -> None:
    """Write the lineage document of one recorder node (write-once: a retried recorder writes the same)."""
    items = manifest["files"]
    files = []
    for item, rec in zip(items, records):
        derived = item.get("derived_from") or {}
        files.append(
            {
                "artifact": rec.artifact,
                "filename": rec.filename,
                "sha256": rec.sha256,
                "node_id": rec.node_id,
                **({"partitions": dict(rec.partitions)} if rec.partitions else {}),
                "derived_from": {
                    "files": [list(p) for p in derived.get("files", [])],
                    "inputs": list(derived.get("inputs", [])),
                    "queries": list(derived.get("queries", [])),
                },
            }
        )
    doc = {
        "version": LINEAGE_VERSION,
        "execution_id": execution_id,
        "workflow": manifest.get("workflow") or (records[0].workflow if records else ""),
        "code": manifest.get("code") or source_identity(None),
        "inputs": inputs,
        "inputs_sha256": inputs_hash(inputs),
        "files": files,
        "created_at": utc_now(),
    }
    key = keys.lineage_key(execution_id, doc["workflow"])
    store.backend.write_once(key, json.dumps(doc, indent=1, sort_keys=True).encode())


def note_query(
    store: ArtifactStore, execution_id: str, workflow: str, node_id: str, selector: dict, record: Record
) -> dict:
    """Record that ``node_id`` of ``execution_id`` resolved ``record``, and index the use on the version's side."""
    doc = {
        "node_id": node_id,
        "workflow": workflow,
        "selector": selector,
        "artifact": record.artifact,
        "filename": record.filename,
        "execution_id": record.execution_id,
        "sha256": record.sha256,
        "uri": record.uri,
        "consumer_execution_id": execution_id,
        "resolved_at": utc_now(),
    }
    store.backend.write_once(
        keys.query_key(execution_id, node_id), json.dumps(doc).encode()
    )
    use_prefix = keys.uses_prefix(record.artifact, record.filename, record.execution_id)
    if not any(keys.is_entry_of(n, component(execution_id)) for n in store.backend.list_children(use_prefix)):
        store.backend.write_once(f"{use_prefix}/{keys.entry_name_now(execution_id)}", json.dumps(doc).encode())
    return doc


# ---- reading --------------------------------------------------------------------------------------------------------


def lineage_docs(store: ArtifactStore, execution_id: str) -> typing.List[dict]:
    """The lineage documents of a run (one per workflow that recorded files in it)."""
    prefix = keys.lineage_prefix(execution_id)
    return [store.read_json(k) for k in store.backend.list(prefix)]


def _query_doc(store: ArtifactStore, execution_id: str, node_id: str) -> typing.Optional[dict]:
    key = keys.query_key(execution_id, node_id)
    return store.read_json(key) if store.backend.exists(key) else None


def _file_node(rec: Record) -> dict:
    return {
        "kind": "file",
        "artifact": rec.artifact,
        "filename": rec.filename,
        "execution_id": rec.execution_id,
        "sha256": rec.sha256,
        "workflow": rec.workflow,
        "node_id": rec.node_id,
        "created_at": rec.created_at,
        "partitions": dict(rec.partitions),
    }


def upstream(store: ArtifactStore, rec: Record, depth: int, _seen: typing.Optional[set] = None) -> dict:
    """The tree of what ``rec`` was derived from, ``depth`` levels deep."""
    node = _file_node(rec)
    seen = _seen if _seen is not None else set()
    key = (rec.execution_id, rec.artifact, rec.filename)
    if key in seen:
        node["repeated"] = True
        return node
    seen.add(key)
    trigger = triggered_by(store, rec.execution_id)
    if trigger is not None:
        node["triggered_by"] = trigger
    entry, doc = _lineage_entry(store, rec)
    if doc is None:
        node["lineage"] = "not recorded (the run predates lineage, or its recorder wrote none)"
        return node
    node["code"] = doc.get("code")
    node["inputs_sha256"] = doc.get("inputs_sha256")
    derived = entry.get("derived_from", {})
    children: typing.List[dict] = [
        {"kind": "input", "name": name, **doc.get("inputs", {}).get(name, {})} for name in derived.get("inputs", [])
    ]
    if depth > 0:
        children += _files_upstream(store, rec, derived.get("files", []), depth - 1, seen)
        children += _files_queried(store, rec, derived.get("queries", []), depth - 1, seen)
    node["derived_from"] = children
    return node


def triggered_by(store: ArtifactStore, execution_id: str) -> typing.Optional[dict]:
    """The trigger and the version that launched a run (``ops/triggers.py``), or None for a run launched otherwise."""
    doc = read_optional_json(store.backend, keys.triggered_by_key(execution_id))
    if not isinstance(doc, dict) or not isinstance(doc.get("version"), str):
        return None
    return {k: doc.get(k) for k in ("trigger", "version", "artifact", "filename")}


def _lineage_entry(store: ArtifactStore, rec: Record) -> typing.Tuple[typing.Optional[dict], typing.Optional[dict]]:
    """The entry of ``rec``'s file in its run's lineage documents, and that document (both None when absent; the
    last one wins if several name it)."""
    entry, doc = None, None
    for d in lineage_docs(store, rec.execution_id):
        for f in d.get("files", []):
            if f["artifact"] == rec.artifact and f["filename"] == rec.filename:
                entry, doc = f, d
    return entry, doc


def _files_upstream(store: ArtifactStore, rec: Record, files: typing.Iterable, depth: int, seen: set) -> list:
    """The trees of the files of ``rec``'s own run it was derived from (a file that run did not record is marked
    missing: a branch not taken)."""
    out = []
    for artifact, filename in files:
        try:
            up = store.record(rec.execution_id, artifact, filename)
        except Exception:  # noqa: BLE001 - a file of a branch not taken: say so instead of failing
            out.append({"kind": "file", "artifact": artifact, "filename": filename, "missing": True})
            continue
        out.append(upstream(store, up, depth, seen))
    return out


def _files_queried(store: ArtifactStore, rec: Record, node_ids: typing.Iterable[str], depth: int, seen: set) -> list:
    """The trees of the versions that the query nodes ``rec`` depends on resolved (of earlier runs), each with the
    query that found it; a query without its document, or whose version is gone, is left out."""
    out = []
    for node_id in node_ids:
        q = _query_doc(store, rec.execution_id, node_id)
        if q is None:
            continue
        try:
            src = store.record(q["execution_id"], q["artifact"], q["filename"])
        except Exception:  # noqa: BLE001
            continue
        child = upstream(store, src, depth, seen)
        child["via_query"] = {"node_id": node_id, "selector": q.get("selector")}
        out.append(child)
    return out


def downstream(store: ArtifactStore, rec: Record) -> typing.List[dict]:
    """The later runs whose queries resolved this version of the file, newest first, each with its status
    (``succeeded``, ``failed``, ``running``, or ``removed`` for a run pruned since)."""
    return downstream_page(store, rec)[0]


def downstream_page(store: ArtifactStore, rec: Record,
                    limit: typing.Optional[int] = None) -> typing.Tuple[typing.List[dict], int]:
    """The newest ``limit`` uses of :func:`downstream` (all when None) and how many there are: only the uses
    returned are read, with their consumers' lineage documents, so a file thousands of runs read costs one listing
    and ``limit`` reads."""
    prefix = keys.uses_prefix(rec.artifact, rec.filename, rec.execution_id)
    names = store.backend.list_children(prefix)  # <inverted time>_<consumer>: newest first
    return [_use(store, store.read_json(f"{prefix}/{name}")) for name in names[:limit]], len(names)


def _use(store: ArtifactStore, q: dict) -> dict:
    produced = []
    for d in lineage_docs(store, q["consumer_execution_id"]):
        for f in d.get("files", []):
            if q["node_id"] in f.get("derived_from", {}).get("queries", []):
                produced.append({"artifact": f["artifact"], "filename": f["filename"], "sha256": f["sha256"],
                                 "execution_id": q["consumer_execution_id"]})
    return {
        "execution_id": q["consumer_execution_id"],
        "status": store.run_status(q["consumer_execution_id"], missing=REMOVED),
        "workflow": q.get("workflow", ""),
        "node_id": q["node_id"],
        "resolved_at": q.get("resolved_at", ""),
        "produced": produced,
    }


def lineage_of(store: ArtifactStore, rec: Record, depth: int = 3) -> dict:
    """The story of one version of a file: its upstream tree and its downstream uses."""
    return {"file": _file_node(rec), "upstream": upstream(store, rec, depth), "downstream": downstream(store, rec)}
