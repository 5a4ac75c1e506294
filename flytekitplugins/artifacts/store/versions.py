"""Versions, the newest version, and tags: the pieces "which file do you mean?" is resolved from.

A *version* of an artifact is the files one succeeded run recorded of it. The *newest* version of an artifact (of one
of its files, when a filename is named) is the newest succeeded run that recorded it. A *tag* names one version of
an artifact; moving it keeps its history. Every command and API that picks a version does it through
``selector.py`` (:func:`~.selector.select_record` for one file, :func:`~.selector.select_run` for a whole run),
which builds on :func:`newest_file_entry`, :func:`newest_execution` and :func:`tag_target` here.

Newest-version queries read the index ``index/files/<artifact>/<filename>/`` (newest run first) and stop at the
first succeeded run, so they cost about the same on a store of one run as on one of thousands.
"""

from __future__ import annotations

import itertools
import json
import re
import typing
import uuid

from ..errors import ArtifactNotFoundError, ArtifactValueError, did_you_mean
from . import audit, keys
from .artifact_store import ArtifactStore, record_from
from .identity import utc_now
from .jsonfiles import read_json_or_warn
from .partitions import matches

#: Wanted partitions: sorted (key, value) pairs.
Wanted = typing.Sequence[typing.Tuple[str, str]]

SUCCEEDED = "succeeded"
_BATCH = 8  # index names read per step when looking for the newest succeeded run
_TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")


def run_status(store: ArtifactStore, execution_id: str) -> str:
    """The status of a run (``ArtifactStore.run_status``; "unknown" for a run not in the store).

    The one place that decides which runs count as versions.
    """
    return store.run_status(execution_id, missing="unknown")


def succeeded(store: ArtifactStore, execution_id: str) -> bool:
    """Whether a run's files count as a version."""
    return run_status(store, execution_id) == SUCCEEDED


def _index_entries(store: ArtifactStore, prefix: str) -> typing.Iterator[dict]:
    """Index entries under ``prefix``, newest first: a few at a time, the whole listing only if needed. A damaged
    entry is skipped with a warning naming it, as listings skip one. (No pointer is read: the first names are
    listed in any case, and the per-file indexes keep none, so one left by an older version may be stale.)"""
    first = store.newest_names(prefix, _BATCH)
    names: typing.Iterable[str] = first
    if len(first) >= _BATCH:
        seen = set(first)
        names = itertools.chain(names, (n for n in store.backend.list_children(prefix) if n not in seen))
    for name in names:
        entry = _entry_at(store, f"{prefix}/{name}")
        if entry is not None:
            yield entry


def _entry_at(store: ArtifactStore, key: str) -> typing.Optional[dict]:
    try:
        entry = read_json_or_warn(store.backend, key)
    except ArtifactNotFoundError:
        return None  # pruned since it was listed
    return entry if entry is not None and "execution_id" in entry else None


def newest_file_entry(store: ArtifactStore, artifact: str, filename: str, workflow: typing.Optional[str] = None,
                      partitions: Wanted = ()):
    """The index entry of the newest succeeded run that recorded ``artifact``/``filename`` (or None); with
    ``partitions``, the newest whose file carries every one of those (key, value) pairs."""
    if partitions:
        return _newest_in_partition(store, artifact, filename, workflow, partitions)
    prefix = keys.file_index_prefix(artifact, filename)
    for entry in _index_entries(store, prefix):
        if workflow is not None and entry.get("workflow") != workflow:
            continue
        if succeeded(store, entry["execution_id"]):
            return entry
    if not store.backend.list_children(prefix):
        # Records written before the file index existed: walk the artifact's index instead.
        for entry in _index_entries(store, keys.artifact_index_prefix(artifact)):
            if workflow is not None and entry.get("workflow") != workflow:
                continue
            eid = entry["execution_id"]
            if store.backend.exists(keys.record_key(eid, artifact, filename)) and succeeded(store, eid):
                return entry
    return None


def _newest_in_partition(store: ArtifactStore, artifact: str, filename: str, workflow: typing.Optional[str],
                         partitions: Wanted) -> typing.Optional[dict]:
    """The newest succeeded run in the index of the first wanted partition whose record matches them all (the record
    is read only when more than one partition is asked for)."""
    key, value = partitions[0]
    for entry in _index_entries(store, keys.partition_index_prefix(artifact, filename, key, value)):
        if workflow is not None and entry.get("workflow") != workflow:
            continue
        eid = entry["execution_id"]
        if len(partitions) > 1:
            try:
                rec = store.record(eid, artifact, filename)
            except ArtifactNotFoundError:
                continue
            if not matches(rec.partitions, partitions):
                continue
        if succeeded(store, eid):
            return entry
    return None


def partition_values(store: ArtifactStore, artifact: str, filename: str, key: str) -> typing.List[str]:
    """The values partition ``key`` of ``artifact``/``filename`` has taken (from the index; long values, kept only
    as a hash there, are left out)."""
    names = store.backend.list_children(keys.partition_values_prefix(artifact, filename, key))
    return sorted(v for v in (keys.decode_component(n) for n in names) if v is not None)


def newest_execution(store: ArtifactStore, artifact: str, workflow: typing.Optional[str] = None) -> str:
    """The newest succeeded run that recorded a file of ``artifact``."""
    for entry in _index_entries(store, keys.artifact_index_prefix(artifact)):
        if workflow is not None and entry.get("workflow") != workflow:
            continue
        if succeeded(store, entry["execution_id"]):
            return entry["execution_id"]
    names = [a["artifact"] for a in artifacts(store)]
    raise ArtifactNotFoundError(
        f"the store at {store.root!r} recorded no file of artifact {artifact!r}{did_you_mean(artifact, names)} in a "
        "succeeded run" + (f" of workflow {workflow!r}" if workflow else "")
        + f" (artifacts there: {', '.join(names) or 'none'})"
    )


def newest_run(store: ArtifactStore) -> str:
    """The newest succeeded run in the store (of any workflow)."""
    for entry in _index_entries(store, keys.RUNS_INDEX):
        if succeeded(store, entry["execution_id"]):
            return entry["execution_id"]
    store.latest_execution()  # an empty store: its own error
    raise ArtifactNotFoundError(
        f"the store at {store.root!r} has no succeeded run yet: run a workflow with artifacts first"
    )


# ---- listing ------------------------------------------------------------------------------------------------------


def versions(store: ArtifactStore, artifact: str, limit: typing.Optional[int] = None,
             partitions: Wanted = ()) -> typing.List[dict]:
    """The versions of ``artifact``, newest first: execution, workflow, created, files, tags, partitions (each
    file's, when any has some). With ``partitions``, only the files (and runs) that carry them all."""
    by_exec = tags_by_execution(store, artifact)
    out = []
    for entry in _index_entries(store, keys.artifact_index_prefix(artifact)):
        eid = entry["execution_id"]
        if not succeeded(store, eid):
            continue
        records = [r for r in store.records(eid, artifact=artifact) if matches(r.partitions, partitions)]
        if partitions and not records:
            continue
        out.append(
            {
                "artifact": artifact,
                "execution_id": eid,
                "workflow": entry.get("workflow", ""),
                "created_at": entry.get("created_at", ""),
                "type": records[0].type if records else "",
                "files": [r.filename for r in records],
                "tags": sorted(by_exec.get(eid, [])),
                "partitions": {r.filename: dict(r.partitions) for r in records if r.partitions},
            }
        )
        if limit is not None and len(out) >= limit:
            break
    return out


def artifacts(store: ArtifactStore) -> typing.List[dict]:
    """Every artifact in the store: name, type, number of versions, newest run, tags."""
    out = []
    for comp in store.backend.list_children(keys.ARTIFACTS_INDEX):
        prefix = keys.artifact_index_prefix_at(comp)
        entries = [_entry_at(store, f"{prefix}/{n}") for n in store.backend.list_children(prefix)]
        good = [e for e in entries if e is not None and succeeded(store, e["execution_id"])]
        if not good:
            continue
        newest = good[0]["execution_id"]
        sample = store.backend.list(f"{keys.records_prefix(newest)}/{comp}")
        if not sample:
            continue
        rec = record_from(store.backend, store.read_json(sample[0]))
        out.append(
            {
                "artifact": rec.artifact,
                "type": rec.type,
                "versions": len(good),
                "newest_execution": newest,
                "newest_created_at": good[0].get("created_at", ""),
                "tags": sorted(tags(store, rec.artifact)),
            }
        )
    out.sort(key=lambda a: a["artifact"])
    return out


# ---- tags ---------------------------------------------------------------------------------------------------------


def validate_tag(tag: str) -> str:
    """A tag is 1-128 letters, digits, '.', '_', '+' or '-', starting with a letter or digit."""
    if not isinstance(tag, str) or not _TAG_RE.match(tag):
        raise ArtifactValueError(
            f"tag {tag!r} is not valid: use 1-128 letters, digits, '.', '_', '+' or '-', starting with a letter or "
            "digit (e.g. approved, v1.0)"
        )
    return tag


def tags(store: ArtifactStore, artifact: str) -> typing.Dict[str, str]:
    """The tags of ``artifact`` now: tag -> execution id."""
    out = {}
    akey = keys.component(artifact)
    for comp in store.backend.list_children(keys.tag_prefix(artifact)):
        key = keys.tag_key_at(akey, comp)
        if store.backend.exists(key):
            doc = store.read_json(key)
            out[doc["tag"]] = doc["execution_id"]
    return out


def tags_by_execution(store: ArtifactStore, artifact: str) -> typing.Dict[str, typing.List[str]]:
    """The tags of ``artifact`` grouped by the run they name."""
    out: typing.Dict[str, typing.List[str]] = {}
    for tag, eid in tags(store, artifact).items():
        out.setdefault(eid, []).append(tag)
    return out


def tag_target(store: ArtifactStore, artifact: str, tag: str) -> str:
    """The run ``tag`` names for ``artifact``."""
    key = keys.tag_key(artifact, validate_tag(tag))
    if not store.backend.exists(key):
        names = sorted(tags(store, artifact))
        raise ArtifactNotFoundError(
            f"artifact {artifact!r} has no tag {tag!r}{did_you_mean(tag, names)} (its tags: "
            f"{', '.join(names) or 'none'}): `flyte-artifacts tag {artifact!r} TAG --execution ID` sets one"
        )
    return store.read_json(key)["execution_id"]


def _history_event(store: ArtifactStore, artifact: str, tag: str, event: dict) -> None:
    key = keys.tag_history_key(artifact, tag, uuid.uuid4().hex[:8])
    store.backend.write_once(key, json.dumps(event, sort_keys=True).encode())


def set_tag(store: ArtifactStore, artifact: str, tag: str, execution_id: typing.Optional[str] = None,
            reason: typing.Optional[str] = None) -> dict:
    """Point ``tag`` at one version of ``artifact`` (``execution_id``, else the newest); returns the tag's state.
    The audit trail gets an entry naming the version's files and their sha256, and ``reason``."""
    validate_tag(tag)
    if execution_id is None:
        execution_id = newest_execution(store, artifact)
    if not store.has_execution(execution_id):
        raise ArtifactNotFoundError(
            f"no execution {execution_id!r} in the store at {store.root!r}: `flyte-artifacts versions {artifact!r}` "
            "lists the runs that recorded it"
        )
    if not store.records(execution_id, artifact=artifact):
        raise ArtifactNotFoundError(
            f"execution {execution_id!r} recorded no file of artifact {artifact!r}: "
            f"`flyte-artifacts versions {artifact!r}` lists the runs that did"
        )
    status = run_status(store, execution_id)
    if status != SUCCEEDED:
        raise ArtifactValueError(f"run {execution_id!r} is {status}: only a succeeded run's files can be tagged")
    key = keys.tag_key(artifact, tag)
    previous = store.read_json(key)["execution_id"] if store.backend.exists(key) else None
    doc = {"artifact": artifact, "tag": tag, "execution_id": execution_id, "tagged_at": utc_now()}
    _history_event(store, artifact, tag, {**doc, "action": "tag", "previous": previous})
    store.backend.write(key, json.dumps(doc, sort_keys=True).encode())
    audit.append(store.backend, "tag", reason=reason, objects=_files_of(store, execution_id, artifact),
                 artifact=artifact, tag=tag, execution=execution_id, previous=previous)
    return {**doc, "previous": previous}


def _files_of(store: ArtifactStore, execution_id: str, artifact: str) -> typing.List[dict]:
    """The files of one version, as the audit trail names objects."""
    return [{"artifact": r.artifact, "filename": r.filename, "sha256": r.sha256}
            for r in store.records(execution_id, artifact=artifact)]


def remove_tag(store: ArtifactStore, artifact: str, tag: str, reason: typing.Optional[str] = None) -> dict:
    """Remove ``tag`` from ``artifact`` (its history stays; the audit trail gets an entry with ``reason``)."""
    previous = tag_target(store, artifact, tag)
    event = {"artifact": artifact, "tag": tag, "execution_id": None, "previous": previous, "tagged_at": utc_now()}
    _history_event(store, artifact, tag, {**event, "action": "untag"})
    store.backend.delete(keys.tag_key(artifact, tag))
    audit.append(store.backend, "untag", reason=reason, artifact=artifact, tag=tag, previous=previous)
    return event


def tag_history(store: ArtifactStore, artifact: str, tag: str) -> typing.List[dict]:
    """Every move of ``tag``, newest first."""
    prefix = keys.tag_history_prefix(artifact, validate_tag(tag))
    return [store.read_json(f"{prefix}/{n}") for n in store.backend.list_children(prefix)]
