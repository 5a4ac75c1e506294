"""Triggers: a new version of an artifact file launches the workflow that waits for it, exactly once, with no service.

A trigger is plain data here (:class:`TriggerSpec`: which file, which workflow, which input); the Flyte layer
(``flyte/triggers.py``) declares it next to a workflow and knows how to launch one. A *sweep* finds the versions
that appeared since the trigger started, oldest first (the order their runs succeeded), and launches one run per
version through the declaration's own ``launch_run``.

Exactly once comes from the store, not from a process: every version a trigger acts on gets an entry in the
trigger's write-once ledger (keys in ``store/keys.py``). A sweeper first writes a claim (``claim-<n>``, with a
lease), then the ``launched`` mark naming the run (write-once: of two sweepers only one can write it, and only that
one launches), then starts the run (``started``), then marks the entry settled (and ``failed`` with the error if the
run failed). A claim whose sweeper died before the mark is taken over by the next sweep once its lease has run out;
so is a mark whose run never started (``ops/trigger_launch.py``). With partitions, the sweep reads the index of
the wanted partition value instead of the file's.
"""

from __future__ import annotations

import typing
import uuid

from ..errors import ArtifactNotFoundError, ArtifactValueError
from ..store import keys
from ..store.artifact_store import ArtifactStore
from ..store.identity import host_process
from ..store.partitions import matches
from ..store.versions import succeeded, tags_by_execution
from .trigger_ledger import (
    Declared,
    SweepResult,
    TriggerSpec,
    dump,
    execution_of,
    now_ms,
    read_doc,
)

DEFAULT_LEASE_S = 300.0
DEFAULT_MAX_LAUNCHES = 10
#: How far below the newest settled version a sweep still looks for versions indexed late (a run that took its
#: index time before a newer one but finished writing after it).
LOOKBACK_MS = 10 * 60 * 1000
_SCAN_STEP = 32


def start_ms(store: ArtifactStore, spec: TriggerSpec, from_beginning: bool = False) -> int:
    """Where the trigger starts (written by its first sweep: now, or 0 with ``from_beginning``)."""
    key = keys.trigger_start_key(spec.name)
    doc = read_doc(store, key)
    if doc is None:
        store.backend.write_once(key, dump({"ms": 0 if from_beginning else now_ms(), "spec": spec.as_dict()}))
        doc = read_doc(store, key) or {"ms": 0}
    return int(doc.get("ms", 0))


def _wanted(store: ArtifactStore, spec: TriggerSpec, execution_id: str, tagged: typing.Dict[str, list]) -> bool:
    if not succeeded(store, execution_id) or not _in_partitions(store, spec, execution_id):
        return False
    return spec.tag is None or spec.tag in tagged.get(execution_id, [])


def _pairs(spec: TriggerSpec) -> typing.List[typing.Tuple[str, str]]:
    return sorted((spec.partitions or {}).items())


def _index_prefix(spec: TriggerSpec) -> str:
    """The index a sweep reads: the file's, or with partitions the index of the first wanted partition value (the
    same entry names as the file's index, so the ledger names a version alike either way)."""
    pairs = _pairs(spec)
    if pairs:
        return keys.partition_index_prefix(spec.artifact, spec.filename, *pairs[0])
    return keys.file_index_prefix(spec.artifact, spec.filename)


def _in_partitions(store: ArtifactStore, spec: TriggerSpec, execution_id: str) -> bool:
    """Whether the version's file carries every partition value the trigger wants (read only for two or more: the
    index already holds only the first one's versions)."""
    pairs = _pairs(spec)
    if len(pairs) < 2:
        return True
    try:
        return matches(store.record(execution_id, spec.artifact, spec.filename).partitions, pairs)
    except ArtifactNotFoundError:
        return False


def new_versions(store: ArtifactStore, spec: TriggerSpec, start: int) -> typing.List[str]:
    """Index entry names of the versions the trigger has not settled, oldest first."""
    prefix = _index_prefix(spec)
    settled = set(store.backend.list_children(keys.trigger_settled_prefix(spec.name)))
    claimed = set(store.backend.list_children(keys.trigger_versions_prefix(spec.name)))
    found: typing.List[str] = []
    limit, floor = _SCAN_STEP, None
    while True:
        names = store.backend.list_children_first(prefix, limit)
        for name in names[limit - _SCAN_STEP:]:
            ms = keys.entry_ms_of(name)
            if ms <= start or (floor is not None and ms < floor):
                return _ordered(store, spec, found, claimed - settled)
            if name in settled:
                floor = ms - LOOKBACK_MS if floor is None else floor
            else:
                found.append(name)
        if len(names) < limit:
            return _ordered(store, spec, found, claimed - settled)
        limit += _SCAN_STEP


def _ordered(store: ArtifactStore, spec: TriggerSpec, found: typing.List[str], open_claims: set) -> typing.List[str]:
    tagged = tags_by_execution(store, spec.artifact) if spec.tag is not None else {}
    names = sorted(set(found) | open_claims, reverse=True)  # inverted times: reversed is oldest first
    out = []
    for name in names:
        eid = execution_of(store, spec, name)
        if eid is not None and _wanted(store, spec, eid, tagged):
            out.append(name)
    return out


def _claim(store: ArtifactStore, spec: TriggerSpec, name: str, lease_s: float, owner: str) -> bool:
    """Write the next claim on a ledger entry, unless it is launched or its last claim is younger than ``lease_s``
    (a sweeper may still be launching it)."""
    backend = store.backend
    if backend.exists(keys.trigger_launched_key(spec.name, name)):
        return False
    folder = keys.trigger_entry_prefix(spec.name, name)
    claims = sorted(n for n in backend.list_children(folder) if n.startswith("claim-"))
    if claims:
        last = read_doc(store, f"{folder}/{claims[-1]}") or {}
        if now_ms() < int(last.get("at_ms", 0)) + int(lease_s * 1000):
            return False
    doc = {"by": owner, "at_ms": now_ms(), "lease_s": lease_s}
    return backend.write_once(keys.trigger_claim_key(spec.name, name, len(claims)), dump(doc))


def _launch_one(store: ArtifactStore, trig: Declared, name: str, result: SweepResult, owner: str = "") -> None:
    """Write the entry's ``launched`` mark and start its run (``ops/trigger_launch.py``)."""
    from .trigger_launch import launch

    launch(store, trig, name, result, owner)


def _resume(store: ArtifactStore, trig: Declared, name: str, result: SweepResult, lease_s: float, owner: str) -> None:
    from .trigger_launch import resume

    resume(store, trig, name, result, lease_s, owner)


def has_news(store: ArtifactStore, spec: TriggerSpec, from_beginning: bool = False) -> bool:
    """Whether a sweep of ``spec`` has anything to do (a version to launch, a claim to look at), read from the
    ledger and the index alone: no user code is needed to know that nothing is new. Starts the trigger if new."""
    return bool(new_versions(store, spec, start_ms(store, spec, from_beginning)))


def sweep(
    store: ArtifactStore,
    trig: Declared,
    max_launches: int = DEFAULT_MAX_LAUNCHES,
    from_beginning: bool = False,
    lease_s: float = DEFAULT_LEASE_S,
) -> SweepResult:
    """Launch one run per new version of the trigger's file, oldest first, at most ``max_launches``."""
    if max_launches < 1:
        raise ArtifactValueError(f"--max-launches {max_launches} launches nothing: give 1 or more")
    spec = trig.spec
    result = SweepResult(spec.name)
    me = host_process()
    owner = f"{me['host']}:{me['pid']}:{uuid.uuid4().hex[:6]}"
    names = new_versions(store, spec, start_ms(store, spec, from_beginning))
    for name in names:
        if len(result.launched) + len(result.failed) >= max_launches:
            result.pending += 1
            continue
        if store.backend.exists(keys.trigger_launched_key(spec.name, name)):
            _resume(store, trig, name, result, lease_s, owner)  # its sweeper stopped before settling it
            continue
        if not _claim(store, spec, name, lease_s, owner):
            result.skipped += 1
            continue
        _launch_one(store, trig, name, result, owner)
    return result


def _entry_status(store: ArtifactStore, spec: TriggerSpec, name: str) -> typing.Tuple[str, dict]:
    """(status, the newest mark) of one ledger entry: claimed, launching (marked, not started yet), launched or
    failed."""
    failed = read_doc(store, keys.trigger_failed_key(spec.name, name))
    if failed:
        return "failed", failed
    started = read_doc(store, keys.trigger_started_key(spec.name, name))
    if started:
        return "launched", started
    launched = read_doc(store, keys.trigger_launched_key(spec.name, name))
    if launched is None:
        return "claimed", {"version": execution_of(store, spec, name)}
    settled = store.backend.exists(f"{keys.trigger_settled_prefix(spec.name)}/{name}")
    return ("launched" if settled else "launching"), launched  # settled with no start mark: an older ledger


def history(store: ArtifactStore, spec: TriggerSpec, limit: int = 50) -> typing.List[dict]:
    """The ledger of a trigger, newest version first: version, run launched, status (claimed, launching, launched
    or failed), the error of a failed one and the remote execution of a run launched on a cluster."""
    out = []
    for name in store.backend.list_children(keys.trigger_versions_prefix(spec.name))[:limit]:
        status, doc = _entry_status(store, spec, name)
        row = {"entry": name, "version": doc.get("version"), "run": doc.get("run"), "status": status,
               "error": doc.get("error") if status == "failed" else None}
        if isinstance(doc.get("remote"), dict):
            row["remote"] = {k: str(doc["remote"].get(k, "")) for k in ("name", "project", "domain", "url")}
        out.append(row)
    return out


def status(store: ArtifactStore, spec: TriggerSpec) -> dict:
    """A trigger, its last launched version and the versions a sweep would launch now."""
    doc = read_doc(store, keys.trigger_start_key(spec.name))
    hist = history(store, spec)
    last = next((h for h in hist if h["status"] in ("launched", "failed")), None)
    if doc is None:
        pending: typing.List[str] = []
    else:
        pending = [e for e in (execution_of(store, spec, n) for n in new_versions(store, spec, int(doc["ms"])))
                   if e is not None]
    return {**spec.as_dict(), "started": doc is not None, "last_version": last["version"] if last else None,
            "last_run": last["run"] if last else None, "pending": pending, "history": hist}


def validate_name(name: str) -> str:
    """A trigger name: non-empty, printable, at most 200 characters."""
    if not isinstance(name, str) or not name.strip() or len(name) > 200 or not name.isprintable():
        raise ArtifactValueError(
            f"trigger name {name!r} is not usable: give a non-empty printable name of at most 200 characters")
    return name


def stored(store: ArtifactStore) -> typing.List[dict]:
    """Every trigger that has swept this store (read from the ledger, no user code needed): its spec and history."""
    out = []
    for comp in store.backend.list_children(keys.TRIGGERS):
        doc = read_doc(store, f"{keys.TRIGGERS}/{comp}/start{keys.JSON}")
        if not doc or not isinstance(doc.get("spec"), dict):
            continue
        fields = {k: doc["spec"].get(k) for k in ("name", "artifact", "filename", "launch", "input", "tag",
                                                  "partitions")}
        if not all(isinstance(fields[k], str) for k in ("name", "artifact", "filename", "launch", "input")):
            continue
        if not isinstance(fields["partitions"], dict) or not all(
                isinstance(v, str) for v in fields["partitions"].values()):
            fields["partitions"] = None
        spec = TriggerSpec(**fields)
        out.append({**spec.as_dict(), "start_ms": doc.get("ms"), "history": history(store, spec)})
    return sorted(out, key=lambda t: t["name"])
