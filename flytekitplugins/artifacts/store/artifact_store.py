"""The artifact store: write-once records of artifact files, and the bytes they point at (key layout: ``keys.py``).

A run's records are indexed only once it has succeeded (``finish_run``), so listings and "newest" queries see the
files of a run together, and never those of a failed or killed run unless asked for (``include_all``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import time
import typing
import warnings
from dataclasses import dataclass, fields

from ..backends import Backend, blob_key, open_backend
from ..backends.transfer import fetch_verified
from ..errors import ArtifactNotFoundError, ArtifactValueError, did_you_mean
from . import index
from .jsonfiles import DamagedFileWarning, read_json_or_warn, read_optional_json
from .keys import (
    EXECUTIONS,
    RUNS_INDEX,
    artifact_index_prefix,
    component,
    execution_prefix,
    file_index_prefix,
    index_entry_name,
    is_entry_of,
    partition_index_prefix,
    record_key,
    records_prefix,
    run_key,
    run_key_at,
    summary_key,
)
from .runs import FAILED, RUNNING, SUCCEEDED, run_owner, status_of

ROOT_ENV = "FLYTE_ARTIFACTS_ROOT"
DEFAULT_ROOT = os.path.join("~", ".flyte", "artifacts")


def default_root() -> str:
    """The store root: ``$FLYTE_ARTIFACTS_ROOT``, else ``~/.flyte/artifacts``."""
    return os.environ.get(ROOT_ENV) or os.path.expanduser(DEFAULT_ROOT)


def store_for_run(local: bool) -> "ArtifactStore":
    """The store a run records into. In a pod (``local=False``) the root must be set: a default folder would be the
    pod's own disk, which dies with the pod, so the run would report success and keep nothing."""
    if not local and not os.environ.get(ROOT_ENV):
        raise ArtifactValueError(
            f"{ROOT_ENV} is not set in this pod, so its artifact files would be kept on the pod's own disk and lost "
            f"with it: set {ROOT_ENV} to s3://BUCKET/PREFIX in the task environment (e.g. pyflyte run --remote --env "
            f"{ROOT_ENV}=s3://...; see docs/cluster.md)"
        )
    return ArtifactStore()


@dataclass(frozen=True)
class Record:
    """One artifact file of one execution: what it is, where its bytes are, and where it came from."""

    execution_id: str
    project: str
    domain: str
    workflow: str
    node_id: str
    task: str
    output_name: str
    artifact: str
    type: str
    filename: str
    file_type: str
    uri: str
    size: int
    sha256: str
    created_at: str
    code_version: typing.Optional[str] = None
    #: Partition values (key -> value) this version of the file carries; empty for an unpartitioned artifact.
    partitions: typing.Dict[str, str] = dataclasses.field(default_factory=dict)
    #: For a value declared with flytekit's own ``Artifact``: its kind, Python type and stored Literal
    #: (``ops/native_values.py``); None for a file declared with the plugin's ``Artifact.File``.
    value: typing.Optional[typing.Dict[str, typing.Any]] = None

    def as_dict(self) -> dict:
        # Every field is a plain value: no need for dataclasses.asdict's deep copy (ten times slower).
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["partitions"] = dict(self.partitions)
        if self.value is None:
            del out["value"]  # records of the plugin's own files keep the fields they always had
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Record":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def record_from(backend: Backend, d: dict) -> Record:
    """The record ``d`` of the store at ``backend``, its bytes located in this store.

    A record names the store's own copy of its bytes by its key relative to the root (records written before named
    it by where the store was then). Those bytes are at their content address (``blobs/sha256/..``), so wherever the
    store is now (moved, copied, rsynced, synced to S3) the record's ``uri`` is that address under the current root;
    any other ``uri`` (a task's own object, a file outside the store) is left as written. Raises TypeError when
    fields are missing."""
    rec = Record.from_dict(d)
    own = _own_key(rec)
    if own is None or not (rec.uri == own or rec.uri.replace(os.sep, "/").endswith("/" + own)):
        return rec
    here = backend.uri(own)
    return rec if rec.uri == here else dataclasses.replace(rec, uri=here)


def _own_key(rec: Record) -> typing.Optional[str]:
    """The key the store's own copy of a record's bytes has (None for a record whose fields cannot name one)."""
    if not isinstance(rec.sha256, str) or len(rec.sha256) != 64 or not isinstance(rec.uri, str):
        return None
    return blob_key(rec.sha256)


def stored_form(backend: Backend, rec: Record) -> dict:
    """A record as the store at ``backend`` keeps it: the store's own copy of its bytes named by its key relative to
    the root, so the record still reads after the store is moved (:func:`record_from` gives the full ``uri``)."""
    d = rec.as_dict()
    own = _own_key(rec)
    if own is not None and rec.uri == backend.uri(own):
        d["uri"] = own
    return d


def _record_of(backend: Backend, key: str) -> typing.Optional[Record]:
    d = read_json_or_warn(backend, key)
    if d is None:
        return None
    try:
        return record_from(backend, d)
    except TypeError:
        warnings.warn(
            DamagedFileWarning(f"skipped the damaged record {backend.uri(key)} (fields missing)"), stacklevel=2
        )
        return None


#: Index entries written at once on an object store when a run ends.
INDEX_WORKERS = 16

_RUN_FIELDS = ("execution_id", "project", "domain", "workflow", "created_at")


def partition_prefixes(record: Record) -> typing.List[str]:
    """The partition index folders a record's run is entered in: one per partition key."""
    return [partition_index_prefix(record.artifact, record.filename, k, v)
            for k, v in sorted((record.partitions or {}).items())]


def _run_of(record: Record) -> dict:
    return {k: getattr(record, k) for k in _RUN_FIELDS}


class ArtifactStore:
    """The records of artifact files, and the bytes local runs keep, under one root (a folder or S3 prefix)."""

    def __init__(self, root: typing.Optional[str] = None):
        self.backend: Backend = open_backend(root if root is not None else default_root())
        #: Runs this object has marked ``running`` already (their run document need not be written again).
        self._marked_running: typing.Set[str] = set()
        #: (run, artifact) pairs whose artifact index entry this object has written or found (``_index``).
        self._indexed_artifacts: typing.Set[typing.Tuple[str, str]] = set()

    @property
    def root(self) -> str:
        return self.backend.root

    # ---- writing ----------------------------------------------------------------------------------------
    def put_local_file(self, path: str, progress=None, naming=None) -> typing.Tuple[str, int, str]:
        """Keep a copy of a local file's bytes; returns (uri, size, sha256). ``naming``: see
        :meth:`Backend.put_file_blob` (a run's intent, ``store/intents.py``)."""
        key, size, sha = self.backend.put_file_blob(path, progress, naming)
        return self.backend.uri(key), size, sha

    def add_record(self, record: Record, pending: bool = False) -> Record:
        """Write a record once. Writing the same record again (a retried task) is a no-op.

        With ``pending`` the record belongs to a run still going: its execution is marked ``running`` and nothing is
        indexed until :meth:`finish_run` says how the run ended, so the records of a run become visible together and
        only if it succeeded. Without it the record is indexed at once (a run that is already over).
        """
        key = record_key(record.execution_id, record.artifact, record.filename)
        # One line: json's C encoder only runs without indent, and a record is written per file.
        data = json.dumps(stored_form(self.backend, record), sort_keys=True).encode()
        if pending and record.execution_id not in self._marked_running:
            # The run first, so a record never exists without the status that hides it until the run is over.
            owner = run_owner()
            doc = {**_run_of(record), "status": RUNNING, **({"owner": owner} if owner else {})}
            self.backend.write_once(self._run_key(record.execution_id), json.dumps(doc).encode())
            self._marked_running.add(record.execution_id)
        if not self.backend.write_once(key, data):
            existing = _record_of(self.backend, key)
            if existing is None:
                # A damaged record of this very file: the new one is the same fact, written whole.
                self.backend.write(key, data)
                existing = record
            if existing.sha256 != record.sha256:
                raise ArtifactValueError(
                    f"execution {record.execution_id!r} already recorded {record.artifact!r}/{record.filename!r} "
                    f"with other bytes (sha256 {existing.sha256[:12]}... vs {record.sha256[:12]}...): records are "
                    "write-once; an artifact file may be produced once per execution"
                )
            return existing
        if not pending:
            self._index(record)
        return record

    def _run_key(self, execution_id: str) -> str:
        return run_key(execution_id)

    def run_status(self, execution_id: str, missing: typing.Optional[str] = None) -> str:
        """How a run ended: ``running``, ``killed`` (a local run whose process is gone), ``succeeded`` or ``failed``
        (``pruning`` while a prune removes it). Runs recorded before runs had a status are ``succeeded``. A run not in
        the store raises ArtifactNotFoundError, or, with ``missing``, is that status (``removed`` for one pruned)."""
        try:
            run = read_json_or_warn(self.backend, self._run_key(execution_id)) or {}
        except ArtifactNotFoundError:
            if missing is not None:
                return missing
            raise ArtifactNotFoundError(
                f"no execution {execution_id!r} in the store at {self.root!r}: `flyte-artifacts executions --all` "
                "lists them"
            ) from None
        return status_of(run)

    def finish_run(self, execution_id: str, status: str,
                   records: typing.Optional[typing.Sequence[Record]] = None) -> None:
        """Say how a run whose records were added as ``pending`` ended. ``succeeded`` makes all of its records
        visible at once (the index entries are written after the status); ``failed`` keeps them out of listings.
        Idempotent, so a retried recorder or a repair can call it again. ``records``: the records to index, when
        the caller wrote them (one read per record saved); by default every record of the run is read back."""
        self._marked_running.discard(execution_id)
        if status not in (SUCCEEDED, FAILED, RUNNING):
            raise ArtifactValueError(f"run status {status!r} is not one of {RUNNING}, {SUCCEEDED}, {FAILED}")
        key = self._run_key(execution_id)
        run = read_optional_json(self.backend, key)
        if run is None:
            return  # nothing recorded by this run
        before = run
        if run.get("status", SUCCEEDED) != status:
            run = {**run, "status": status}
            if status == SUCCEEDED and not isinstance(run.get("index_ms"), int):
                # The time its index entries carry, kept with the status (and kept from an earlier success): a
                # repeat writes the very same entries.
                run["index_ms"] = int(time.time() * 1000)
            self.backend.write(key, json.dumps(run).encode())
        if status == SUCCEEDED:
            try:
                self._index_run(run, records if records is not None else self.records(execution_id, include_all=True))
            except BaseException:
                # Succeeded only once every promised entry is written: the run goes back to how it was (a retried
                # recorder finishes it), and the failure is the caller's to report.
                if before is not run:
                    with contextlib.suppress(Exception):
                        self.backend.write(key, json.dumps(before).encode())
                raise

    def unindex_run(self, execution_id: str, records: typing.Sequence[Record]) -> None:
        """Remove the index entries of a run whose index could not be written whole (its end failed): a run the
        user saw fail is never listed, even in part."""
        ekey = component(execution_id)
        prefixes = [RUNS_INDEX, *sorted({artifact_index_prefix(r.artifact) for r in records}),
                    *sorted({file_index_prefix(r.artifact, r.filename) for r in records})]
        keys = [f"{p}/{n}" for p in prefixes for n in self.backend.list_children(p) if is_entry_of(n, ekey)]
        self.backend.delete_many(keys)

    def reindex_run(self, run: dict) -> None:
        """Write the index entries a succeeded run is missing (after a crash between its records and its index)."""
        self._index_run(run, self.records(run["execution_id"], include_all=True))

    def _index_run(self, run: dict, records: typing.Sequence[Record]) -> None:
        """Index entries of a finished run (the ones missing: a repeat after a crash completes the set).

        A run that keeps the time of its entries (``index_ms``) names them the same way every time, so writing one
        that exists already does nothing. Older runs do not: their folders are listed to find what is missing."""
        ms = run.get("index_ms")
        known = isinstance(ms, int)
        if not known:
            ms = int(time.time() * 1000)
        fields = {k: run[k] for k in _RUN_FIELDS if k in run}
        entry = json.dumps(fields).encode()
        ekey = component(run["execution_id"])
        name = index_entry_name(ms, run["execution_id"])

        def missing(prefix: str) -> bool:
            return known or not any(is_entry_of(n, ekey) for n in self.backend.list_children(prefix))

        if missing(RUNS_INDEX):
            self._add_index_entry(RUNS_INDEX, name, entry)

        # Only "newest run" reads a pointer without listing (latest_execution): the artifact, file and partition
        # indexes are read by listing their first names, so they get their entries alone, written as one batch
        # (on a local store one staged copy linked under every name; on an object store concurrent requests).
        # The artifact entries are a batch of their own (a local store links each batch's names to one file: damage
        # to a file entry then never reaches the artifact's).
        workers = min(INDEX_WORKERS, self.backend.concurrency)
        artifacts = [p for p in sorted({artifact_index_prefix(r.artifact) for r in records}) if missing(p)]
        index.add_entries(self.backend, artifacts, name, entry, workers, pointers=False)
        files = [p for p in dict.fromkeys([*(file_index_prefix(r.artifact, r.filename) for r in records),
                                           *(p for r in records for p in partition_prefixes(r))]) if missing(p)]
        index.add_entries(self.backend, files, name, entry, workers, pointers=False)

    def _all_runs(self) -> typing.List[dict]:
        """Every run with records, whatever its status, newest first (one read per run)."""
        out = []
        for name in self.backend.list_children(EXECUTIONS):
            run = read_optional_json(self.backend, run_key_at(name))
            if run is not None and "execution_id" in run:
                out.append({**run, "status": status_of(run)})
        return sorted(out, key=lambda r: r.get("created_at", ""), reverse=True)

    def _index(self, record: Record) -> None:
        run = _run_of(record)
        ekey = component(record.execution_id)
        name = index_entry_name(int(time.time() * 1000), record.execution_id)
        entry = json.dumps(run).encode()
        # Only the writer that creates the run document adds the index entry, so a run is listed once.
        if self.backend.write_once(self._run_key(record.execution_id), entry):
            self._add_index_entry(RUNS_INDEX, name, entry)
        marker = artifact_index_prefix(record.artifact)
        # The artifact's index lists each run once: looked up once per (run, artifact) by this object, not listed
        # again for every file (which made recording many files of one artifact quadratic).
        if (record.execution_id, record.artifact) not in self._indexed_artifacts:
            if not any(is_entry_of(n, ekey) for n in self.backend.list_children(marker)):
                index.add_entries(self.backend, [marker], name, entry, pointers=False)
            self._indexed_artifacts.add((record.execution_id, record.artifact))
        prefixes = [file_index_prefix(record.artifact, record.filename), *partition_prefixes(record)]
        index.add_entries(self.backend, prefixes, name, entry, pointers=False)

    # ---- reading ----------------------------------------------------------------------------------------
    def executions(self, include_all: bool = False, offset: int = 0,
                   limit: typing.Optional[int] = None) -> typing.List[dict]:
        """Runs with artifacts, newest first: the succeeded ones, or with ``include_all`` every run (running, killed
        or failed too). Each has a ``status``. ``offset``/``limit`` read only the index entries of one page."""
        if include_all:
            return self._all_runs()[offset: None if limit is None else offset + limit]
        out = []
        names = self.backend.list_children(RUNS_INDEX)
        for name in names[offset: None if limit is None else offset + limit]:
            run = read_json_or_warn(self.backend, f"{RUNS_INDEX}/{name}")
            if run is not None and "execution_id" in run:
                out.append({**run, "status": SUCCEEDED})
        return out

    def latest_execution(self, include_all: bool = False) -> str:
        """The newest succeeded run (with ``include_all``: the newest run, whatever its status)."""
        if not include_all:
            pointed = self.pointed_newest(RUNS_INDEX)
            if pointed is not None:
                run = read_json_or_warn(self.backend, f"{RUNS_INDEX}/{pointed}")
                if run is not None and "execution_id" in run:
                    return run["execution_id"]
        runs = self.executions(include_all, limit=None if include_all else 1)
        if not runs:
            raise ArtifactNotFoundError(
                f"the store at {self.root!r} has no executions yet: run a workflow with artifacts first"
            )
        return runs[0]["execution_id"]

    def exists(self) -> bool:
        """Whether there is a store at the root: its folder, or any object under its prefix (an empty folder is an
        empty store; a path or prefix where nothing is, is no store)."""
        return self.backend.root_exists()

    def require_exists(self) -> None:
        """Raise ``ArtifactNotFoundError`` naming the root when there is no store there (a mistyped path)."""
        if not self.exists():
            raise ArtifactNotFoundError(
                f"there is no artifact store at {self.root!r}: check the store root (--root, ${ROOT_ENV}); a store "
                "is made by the first run that records an artifact, or by `flyte-artifacts datasets create`"
            )

    def has_execution(self, execution_id: str) -> bool:
        return self.backend.exists(run_key(execution_id))

    def records(
        self,
        execution_id: typing.Optional[str] = None,
        artifact: typing.Optional[str] = None,
        type: typing.Optional[str] = None,
        include_all: bool = False,
    ) -> typing.List[Record]:
        """Records of one execution, or of every succeeded execution (newest first) when none is given
        (``include_all``: of every execution, whatever its status)."""
        if execution_id is not None:
            if not self.has_execution(execution_id):
                raise ArtifactNotFoundError(
                    f"no execution {execution_id!r} in the store at {self.root!r}: "
                    "`flyte-artifacts executions` lists them"
                )
            executions = [execution_id]
        elif include_all:
            executions = [e["execution_id"] for e in self.executions(include_all=True)]
        elif artifact is not None:
            executions = list(self._artifact_executions(artifact))
        else:
            executions = [e["execution_id"] for e in self.executions()]
        out: typing.List[Record] = []
        for eid in executions:
            prefix = records_prefix(eid, artifact)
            recs = [r for r in (_record_of(self.backend, k) for k in self.backend.list(prefix)) if r is not None]
            recs.sort(key=lambda r: (r.artifact, r.filename))
            out.extend(recs)
        if type is not None:
            out = [r for r in out if r.type == type.upper()]
        return out

    def record(self, execution_id: str, artifact: str, filename: str) -> Record:
        key = record_key(execution_id, artifact, filename)
        if not self.backend.exists(key):
            if not self.has_execution(execution_id):
                raise ArtifactNotFoundError(
                    f"no execution {execution_id!r} in the store at {self.root!r}: "
                    "`flyte-artifacts executions` lists them"
                )
            recs = self.records(execution_id)
            have = ", ".join(f"{r.artifact}/{r.filename}" for r in recs) or "none"
            hint = did_you_mean(filename, [r.filename for r in recs if r.artifact == artifact]) or did_you_mean(
                artifact, {r.artifact for r in recs})
            raise ArtifactNotFoundError(
                f"execution {execution_id!r} has no file {filename!r} in artifact {artifact!r}{hint} (it has: {have})"
            )
        rec = _record_of(self.backend, key)
        if rec is None:
            raise ArtifactNotFoundError(
                f"the record of {artifact!r}/{filename!r} in execution {execution_id!r} is damaged: "
                "`flyte-artifacts verify` says more"
            )
        return rec

    def _artifact_executions(self, artifact: str) -> typing.Iterator[str]:
        """Executions that recorded ``artifact``, newest first, from its index (damaged entries skipped); read one
        entry at a time, so a caller that stops at the first reads one."""
        prefix = artifact_index_prefix(artifact)
        for n in self.backend.list_children(prefix):
            entry = read_json_or_warn(self.backend, f"{prefix}/{n}")
            if entry is not None and "execution_id" in entry:
                yield entry["execution_id"]

    def latest_record(self, artifact: str, filename: str, include_all: bool = False) -> Record:
        """The newest succeeded execution's record of ``artifact``/``filename`` (``include_all``: any execution's)."""
        if include_all:
            eids = [e["execution_id"] for e in self.executions(include_all=True)]
        else:
            eids = self._artifact_executions(artifact)
        for eid in eids:
            key = record_key(eid, artifact, filename)
            if self.backend.exists(key):
                rec = _record_of(self.backend, key)
                if rec is not None:
                    return rec
        raise ArtifactNotFoundError(
            f"no execution in the store at {self.root!r} recorded file {filename!r} of artifact {artifact!r}: "
            "`flyte-artifacts list` shows what was recorded"
        )

    def download(self, record: Record, dest: str, progress=None) -> None:
        """Write ``record``'s bytes to ``dest`` atomically; a sha256 mismatch leaves ``dest`` untouched.

        A read from object storage that breaks off or comes back wrong is tried again before it is reported.
        """
        fetch_verified(record.uri, dest, record.size, record.sha256,
                       f"{record.artifact!r}/{record.filename!r} at {record.uri!r}", progress)

    # ---- summaries (what they hold: ``ops/inspection.py``) --------------------------------------------------
    def put_summary(self, record: Record, summary: dict) -> None:
        """Store the summary of ``record``'s file (replacing one stored before)."""
        key = summary_key(record.execution_id, record.artifact, record.filename)
        self.backend.write(key, json.dumps(summary, sort_keys=True, allow_nan=False).encode())

    def summary(self, record: Record) -> typing.Optional[dict]:
        """The summary stored for ``record``'s file, or None when there is none."""
        try:
            return json.loads(self.backend.read_bytes(summary_key(record.execution_id, record.artifact,
                                                                  record.filename)))
        except ArtifactNotFoundError:
            return None

    # ---- versions and tags (what they mean: ``store/versions.py``) ---------------------------------------------
    def execution_key(self, execution_id: str, *parts: str) -> str:
        """A key inside an execution's folder (``parts`` are path components, already safe)."""
        return "/".join((execution_prefix(execution_id), *parts))

    def read_json(self, key: str) -> typing.Any:
        """The JSON document at ``key``; raises on a missing or damaged one (``jsonfiles.read_json_or_warn`` is the
        reader for listings, which warns about a damaged file and skips it)."""
        return json.loads(self.backend.read_bytes(key))

    def execution_info(self, execution_id: str) -> dict:
        """The run's document (``keys.run_key``: id, project, domain, workflow, created_at, and status when known)."""
        return self.read_json(run_key(execution_id))

    def _add_index_entry(self, prefix: str, name: str, data: bytes) -> None:
        index.add_entry(self.backend, prefix, name, data)

    def pointed_newest(self, prefix: str) -> typing.Optional[str]:
        """The newest entry's name under an index ``prefix`` from its pointer (None: list instead)."""
        return index.pointed_newest(self.backend, prefix)

    def newest_names(self, prefix: str, limit: int) -> typing.List[str]:
        """The first ``limit`` names under an index prefix, newest first."""
        return index.first_names(self.backend, prefix, limit)

