"""The artifact store: write-once records of artifact files, and the bytes they point at.

Key layout (chosen so the common queries are one listing on an object store, which lists keys in order):

    executions/<exec>/execution.json                      the run: id, project, domain, workflow, created_at
    executions/<exec>/records/<artifact>/<filename>.json  one record per artifact file   -> "all files of a run"
    index/executions/<inverted time>_<exec>               newest run first                -> "latest run"
    index/artifacts/<artifact>/<inverted time>_<exec>     newest version first            -> "latest of artifact X"
    index/files/<artifact>/<filename>/<inverted time>_<exec>  newest run of one file first -> "latest of X/file"
    index/uses/<artifact>/<filename>/<exec>/<inverted time>_<consumer>  later runs whose queries resolved it
    tags/<artifact>/<tag>/current.json                    the version a tag names now (a mutable pointer)
    tags/<artifact>/<tag>/history/<time>_<n>.json         every move of the tag, write-once
    executions/<exec>/lineage/<workflow>.json             inputs, code and what each file was derived from
    executions/<exec>/queries/<node>.json                 what each query node of the run resolved
    blobs/sha256/<aa>/<sha256>                            bytes kept by local runs, stored once per content

Path components are percent-encoded names (hashed when too long), so any artifact name or filename is safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import typing
import urllib.parse
from dataclasses import asdict, dataclass, fields

from .backends import Backend, open_backend, read_uri_stream
from .backends.local import write_local_file
from .errors import ArtifactNotFoundError, ArtifactValueError

ROOT_ENV = "FLYTE_ARTIFACTS_ROOT"
DEFAULT_ROOT = os.path.join("~", ".flyte", "artifacts")
_TIME_BASE = 10**14  # ms; inverted times stay 14 digits wide until the year 5138


def default_root() -> str:
    """The store root: ``$FLYTE_ARTIFACTS_ROOT``, else ``~/.flyte/artifacts``."""
    return os.environ.get(ROOT_ENV) or os.path.expanduser(DEFAULT_ROOT)


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

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Record":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def component(name: str) -> str:
    """A name as one safe path component (the records keep the real name)."""
    q = urllib.parse.quote(name, safe="-_.")
    if q in (".", ".."):
        q = q.replace(".", "%2E")
    if len(q) > 180:
        q = "~" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
    return q


def _inverted(ms: int) -> str:
    return f"{_TIME_BASE - ms:014d}"


class ArtifactStore:
    """The records of artifact files, and the bytes local runs keep, under one root (a folder or S3 prefix)."""

    def __init__(self, root: typing.Optional[str] = None):
        self.backend: Backend = open_backend(root if root is not None else default_root())

    @property
    def root(self) -> str:
        return self.backend.root

    # ---- keys -------------------------------------------------------------------------------------------
    @staticmethod
    def _exec_prefix(execution_id: str) -> str:
        return f"executions/{component(execution_id)}"

    def _record_key(self, execution_id: str, artifact: str, filename: str) -> str:
        return f"{self._exec_prefix(execution_id)}/records/{component(artifact)}/{component(filename)}.json"

    # ---- writing ----------------------------------------------------------------------------------------
    def put_local_file(self, path: str, progress=None) -> typing.Tuple[str, int, str]:
        """Keep a copy of a local file's bytes; returns (uri, size, sha256)."""
        key, size, sha = self.backend.put_file_blob(path, progress)
        return self.backend.uri(key), size, sha

    def add_record(self, record: Record) -> Record:
        """Write a record once. Writing the same record again (a retried task) is a no-op."""
        key = self._record_key(record.execution_id, record.artifact, record.filename)
        data = json.dumps(record.as_dict(), indent=1, sort_keys=True).encode()
        if not self.backend.write_once(key, data):
            existing = Record.from_dict(json.loads(self.backend.read_bytes(key)))
            if existing.sha256 != record.sha256:
                raise ArtifactValueError(
                    f"execution {record.execution_id!r} already recorded {record.artifact!r}/{record.filename!r} "
                    f"with other bytes (sha256 {existing.sha256[:12]}... vs {record.sha256[:12]}...): records are "
                    "write-once; an artifact file may be produced once per execution"
                )
            return existing
        self._index(record)
        return record

    def _index(self, record: Record) -> None:
        ms = int(time.time() * 1000)
        run = {
            "execution_id": record.execution_id,
            "project": record.project,
            "domain": record.domain,
            "workflow": record.workflow,
            "created_at": record.created_at,
        }
        ekey = component(record.execution_id)
        # Only the writer that creates execution.json adds the index entry, so a run is listed once.
        run_key = f"{self._exec_prefix(record.execution_id)}/execution.json"
        if self.backend.write_once(run_key, json.dumps(run).encode()):
            self.backend.write_once(f"index/executions/{_inverted(ms)}_{ekey}", json.dumps(run).encode())
        marker = f"index/artifacts/{component(record.artifact)}"
        if not any(n.endswith("_" + ekey) for n in self.backend.list_children(marker)):
            self.backend.write_once(f"{marker}/{_inverted(ms)}_{ekey}", json.dumps(run).encode())
        self._index_file(record, run, ms)

    # ---- reading ----------------------------------------------------------------------------------------
    def executions(self, offset: int = 0, limit: typing.Optional[int] = None) -> typing.List[dict]:
        """Runs with artifacts, newest first; ``offset``/``limit`` read only the index entries of one page."""
        names = self.backend.list_children("index/executions")
        out = []
        for name in names[offset : None if limit is None else offset + limit]:
            out.append(json.loads(self.backend.read_bytes(f"index/executions/{name}")))
        return out

    def latest_execution(self) -> str:
        names = self.backend.list_children("index/executions")
        if not names:
            raise ArtifactNotFoundError(
                f"the store at {self.root!r} has no executions yet: run a workflow with artifacts first"
            )
        return json.loads(self.backend.read_bytes(f"index/executions/{names[0]}"))["execution_id"]

    def has_execution(self, execution_id: str) -> bool:
        return self.backend.exists(f"{self._exec_prefix(execution_id)}/execution.json")

    def records(
        self,
        execution_id: typing.Optional[str] = None,
        artifact: typing.Optional[str] = None,
        type: typing.Optional[str] = None,
    ) -> typing.List[Record]:
        """Records of one execution, or of every execution (newest first) when none is given."""
        if execution_id is not None:
            if not self.has_execution(execution_id):
                raise ArtifactNotFoundError(
                    f"no execution {execution_id!r} in the store at {self.root!r}: "
                    "`flyte-artifacts executions` lists them"
                )
            executions = [execution_id]
        elif artifact is not None:
            executions = [
                json.loads(self.backend.read_bytes(f"index/artifacts/{component(artifact)}/{n}"))["execution_id"]
                for n in self.backend.list_children(f"index/artifacts/{component(artifact)}")
            ]
        else:
            executions = [e["execution_id"] for e in self.executions()]
        out: typing.List[Record] = []
        for eid in executions:
            prefix = f"{self._exec_prefix(eid)}/records"
            if artifact is not None:
                prefix += f"/{component(artifact)}"
            recs = [Record.from_dict(json.loads(self.backend.read_bytes(k))) for k in self.backend.list(prefix)]
            recs.sort(key=lambda r: (r.artifact, r.filename))
            out.extend(recs)
        if type is not None:
            out = [r for r in out if r.type == type.upper()]
        return out

    def record(self, execution_id: str, artifact: str, filename: str) -> Record:
        key = self._record_key(execution_id, artifact, filename)
        if not self.backend.exists(key):
            if not self.has_execution(execution_id):
                raise ArtifactNotFoundError(
                    f"no execution {execution_id!r} in the store at {self.root!r}: "
                    "`flyte-artifacts executions` lists them"
                )
            have = ", ".join(f"{r.artifact}/{r.filename}" for r in self.records(execution_id)) or "none"
            raise ArtifactNotFoundError(
                f"execution {execution_id!r} has no file {filename!r} in artifact {artifact!r} (it has: {have})"
            )
        return Record.from_dict(json.loads(self.backend.read_bytes(key)))

    def latest_record(self, artifact: str, filename: str) -> Record:
        """The newest execution's record of ``artifact``/``filename``."""
        prefix = f"index/artifacts/{component(artifact)}"
        for name in self.backend.list_children(prefix):
            eid = json.loads(self.backend.read_bytes(f"{prefix}/{name}"))["execution_id"]
            key = self._record_key(eid, artifact, filename)
            if self.backend.exists(key):
                return Record.from_dict(json.loads(self.backend.read_bytes(key)))
        raise ArtifactNotFoundError(
            f"no execution in the store at {self.root!r} recorded file {filename!r} of artifact {artifact!r}: "
            "`flyte-artifacts list` shows what was recorded"
        )

    def download(self, record: Record, dest: str, progress=None) -> None:
        """Write ``record``'s bytes to ``dest`` atomically; a sha256 mismatch leaves ``dest`` untouched."""
        write_local_file(
            read_uri_stream(record.uri),
            dest,
            progress,
            expect=(record.size, record.sha256),
            what=f"{record.artifact!r}/{record.filename!r} at {record.uri!r}",
        )

    # ---- summaries
    # A file's summary lives beside its record, not inside it, so listings read only the small records:
    # executions/<exec>/summaries/<artifact>/<filename>.json (see ``inspection.py`` for what it holds).
    def _summary_key(self, execution_id: str, artifact: str, filename: str) -> str:
        return f"{self._exec_prefix(execution_id)}/summaries/{component(artifact)}/{component(filename)}.json"

    def put_summary(self, record: Record, summary: dict) -> None:
        """Store the summary of ``record``'s file (replacing one stored before)."""
        key = self._summary_key(record.execution_id, record.artifact, record.filename)
        self.backend.write(key, json.dumps(summary, sort_keys=True, allow_nan=False).encode())

    def summary(self, record: Record) -> typing.Optional[dict]:
        """The summary stored for ``record``'s file, or None when there is none."""
        key = self._summary_key(record.execution_id, record.artifact, record.filename)
        try:
            return json.loads(self.backend.read_bytes(key))
        except ArtifactNotFoundError:
            return None

    # ---- versions and tags ------------------------------------------------------------------------------
    # Keys only; what a version, the newest one and a tag mean lives in ``versions.py``.
    @staticmethod
    def file_index_prefix(artifact: str, filename: str) -> str:
        """Where the runs that recorded ``artifact``/``filename`` are listed, newest first."""
        return f"index/files/{component(artifact)}/{component(filename)}"

    @staticmethod
    def artifact_index_prefix(artifact: str) -> str:
        """Where the runs that recorded a file of ``artifact`` are listed, newest first."""
        return f"index/artifacts/{component(artifact)}"

    @staticmethod
    def tag_prefix(artifact: str, tag: typing.Optional[str] = None) -> str:
        """Where the tags of ``artifact`` (or one of them) live."""
        base = f"tags/{component(artifact)}"
        return base if tag is None else f"{base}/{component(tag)}"

    @staticmethod
    def uses_prefix(artifact: str, filename: str, execution_id: str) -> str:
        """Where the later runs that consumed one version of a file are listed."""
        return f"index/uses/{component(artifact)}/{component(filename)}/{component(execution_id)}"

    def execution_key(self, execution_id: str, *parts: str) -> str:
        """A key inside an execution's folder (``parts`` are path components, already safe)."""
        return "/".join((self._exec_prefix(execution_id), *parts))

    def read_json(self, key: str) -> typing.Any:
        """The JSON document at ``key``."""
        return json.loads(self.backend.read_bytes(key))

    def execution_info(self, execution_id: str) -> dict:
        """The run's ``execution.json`` (id, project, domain, workflow, created_at, and status when known)."""
        return self.read_json(f"{self._exec_prefix(execution_id)}/execution.json")

    def _index_file(self, record: Record, run: dict, ms: int) -> None:
        entry = {**run, "artifact": record.artifact, "filename": record.filename, "sha256": record.sha256}
        name = f"{_inverted(ms)}_{component(record.execution_id)}"
        prefix = self.file_index_prefix(record.artifact, record.filename)
        self.backend.write_once(f"{prefix}/{name}", json.dumps(entry).encode())

    def newest_names(self, prefix: str, limit: int) -> typing.List[str]:
        """The first ``limit`` names under an index prefix (newest first), without listing the rest when the
        backend can stop early."""
        first = getattr(self.backend, "list_children_first", None)
        if first is not None:
            return first(prefix, limit)
        return self.backend.list_children(prefix)[:limit]

    @staticmethod
    def inverted_now() -> str:
        """The current time as an index name prefix that sorts newest first."""
        return _inverted(int(time.time() * 1000))
