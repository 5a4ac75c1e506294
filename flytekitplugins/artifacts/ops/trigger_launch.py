"""Starting the run of one ledger entry, and taking over a launch whose sweeper stopped before the run started.

An entry's launch goes through three write-once marks (keys in ``store/keys.py``):

1. ``launched.json`` (attempt 0) or ``relaunch-<n>.json`` (attempt n): the run id, written before anything starts.
   Of two sweepers only the one that creates the mark goes on.
2. the run is started (``Declared.launch_run``): locally that returns the call that runs it; on a cluster it has
   submitted the execution, named after the run id, so submitting it again cannot make a second one.
3. ``started.json``: the run started (with the remote execution's id, where there is one). Locally it is written
   just before the run begins, remotely just after the cluster accepted it.

A sweeper killed between 1 and 3 leaves a mark with no ``started.json``. Once the mark is older than the lease, the
next sweep writes ``relaunch-<n+1>.json`` and launches the same run id again: the version is neither lost nor, with
the run id as the execution's name, launched twice. A launch that raises before the run started (the cluster was
unreachable) writes ``launch-failed-<n>.json`` and is retried the same way, up to :data:`MAX_ATTEMPTS`; the last
failure is kept in ``failed.json`` and settles the entry. A run that started and then failed is ``failed.json``
at once, never retried.
"""

from __future__ import annotations

import typing

from ..store import keys
from ..store.artifact_store import ArtifactStore, Record
from . import audit as audit_ops
from .trigger_ledger import Declared, SweepResult, dump, error_line, execution_of, now_ms, read_doc, settle

#: How many attempts a launch that cannot start its run gets before the entry is settled as failed.
MAX_ATTEMPTS = 3


class Launch:
    """What ``Declared.launch_run`` may return instead of a bare callable: ``wait`` (runs or follows the run to its
    end, raising when it fails) and ``details`` kept in ``started.json`` (a remote execution's id)."""

    def __init__(self, wait: typing.Callable[[], None], details: typing.Optional[dict] = None):
        self.wait = wait
        self.details = details or {}


def _as_launch(started: typing.Any) -> Launch:
    return started if isinstance(started, Launch) else Launch(started)


def _marks(store: ArtifactStore, trigger: str, name: str) -> typing.List[str]:
    """The entry's launch marks, attempt 0 first."""
    children = store.backend.list_children(keys.trigger_entry_prefix(trigger, name))
    out = ["launched.json"] if "launched.json" in children else []
    return out + sorted(c for c in children if c.startswith("relaunch-"))


def resume(store: ArtifactStore, trig: Declared, name: str, result: SweepResult, lease_s: float, owner: str) -> None:
    """An entry with a launch mark that is not settled: settle it if its run started, take it over if its last
    attempt is older than the lease and never started, else leave it to the sweeper that holds it."""
    spec = trig.spec
    if store.backend.exists(keys.trigger_started_key(spec.name, name)):
        settle(store, spec, name)  # started by a sweeper that stopped before settling it
        return
    marks = _marks(store, spec.name, name)
    last = read_doc(store, f"{keys.trigger_entry_prefix(spec.name, name)}/{marks[-1]}") or {}
    attempt = len(marks)
    failed_last = store.backend.exists(keys.trigger_launch_failed_key(spec.name, name, attempt - 1))
    if not failed_last and now_ms() < int(last.get("at_ms", 0)) + int(lease_s * 1000):
        result.skipped += 1  # its sweeper may still be starting it
        return
    if "run" not in last:
        result.skipped += 1
        return
    mark = {**last, "attempt": attempt, "by": owner, "at_ms": now_ms()}
    if not store.backend.write_once(keys.trigger_relaunch_key(spec.name, name, attempt), dump(mark)):
        result.skipped += 1  # another sweeper took it over
        return
    _start(store, trig, name, mark, result)


def launch(store: ArtifactStore, trig: Declared, name: str, result: SweepResult, owner: str) -> None:
    """Attempt 0 of a claimed entry: write ``launched.json`` naming a new run, then start it."""
    spec = trig.spec
    eid = execution_of(store, spec, name)
    run_id = trig.new_run_id()
    mark = {"run": run_id, "version": eid, "at_ms": now_ms(), "trigger": spec.name, "artifact": spec.artifact,
            "filename": spec.filename, "launch": spec.launch, "attempt": 0, "by": owner}
    if not store.backend.write_once(keys.trigger_launched_key(spec.name, name), dump(mark)):
        result.skipped += 1  # another sweeper launched it
        return
    _start(store, trig, name, mark, result)


def _public(mark: dict) -> dict:
    return {k: v for k, v in mark.items() if k != "by"}


def _start(store: ArtifactStore, trig: Declared, name: str, mark: dict, result: SweepResult) -> None:
    spec, backend = trig.spec, store.backend
    record: Record = store.record(mark["version"], spec.artifact, spec.filename)
    backend.write_once(keys.triggered_by_key(mark["run"]), dump(_public({**mark, "attempt": 0})))
    try:
        started = _as_launch(trig.launch_run(record, store, mark["run"]))
    except Exception as e:  # noqa: BLE001 - the run did not start: kept against the attempt, retried
        _launch_failed(store, spec, name, mark, error_line(e), result)
        return
    doc = {**_public(mark), **started.details, "started_ms": now_ms()}
    backend.write_once(keys.trigger_started_key(spec.name, name), dump(doc))
    audit_ops.trigger_launched(store, doc, record)
    try:
        started.wait()
    except Exception as e:  # noqa: BLE001 - a failed run is recorded against its entry, the sweep goes on
        error = error_line(e)
        backend.write_once(keys.trigger_failed_key(spec.name, name), dump({**doc, "error": error}))
        result.failed.append({**doc, "error": error})
    else:
        result.launched.append(doc)
    settle(store, spec, name)


def _launch_failed(store: ArtifactStore, spec: typing.Any, name: str, mark: dict, error: str,
                   result: SweepResult) -> None:
    attempt = int(mark.get("attempt", 0))
    doc = {**_public(mark), "error": f"the run did not start: {error}"}
    store.backend.write_once(keys.trigger_launch_failed_key(spec.name, name, attempt), dump(doc))
    if attempt + 1 >= MAX_ATTEMPTS:
        store.backend.write_once(keys.trigger_failed_key(spec.name, name), dump(doc))
        settle(store, spec, name)
    result.failed.append(doc)
