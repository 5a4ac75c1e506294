"""Checking everything a store keeps, and repairing what can be repaired from an intact copy.

``collect(store)`` lists what there is to check: every JSON file of the store (runs, records, index entries, the
dataset catalog and its manifests), every stored object (the store's own bytes, each record's file, each snapshot
file of each dataset) with the size and sha256 it must have, and what each one affects: an :class:`Inventory`.
``check(inventory)`` re-hashes every object and reports each problem; with ``repair=True`` it

* restores damaged or missing bytes from any intact copy with the same sha256 (a store copy, a task output, a
  snapshot file of any dataset), verified on the way;
* rebuilds the index entries of succeeded runs that a crash left out, and drops damaged index entries first;
* restores a damaged catalog manifest from the copy beside the snapshot's files;
* removes leftovers of killed writes (``.tmp-*`` files older than an hour) in local folders.

Damaged records and run files cannot be rebuilt (nothing else holds their facts): they are reported.
"""

from __future__ import annotations

import json
import os
import time
import typing
from dataclasses import asdict, dataclass, field

from ..backends import BLOB_PREFIX, hash_uri, open_backend, read_uri_stream, restore_uri
from ..errors import ArtifactError
from ..store.artifact_store import SUCCEEDED, ArtifactStore, Record, component, record_from
from ..store.keys import (
    DATASETS,
    EXECUTIONS,
    JSON,
    RUNS_INDEX,
    artifact_index_prefix,
    dataset_snapshots_prefix,
    entry_execution_of,
    execution_of,
    file_parts_of,
    is_dataset_key,
    pruning_prefix_at,
    records_prefix_at,
    run_key_at,
    snapshot_number_of,
    summaries_prefix_at,
)
from . import audit
from .lifecycle.prune import PRUNING

#: A ``.tmp-*`` file older than this is a leftover of a killed write, not one in progress.
STALE_TEMP_SECONDS = 3600


@dataclass
class Problem:
    """One thing wrong in the store: what kind, where, what exactly, and what it affects."""

    kind: str  # damaged-bytes, missing-bytes, damaged-json, missing-index, leftover
    where: str
    detail: str
    affects: typing.List[str] = field(default_factory=list)
    repaired: bool = False

    def as_dict(self) -> dict:
        """The problem as plain data (``verify --json``)."""
        return asdict(self)


@dataclass
class StoredObject:
    """Bytes that must be ``size`` bytes with ``sha256`` at ``uri``, and what relies on them."""

    uri: str
    size: int
    sha256: str
    affects: typing.List[str] = field(default_factory=list)
    within: typing.Optional[str] = None  # the store or dataset root it lives in (a repair never leaves it)


@dataclass
class Inventory:
    """What ``collect`` found in the store and ``check`` will look at: the stored objects and their expected bytes,
    and the problems seen while listing."""

    store: ArtifactStore
    objects: typing.Dict[str, StoredObject] = field(default_factory=dict)
    problems: typing.List[Problem] = field(default_factory=list)
    json_files: int = 0
    runs: typing.List[typing.Tuple[dict, typing.List[str]]] = field(default_factory=list)
    bad_index: typing.List[str] = field(default_factory=list)
    manifests: typing.List[typing.Tuple[str, str]] = field(default_factory=list)  # damaged catalog key, copy URI
    local_roots: typing.List[str] = field(default_factory=list)
    run_files: typing.List[typing.Tuple[str, dict]] = field(default_factory=list)  # missing run files, rebuilt
    # Prunes that stopped part way: (run key, the keys of what they were removing, their marks), finished by repair.
    prunes: typing.List[typing.Tuple[str, typing.List[str], typing.List[str]]] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        """Bytes ``check`` will read."""
        return sum(max(0, o.size) for o in self.objects.values())


@dataclass
class Report:
    """What ``check`` found: the problems, and how much it looked at."""

    objects: int
    bytes: int
    json_files: int
    problems: typing.List[Problem]

    @property
    def ok(self) -> bool:
        """True when nothing is left wrong (every problem found was repaired)."""
        return all(p.repaired for p in self.problems)

    def as_dict(self) -> dict:
        """The report as plain data (``verify --json``)."""
        return {"ok": self.ok, "objects": self.objects, "bytes": self.bytes, "json_files": self.json_files,
                "problems": [p.as_dict() for p in self.problems]}


def _load(inventory: Inventory, backend, key: str, affects: str) -> typing.Optional[dict]:
    inventory.json_files += 1
    try:
        value = json.loads(backend.read_bytes(key))
    except (ValueError, UnicodeDecodeError) as e:
        value, why = None, str(e).split("\n")[0]
    else:
        why = "not a JSON object"
    if not isinstance(value, dict):
        inventory.problems.append(Problem("damaged-json", backend.uri(key), f"cannot be read: {why}", [affects]))
        return None
    return value


def _expect(inventory: Inventory, uri: str, size: int, sha256: str, affects: str,
            within: typing.Optional[str] = None) -> None:
    obj = inventory.objects.setdefault(uri, StoredObject(uri, size, sha256, within=within))
    if (obj.size, obj.sha256) != (size, sha256):
        inventory.problems.append(Problem("damaged-json", uri, f"described as both {obj.sha256[:12]}... and "
                                    f"{sha256[:12]}...", [affects]))
    obj.affects.append(affects)


def collect(store: ArtifactStore) -> Inventory:
    """List every JSON file and stored object of ``store`` and its datasets, reading only the small files."""
    inventory = Inventory(store)
    _note_local_root(inventory, store.backend)
    _collect_runs(inventory)
    _collect_index(inventory)
    _collect_blobs(inventory)
    _collect_datasets(inventory)
    return inventory


def _note_local_root(inventory: Inventory, backend) -> None:
    """A location whose bytes are on this machine is searched for leftovers of killed writes."""
    path = backend.local_path("")
    if path is not None:
        inventory.local_roots.append(path)


def _collect_runs(inventory: Inventory) -> None:
    by_run: typing.Dict[str, typing.List[str]] = {}
    for k in inventory.store.backend.list(EXECUTIONS):
        by_run.setdefault(execution_of(k), []).append(k)
    for name, keys in sorted(by_run.items()):
        _collect_run(inventory, name, keys)


def _collect_run(inventory: Inventory, name: str, keys: typing.List[str]) -> None:
    """One run's file and records (``name``: its key component; ``keys``: every key in its folder)."""
    b = inventory.store.backend
    key = run_key_at(name)
    run = _load(inventory, b, key, f"run {name}") if key in keys else {}
    if run is None:
        return
    artifacts = []
    records = records_prefix_at(name) + "/"
    if run and run.get("status") == PRUNING:  # a whole run's prune stopped part way: its run file goes last
        inventory.prunes.append((key, [k for k in keys if k != key], [key]))
        return
    marks = [k for k in keys if k.startswith(pruning_prefix_at(name) + "/")]
    if marks:  # a prune stopped part way: what it was removing is left for repair to remove, never re-indexed
        marked = {file_parts_of(k)[0] for k in marks}
        summaries = summaries_prefix_at(name) + "/"
        removing = [k for k in keys if (k.startswith(records) or k.startswith(summaries))
                    and file_parts_of(k)[0] in marked]
        inventory.prunes.append((key, removing, marks))
        keys = [k for k in keys if k not in removing]
    inside = b.uri("")  # a record whose bytes are the store's own: repaired only inside the store
    for rkey in [k for k in keys if k.startswith(records) and k.endswith(JSON)]:
        rec = _load_record(inventory, b, rkey, f"run {name}")
        if rec is None:
            continue
        if not run:
            # Records whose run file was never written (a writer died in between): the run is rebuilt.
            run = {k: getattr(rec, k) for k in ("execution_id", "project", "domain", "workflow", "created_at")}
            inventory.run_files.append((key, run))
        artifacts.append(rec.artifact)
        _expect(inventory, rec.uri, rec.size, rec.sha256, f"record {rec.execution_id}/{rec.artifact}/{rec.filename}",
                within=inventory.store.root if rec.uri.startswith(inside) else None)
    if run and run.get("status", SUCCEEDED) == SUCCEEDED:
        inventory.runs.append((run, artifacts))


def _load_record(inventory: Inventory, b, key: str, affects: str) -> typing.Optional[Record]:
    d = _load(inventory, b, key, affects)
    try:
        return record_from(b, d) if d is not None else None
    except TypeError:
        inventory.problems.append(Problem("damaged-json", b.uri(key), "fields missing", [affects]))
        return None


def _collect_index(inventory: Inventory) -> None:
    b = inventory.store.backend
    for key in b.list("index"):
        if _load(inventory, b, key, "listings") is None:
            inventory.bad_index.append(key)


def _collect_blobs(inventory: Inventory) -> None:
    """Kept bytes no record names are checked too: their name is their sha256."""
    b = inventory.store.backend
    for key in b.list(BLOB_PREFIX):
        name = key.rsplit("/", 1)[-1]
        if len(name) == 64 and b.uri(key) not in inventory.objects:
            inventory.objects[b.uri(key)] = StoredObject(b.uri(key), -1, name, ["kept bytes no record names"])


def _collect_datasets(inventory: Inventory) -> None:
    from .datasets import Dataset, DatasetSnapshot
    from .datasets.layout import manifest_key

    b = inventory.store.backend
    for key in [k for k in b.list(DATASETS) if is_dataset_key(k)]:
        d = _load(inventory, b, key, "the dataset catalog")
        try:
            ds = Dataset.from_dict(d) if d is not None else None
        except KeyError:
            ds = None
        if ds is None:
            continue
        target = open_backend(ds.uri)
        _note_local_root(inventory, target)
        for mkey in [k for k in b.list(dataset_snapshots_prefix(ds.id)) if k.endswith(JSON)]:
            number = snapshot_number_of(mkey)
            if number is None:
                continue  # not a manifest's name: nothing the catalog wrote
            m = _load(inventory, b, mkey, f"dataset {ds.name} snapshot {number}")
            if m is None:
                inventory.manifests.append((mkey, target.uri(manifest_key(number))))
                continue
            snap = DatasetSnapshot.from_dict(m)
            for f in snap.files:
                _expect(inventory, target.uri(f.key), f.size, f.sha256,
                        f"dataset {ds.name} snapshot {snap.number} {f.path}", within=ds.uri)


def check(inventory: Inventory, repair: bool = False,
          progress: typing.Optional[typing.Callable[[int], None]] = None,
          reason: typing.Optional[str] = None) -> Report:
    """Re-hash every object of ``inventory`` and report each problem; with ``repair`` fix what an intact copy
    allows (and append what was fixed to the audit trail, with ``reason``)."""
    bad: typing.List[StoredObject] = []
    good: typing.Dict[str, typing.Tuple[str, int]] = {}
    for obj in inventory.objects.values():
        try:
            size, sha = hash_uri(obj.uri, progress)
        except (ArtifactError, OSError) as e:
            missing = isinstance(e, FileNotFoundError) or "does not exist" in str(e) or "not found" in str(e)
            inventory.problems.append(Problem("missing-bytes" if missing else "damaged-bytes", obj.uri,
                                         "missing" if missing else f"cannot be read: {e}", obj.affects))
            bad.append(obj)
            continue
        if obj.size < 0 and sha == obj.sha256:
            obj.size = size  # a stored copy no record names: its name is its sha256, any size is right
        if (size, sha) != (obj.size, obj.sha256):
            inventory.problems.append(Problem(
                "damaged-bytes", obj.uri,
                f"holds {size} bytes with sha256 {sha[:12]}..., must hold "
                f"{'the' if obj.size < 0 else obj.size} bytes with sha256 {obj.sha256[:12]}...", obj.affects))
            bad.append(obj)
        else:
            good.setdefault(sha, (obj.uri, size))
    _finish_prunes(inventory, repair)
    if repair:
        _repair_bytes(inventory, bad, good)
        _repair_manifests(inventory)
    _check_index(inventory, repair)
    _leftovers(inventory, repair)
    if repair:
        audit.repaired(inventory.store, [{"kind": p.kind, "where": p.where, "detail": p.detail}
                                         for p in inventory.problems if p.repaired], reason)
    return Report(len(inventory.objects), inventory.total_bytes, inventory.json_files, inventory.problems)


def _repair_bytes(
    inventory: Inventory, bad: typing.List[StoredObject], good: typing.Dict[str, typing.Tuple[str, int]]
) -> None:
    problems = {p.where: p for p in inventory.problems if p.kind in ("damaged-bytes", "missing-bytes")}
    for obj in bad:
        problem = problems.get(obj.uri)
        if obj.sha256 not in good or problem is None:
            continue
        source, size = good[obj.sha256]
        try:
            restore_uri(obj.uri, source, size, obj.sha256, obj.within)
        except (ArtifactError, OSError) as e:
            problem.detail += f"; repair from {source} failed: {e}"
            continue
        problem.repaired = True
        problem.detail += f"; restored from {source}"


def _finish_prunes(inventory: Inventory, repair: bool) -> None:
    """A prune that stopped part way left a consistent store (what it was removing is marked, and is neither
    checked nor re-indexed), so it is no problem; repair finishes it (what was being removed, then the marks) and
    says so. The next prune of the run finishes it too."""
    if not repair:
        return
    b = inventory.store.backend
    for run_key, removing, marks in inventory.prunes:
        b.delete_many([*removing, *marks])
        inventory.problems.append(Problem(
            "unfinished-prune", b.uri(run_key),
            f"a prune had stopped part way, leaving {len(removing)} of the files it was removing; finished",
            [f"run {execution_of(run_key)}"], repaired=True))


def _check_index(inventory: Inventory, repair: bool) -> None:
    b = inventory.store.backend
    if repair:
        for key in inventory.bad_index:
            b.delete(key)
            for p in inventory.problems:
                if p.where == b.uri(key):
                    p.repaired, p.detail = True, p.detail + "; removed (rebuilt below if its run needs it)"
        for key, run in inventory.run_files:
            b.write_once(key, json.dumps(run).encode())
    listings: typing.Dict[str, typing.Set[str]] = {}  # runs listed in each index folder, each folder listed once

    def indexed(prefix: str) -> typing.Set[str]:
        if prefix not in listings:
            listings[prefix] = {entry_execution_of(n) for n in b.list_children(prefix)}
        return listings[prefix]

    for run, artifacts in inventory.runs:
        ekey = component(run["execution_id"])
        missing = ekey not in indexed(RUNS_INDEX) or any(
            ekey not in indexed(artifact_index_prefix(a)) for a in set(artifacts)
        )
        if not missing:
            continue
        if repair:
            inventory.store.reindex_run(run)
        inventory.problems.append(Problem(
            "missing-index", b.uri(run_key_at(ekey)),
            "a succeeded run is missing from the index, so listings do not show it"
            + ("; index entries rebuilt" if repair else ""),
            [f"run {run['execution_id']}"], repaired=repair))


def _repair_manifests(inventory: Inventory) -> None:
    b = inventory.store.backend
    for key, copy in inventory.manifests:
        try:
            with read_uri_stream(copy) as f:
                data = f.read()
            json.loads(data)
        except (ArtifactError, OSError, ValueError):
            continue
        b.write(key, data)
        for p in inventory.problems:
            if p.where == b.uri(key):
                p.repaired, p.detail = True, p.detail + f"; restored from {copy}"


def _leftovers(inventory: Inventory, repair: bool) -> None:
    now = time.time()
    for root in inventory.local_roots:
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                path = os.path.join(dirpath, name)
                if not name.startswith(".tmp-"):
                    continue
                try:
                    if now - os.stat(path).st_mtime < STALE_TEMP_SECONDS:
                        continue
                    if repair:
                        os.unlink(path)
                except FileNotFoundError:
                    continue
                inventory.problems.append(Problem("leftover", path, "temp file of a killed write", [], repaired=repair))


def verify_store(store: ArtifactStore, repair: bool = False, progress=None) -> Report:
    """Check (and with ``repair``, repair) ``store`` and its datasets in one call."""
    return check(collect(store), repair=repair, progress=progress)
