"""``prune``: remove the records of old runs (with their index entries, summaries, lineage and query documents),
keeping the newest N per workflow or the runs younger than an age, tagged versions, and runs still going.

Deletion order keeps the store consistent if the prune is killed at any point (``verify`` passes, and the next
prune finishes the job):

1. a whole run is first marked ``pruning`` in its run document (``keys.run_key``): listings that read every run skip it,
   ``verify`` no longer expects it in the index, and it can no longer be tagged;
2. its index entries go (so no listing points at a record about to go), then summaries, lineage, records;
3. the run document goes last. A run left ``pruning`` is always finished by the next prune.

Only records and their small documents are removed here; the bytes they pointed at are freed by ``gc``, once no
other record needs them (two runs recording the same bytes share one stored copy).
"""

from __future__ import annotations

import datetime
import json
import time
import typing
from dataclasses import dataclass

from ...store.artifact_store import RUNNING, SUCCEEDED, ArtifactStore
from ...store.jsonfiles import read_json_or_warn
from ...store.keys import (
    PARTITIONS_INDEX,
    RUNS_INDEX,
    TAGS,
    USES_INDEX,
    artifact_index_prefix_at,
    component,
    execution_prefix_at,
    file_index_prefix_at,
    file_parts_of,
    is_entry_of,
    is_run_key,
    is_tag_key,
    pruning_key_at,
    records_prefix_at,
    run_key_at,
    summaries_prefix_at,
    uses_prefix_at,
)
from .. import audit
from .objects import delete_keys, list_files, remove_empty_folders
from .report import Outcome, Removal

#: Status of a run whose removal has started (a killed prune leaves it; the next prune finishes it).
PRUNING = "pruning"


def _age(run: dict, now: float) -> float:
    text = run.get("created_at") or ""
    try:
        created = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return 0.0  # unknown age: never old enough
    return now - created.timestamp()


def tagged_versions(store: ArtifactStore) -> typing.Dict[typing.Tuple[str, str], typing.List[dict]]:
    """Every tag now set: (artifact component, execution id) -> the tags' documents."""
    out: typing.Dict[typing.Tuple[str, str], typing.List[dict]] = {}
    for key in store.backend.list(TAGS):
        if not is_tag_key(key):
            continue
        doc = read_json_or_warn(store.backend, key)
        if doc and "execution_id" in doc and "artifact" in doc:
            out.setdefault((component(doc["artifact"]), doc["execution_id"]), []).append(doc)
    return out


class _Index:
    """The index folders, each listed once per prune (entries end in ``_<execution component>``)."""

    def __init__(self, store: ArtifactStore):
        self.backend = store.backend
        self.cache: typing.Dict[str, typing.List[str]] = {}
        self.uses = [k for k in store.backend.list(USES_INDEX)]

    def entries(self, prefix: str, ekey: str) -> typing.List[str]:
        if prefix not in self.cache:
            self.cache[prefix] = self.backend.list_children(prefix)
        return [f"{prefix}/{n}" for n in self.cache[prefix] if is_entry_of(n, ekey)]

    def partition_entries(self, akey: str, fkey: str, ekey: str) -> typing.List[str]:
        """The run's entries in the partition index of one file (every key and value; listed once per file)."""
        prefix = f"{PARTITIONS_INDEX}/{akey}/{fkey}"
        if prefix not in self.cache:
            self.cache[prefix] = self.backend.list(prefix)
        return [k for k in self.cache[prefix] if is_entry_of(k, ekey)]

    def uses_of(self, ekey: str, files: typing.Iterable[typing.Tuple[str, str]]) -> typing.List[str]:
        mine = {uses_prefix_at(a, f, ekey) + "/" for a, f in files}
        return [k for k in self.uses if is_entry_of(k, ekey) or any(k.startswith(p) for p in mine)]


def select(
    runs: typing.Sequence[dict],
    keep_last: typing.Optional[int],
    older_than: typing.Optional[float],
    now: float,
) -> typing.Tuple[typing.List[dict], typing.List[typing.Tuple[dict, str]]]:
    """Split runs (newest first) into those to prune and those kept, with the reason each is kept.

    A run is pruned when it is over (not ``running``), at least ``keep_last`` succeeded runs of its workflow are
    newer than it, and it is older than ``older_than`` seconds (each rule only when given).
    """
    prune, kept = [], []
    newer_succeeded: typing.Dict[str, int] = {}
    for run in runs:
        wf = run.get("workflow", "")
        status = run.get("status", SUCCEEDED)
        newer = newer_succeeded.get(wf, 0)
        if status == SUCCEEDED:
            newer_succeeded[wf] = newer + 1
        if status == PRUNING:
            prune.append(run)
        elif status == RUNNING:
            kept.append((run, "running"))
        elif keep_last is not None and newer < keep_last:
            kept.append((run, f"one of the newest {keep_last} of workflow {wf}"))
        elif older_than is not None and _age(run, now) <= older_than:
            kept.append((run, "younger than the age given"))
        else:
            prune.append(run)
    return prune, kept


def prune_runs(
    store: ArtifactStore,
    keep_last: typing.Optional[int] = None,
    older_than: typing.Optional[float] = None,
    workflow: typing.Optional[str] = None,
    artifact: typing.Optional[str] = None,
    include_tagged: bool = False,
    dry_run: bool = False,
    progress: typing.Optional[typing.Callable[[int], None]] = None,
    now: typing.Optional[float] = None,
    reason: typing.Optional[str] = None,
) -> Outcome:
    """Remove old runs' records (see the module's docstring); ``artifact`` limits it to that artifact's files, whose
    newest ``keep_last`` versions per workflow are kept. Returns what was (with ``dry_run``: would be) removed."""
    from ...errors import ArtifactValueError

    if keep_last is None and older_than is None:
        raise ArtifactValueError("say what to keep: give --keep-last N, --older-than AGE (e.g. 30d), or both")
    if keep_last is not None and (not isinstance(keep_last, int) or keep_last < 0):
        raise ArtifactValueError(f"--keep-last must be a whole number >= 0, got {keep_last!r}")
    now = time.time() if now is None else now
    runs = store.executions(include_all=True)
    if workflow is not None:
        runs = [r for r in runs if r.get("workflow") == workflow or r.get("status") == PRUNING]
    comp = component(artifact) if artifact is not None else None
    if comp is not None:
        runs = [r for r in runs if comp in _artifacts_of(store, r["execution_id"])]
    todo, kept = select(runs, keep_last, older_than, now)
    out = Outcome(dry_run, kept=[(r["execution_id"], why) for r, why in kept])
    tags = tagged_versions(store)
    index = _Index(store)
    for run in todo:
        _prune_one(store, index, run, comp, tags, include_tagged, out)
        if progress is not None:
            progress(1)
    audit.removed(store, "prune", out, reason, artifact=artifact, workflow=workflow)
    return out


def _artifacts_of(store: ArtifactStore, execution_id: str) -> typing.List[str]:
    return store.backend.list_children(records_prefix_at(component(execution_id)))


@dataclass
class _RunRemoval:
    """What pruning one run removes: its artifacts ``gone`` (every one when ``whole``), their records (with the
    (artifact, filename) components of each) and the other documents."""

    eid: str
    ekey: str
    whole: bool
    gone: typing.Set[str]
    recs: typing.List[str]
    pairs: typing.List[typing.Tuple[str, str]]
    meta: typing.List[str]


def _prune_one(store, index: _Index, run: dict, comp, tags, include_tagged: bool, out: Outcome) -> None:
    removal = _plan_removal(store, run, comp, tags, include_tagged, out)
    if removal is None or out.dry_run:
        return
    b = store.backend
    # Marked first, so that a prune that stops part way (a delete refused) is finished by verify --repair, never
    # undone by it: a whole run says so in its run document, each artifact of a run that stays gets a mark.
    marks = [pruning_key_at(removal.ekey, a) for a in sorted(removal.gone)] if not removal.whole else []
    if removal.whole:
        _mark_pruning(b, run_key_at(removal.ekey))
    for mark in marks:
        b.write(mark, b"{}")
    # Tags first (only with include_tagged), then the index, then the documents and records, the run file last.
    if include_tagged:
        _remove_tags(store, removal, tags)
    _remove_files(b, index, removal)
    delete_keys(b, marks)


def _plan_removal(store, run: dict, comp, tags, include_tagged: bool, out: Outcome) -> typing.Optional[_RunRemoval]:
    """Which of a run's artifacts go (tagged ones stay unless ``include_tagged``), told to ``out``; None: nothing."""
    eid = run["execution_id"]
    ekey = component(eid)
    sizes = {f.key: f.size for f in list_files(store.backend, execution_prefix_at(ekey))}
    records = records_prefix_at(ekey) + "/"
    in_records = [k for k in sizes if k.startswith(records)]
    present = sorted({file_parts_of(k)[0] for k in in_records})
    wanted = [a for a in present if comp is None or a == comp]
    protected = [a for a in wanted if (a, eid) in tags and not include_tagged]
    for a in protected:
        out.kept.append((f"{eid}/{a}", "tagged " + ", ".join(d["tag"] for d in tags[(a, eid)])))
    remove = [a for a in wanted if a not in protected]
    whole = run.get("status") == PRUNING or (remove == present and not protected)
    if not remove and not whole:
        return None
    gone = set(remove if not whole else present)
    recs = [k for k in in_records if file_parts_of(k)[0] in gone]
    summaries = summaries_prefix_at(ekey) + "/"
    meta = [k for k in sizes if k.startswith(summaries) and file_parts_of(k)[0] in gone]
    out.released += sum(_record_size(store, k) for k in recs)
    if whole:
        meta = [k for k in sizes if k not in recs and not is_run_key(k)]
        out.removed.append(Removal("run", eid, sum(sizes.values())))
    else:
        out.removed.extend(Removal("record", k, sizes[k]) for k in recs)
    return _RunRemoval(eid, ekey, whole, gone, recs, [file_parts_of(k) for k in recs], meta)


def _mark_pruning(b, run_key: str) -> None:
    """Step 1 of removing a whole run: its run document says ``pruning``."""
    doc = read_json_or_warn(b, run_key) if b.exists(run_key) else None
    if doc is not None and doc.get("status") != PRUNING:
        b.write(run_key, json.dumps({**doc, "status": PRUNING}).encode())


def _remove_tags(store, removal: _RunRemoval, tags) -> None:
    from ...store.versions import remove_tag

    for a in removal.gone:
        for doc in tags.get((a, removal.eid), []):
            remove_tag(store, doc["artifact"], doc["tag"])


def _remove_files(b, index: _Index, removal: _RunRemoval) -> None:
    """The index entries first, then the documents and records; for a whole run its run document last."""
    ekey = removal.ekey
    idx = [k for a, f in removal.pairs for k in index.entries(file_index_prefix_at(a, f), ekey)]
    idx += [k for a, f in removal.pairs for k in index.partition_entries(a, f, ekey)]
    artifact_idx = [k for a in removal.gone for k in index.entries(artifact_index_prefix_at(a), ekey)]
    if removal.whole:
        idx += index.uses_of(ekey, removal.pairs) + index.entries(RUNS_INDEX, ekey) + artifact_idx
        delete_keys(b, idx + removal.meta + removal.recs)
        b.delete(run_key_at(ekey))
        remove_empty_folders(b, execution_prefix_at(ekey))
    else:
        # The artifact's own index entry last: verify expects one while any of its records of a succeeded run exist.
        delete_keys(b, idx + removal.meta + removal.recs + artifact_idx)


def _record_size(store: ArtifactStore, key: str) -> int:
    d = read_json_or_warn(store.backend, key)
    return int(d.get("size", 0)) if d else 0
