"""Versions, the newest version, and tags: what "which file do you mean?" resolves to, the same everywhere.

A *version* of an artifact is the files one succeeded run recorded of it. The *newest* version of an artifact (of one
of its files, when a filename is named) is the newest succeeded run that recorded it. A *tag* names one version of
an artifact; moving it keeps its history. Every command and API that picks a version goes through
:func:`resolve` (one file) or :func:`newest_execution` (a whole artifact).

Newest-version queries read the index ``index/files/<artifact>/<filename>/`` (newest run first) and stop at the
first succeeded run, so they cost about the same on a store of one run as on one of thousands.
"""

from __future__ import annotations

import itertools
import json
import re
import typing
import uuid
from dataclasses import dataclass

from ..errors import ArtifactNotFoundError, ArtifactValueError
from . import keys
from .artifact_store import ArtifactStore, Record
from .identity import utc_now
from .jsonfiles import read_json

SUCCEEDED = "succeeded"
_BATCH = 8  # index names read per step when looking for the newest succeeded run
_TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")


def run_status(store: ArtifactStore, execution_id: str) -> str:
    """The status of a run ("running", "succeeded" or "failed"); a run recorded without one counts as succeeded.

    The one place that decides which runs count as versions.
    """
    try:
        return store.run_status(execution_id)
    except ArtifactNotFoundError:
        return "unknown"


def succeeded(store: ArtifactStore, execution_id: str) -> bool:
    """Whether a run's files count as a version."""
    return run_status(store, execution_id) == SUCCEEDED


@dataclass(frozen=True)
class Selector:
    """Which version a query asks for: an execution, a tag, the newest of a workflow's runs, or the newest."""

    execution: typing.Optional[str] = None
    tag: typing.Optional[str] = None
    workflow: typing.Optional[str] = None

    def __post_init__(self):
        if self.execution is not None and self.tag is not None:
            raise ArtifactValueError(
                f"give either execution={self.execution!r} or tag={self.tag!r}, not both: a tag already names a run"
            )
        for label, value in (("execution", self.execution), ("tag", self.tag), ("workflow", self.workflow)):
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ArtifactValueError(f"{label} must be a non-empty string or None, got {value!r}")

    def describe(self) -> str:
        """The selector in words, for messages."""
        parts = []
        if self.execution:
            parts.append(f"execution {self.execution!r}")
        if self.tag:
            parts.append(f"tag {self.tag!r}")
        if self.workflow:
            parts.append(f"workflow {self.workflow!r}")
        return ", ".join(parts) or "newest succeeded run"

    def as_dict(self) -> dict:
        return {"execution": self.execution, "tag": self.tag, "workflow": self.workflow}


def _index_entries(store: ArtifactStore, prefix: str) -> typing.Iterator[dict]:
    """Index entries under ``prefix``, newest first: the one its pointer names, then a few at a time, the whole
    listing only if needed. A damaged entry is skipped with a warning naming it, as listings skip one."""
    pointed = store.pointed_newest(prefix)
    first = store.newest_names(prefix, _BATCH)
    names: typing.Iterable[str] = [pointed, *(n for n in first if n != pointed)] if pointed else first
    if len(first) >= _BATCH:
        seen = set(first) | {pointed}
        names = itertools.chain(names, (n for n in store.backend.list_children(prefix) if n not in seen))
    for name in names:
        entry = _entry_at(store, f"{prefix}/{name}")
        if entry is not None:
            yield entry


def _entry_at(store: ArtifactStore, key: str) -> typing.Optional[dict]:
    try:
        entry = read_json(store.backend, key)
    except ArtifactNotFoundError:
        return None  # pruned since it was listed
    return entry if entry is not None and "execution_id" in entry else None


def newest_file_entry(store: ArtifactStore, artifact: str, filename: str, workflow: typing.Optional[str] = None):
    """The index entry of the newest succeeded run that recorded ``artifact``/``filename`` (or None)."""
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


def newest_execution(store: ArtifactStore, artifact: str, workflow: typing.Optional[str] = None) -> str:
    """The newest succeeded run that recorded a file of ``artifact``."""
    for entry in _index_entries(store, keys.artifact_index_prefix(artifact)):
        if workflow is not None and entry.get("workflow") != workflow:
            continue
        if succeeded(store, entry["execution_id"]):
            return entry["execution_id"]
    raise ArtifactNotFoundError(
        f"the store at {store.root!r} recorded no file of artifact {artifact!r} in a succeeded run"
        + (f" of workflow {workflow!r}" if workflow else "")
        + f" (artifacts there: {', '.join(a['artifact'] for a in artifacts(store)) or 'none'})"
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


def pick_execution(
    store: ArtifactStore,
    artifact: typing.Optional[str],
    execution: typing.Optional[str] = None,
    latest: bool = False,
    tag: typing.Optional[str] = None,
) -> typing.Optional[str]:
    """The run a command's ``--execution``/``--latest``/``--tag`` options mean (None: no narrowing)."""
    if sum(bool(x) for x in (execution, latest, tag)) > 1:
        raise ArtifactValueError("use one of --execution, --latest and --tag")
    if tag:
        if not artifact:
            raise ArtifactValueError(f"tag {tag!r} names a version of an artifact: give the artifact too (--artifact)")
        return tag_target(store, artifact, tag)
    if latest:
        return newest_execution(store, artifact) if artifact else newest_run(store)
    return execution


def resolve(store: ArtifactStore, artifact: str, filename: str, selector: Selector = Selector()) -> Record:
    """The record a query means: ``selector``'s version of ``artifact``/``filename``."""
    execution = selector.execution
    if selector.tag is not None:
        execution = tag_target(store, artifact, selector.tag)
    if execution is not None:
        rec = None
        if selector.tag is None:
            rec = store.record(execution, artifact, filename)  # an unknown run or file: the store says what there is
        elif not store.backend.exists(keys.record_key(execution, artifact, filename)):
            raise not_found(store, artifact, filename, selector)
        status = run_status(store, execution)
        if status != SUCCEEDED:
            raise ArtifactNotFoundError(
                f"run {execution!r} ({selector.describe()}) is {status}, so its {artifact!r}/{filename!r} is not a "
                "version: only succeeded runs' files are; pick another run with `flyte-artifacts versions "
                f"{artifact!r}`"
            )
        rec = rec or store.record(execution, artifact, filename)
        if selector.workflow is not None and rec.workflow != selector.workflow:
            raise not_found(store, artifact, filename, selector)
        return rec
    entry = newest_file_entry(store, artifact, filename, selector.workflow)
    if entry is None:
        raise not_found(store, artifact, filename, selector)
    return store.record(entry["execution_id"], artifact, filename)


def not_found(store: ArtifactStore, artifact: str, filename: str, selector: Selector) -> ArtifactNotFoundError:
    """The error for a query that matched nothing: what was asked, and what exists."""
    have = [v for v in versions(store, artifact, limit=5)]
    if have:
        lines = "; ".join(
            f"{v['execution_id']} ({v['workflow']}{', tags ' + ','.join(v['tags']) if v['tags'] else ''}: "
            f"{', '.join(v['files'])})"
            for v in have
        )
        exists = f"newest versions of {artifact!r}: {lines}"
    else:
        exists = f"no succeeded run recorded {artifact!r} (artifacts there: "
        exists += f"{', '.join(a['artifact'] for a in artifacts(store)) or 'none'})"
    return ArtifactNotFoundError(
        f"no version of {artifact!r} file {filename!r} matches {selector.describe()} in the store at "
        f"{store.root!r}; {exists}. `flyte-artifacts versions {artifact!r}` lists them all"
    )


# ---- listing ------------------------------------------------------------------------------------------------------


def versions(store: ArtifactStore, artifact: str, limit: typing.Optional[int] = None) -> typing.List[dict]:
    """The versions of ``artifact``, newest first: execution, workflow, created, files, tags."""
    by_exec = tags_by_execution(store, artifact)
    out = []
    for entry in _index_entries(store, keys.artifact_index_prefix(artifact)):
        eid = entry["execution_id"]
        if not succeeded(store, eid):
            continue
        records = store.records(eid, artifact=artifact)
        out.append(
            {
                "artifact": artifact,
                "execution_id": eid,
                "workflow": entry.get("workflow", ""),
                "created_at": entry.get("created_at", ""),
                "type": records[0].type if records else "",
                "files": [r.filename for r in records],
                "tags": sorted(by_exec.get(eid, [])),
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
        rec = Record.from_dict(store.read_json(sample[0]))
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
        have = ", ".join(sorted(tags(store, artifact))) or "none"
        raise ArtifactNotFoundError(
            f"artifact {artifact!r} has no tag {tag!r} (its tags: {have}): "
            f"`flyte-artifacts tag {artifact!r} {tag} --execution ID` sets one"
        )
    return store.read_json(key)["execution_id"]


def _history_event(store: ArtifactStore, artifact: str, tag: str, event: dict) -> None:
    key = keys.tag_history_key(artifact, tag, uuid.uuid4().hex[:8])
    store.backend.write_once(key, json.dumps(event, sort_keys=True).encode())


def set_tag(store: ArtifactStore, artifact: str, tag: str, execution_id: typing.Optional[str] = None) -> dict:
    """Point ``tag`` at one version of ``artifact`` (``execution_id``, else the newest); returns the tag's state."""
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
    return {**doc, "previous": previous}


def remove_tag(store: ArtifactStore, artifact: str, tag: str) -> dict:
    """Remove ``tag`` from ``artifact`` (its history stays)."""
    previous = tag_target(store, artifact, tag)
    event = {"artifact": artifact, "tag": tag, "execution_id": None, "previous": previous, "tagged_at": utc_now()}
    _history_event(store, artifact, tag, {**event, "action": "untag"})
    store.backend.delete(keys.tag_key(artifact, tag))
    return event


def tag_history(store: ArtifactStore, artifact: str, tag: str) -> typing.List[dict]:
    """Every move of ``tag``, newest first."""
    prefix = keys.tag_history_prefix(artifact, validate_tag(tag))
    return [store.read_json(f"{prefix}/{n}") for n in store.backend.list_children(prefix)]
