"""What datasets are made of: a dataset, its snapshots and their files, and the rules for names and paths."""

from __future__ import annotations

import re
import typing
from dataclasses import asdict, dataclass, field, fields

from ...errors import ArtifactNotFoundError, ArtifactValueError
from ...store.artifact_store import Record
from ...store.declaration import MAX_NAME_LENGTH, RESERVED_PREFIXES, check_name_text

ID_RE = re.compile(r"^[0-9a-f]{24}$")


@dataclass(frozen=True)
class Dataset:
    """A named collection of files at a folder or S3 prefix."""

    id: str
    name: str
    uri: str
    created_at: str

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Dataset":
        return cls(**{f.name: d[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class SnapshotFile:
    """One file of a snapshot and where it came from."""

    path: str
    size: int
    sha256: str
    key: str  # where the bytes are, relative to the dataset's URI
    artifact: str = ""
    filename: str = ""
    type: str = ""
    execution_id: str = ""
    node_id: str = ""
    task: str = ""
    output_name: str = ""
    source_uri: str = ""
    #: "" for the recorded bytes as they are, "dataset-json" for the recorded table written as Dataset-JSON
    format: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "SnapshotFile":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass(frozen=True)
class DatasetSnapshot:
    """One numbered, immutable snapshot of a dataset: its files and the run it came from."""

    dataset_id: str
    dataset_name: str
    number: int
    created_at: str
    execution_id: str
    project: str
    domain: str
    workflow: str
    node_id: str
    run_key: str
    files: typing.Tuple[SnapshotFile, ...] = field(default_factory=tuple)

    @property
    def file_count(self) -> int:
        return len(self.files)

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.files)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["files"] = [f.as_dict() for f in self.files]
        d["file_count"] = self.file_count
        d["bytes"] = self.bytes
        return d

    def summary(self) -> dict:
        """The listing row: everything but the files."""
        d = self.as_dict()
        del d["files"]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "DatasetSnapshot":
        names = {f.name for f in fields(cls)} - {"files"}
        return cls(
            **{k: v for k, v in d.items() if k in names}, files=tuple(SnapshotFile.from_dict(f) for f in d["files"])
        )

    def file(self, path: str) -> SnapshotFile:
        for f in self.files:
            if f.path == path:
                return f
        have = ", ".join(f.path for f in self.files) or "none"
        raise ArtifactNotFoundError(
            f"snapshot {self.number} of dataset {self.dataset_name!r} has no file {path!r} (it has: {have})"
        )


@dataclass(frozen=True)
class Converted:
    """A recorded file written in another format on this machine (``path``), with its size and sha256."""

    path: str
    size: int
    sha256: str
    format: str


@dataclass(frozen=True)
class ExportItem:
    """A recorded file to put into a snapshot at ``path``: its bytes, or (``converted``) another format of them."""

    path: str
    record: Record
    converted: typing.Optional[Converted] = None


@dataclass(frozen=True)
class ExportOutcome:
    """The snapshot an export committed (or, on a retry, found already committed)."""

    snapshot: DatasetSnapshot
    reused: bool  # True when a retry found the snapshot its run had already committed


def validate_dataset_name(name: typing.Any) -> str:
    """``name`` if it can name a dataset, else an error naming the rule it breaks."""
    if not isinstance(name, str) or not name.strip():
        raise ArtifactValueError(
            f"dataset name must be a non-empty string, got {name!r}: e.g. `datasets create clean-data --uri ...`"
        )
    name = check_name_text(name, "dataset name")
    if len(name) > MAX_NAME_LENGTH:
        raise ArtifactValueError(
            f"dataset name is {len(name)} characters long, the limit is {MAX_NAME_LENGTH}: shorten {name[:40]!r}..."
        )
    if "/" in name or not name.isprintable() or name != name.strip():
        raise ArtifactValueError(
            f"dataset name {name!r} contains '/', a non-printable character or surrounding spaces: "
            "use printable characters only"
        )
    if ID_RE.match(name):
        raise ArtifactValueError(
            f"dataset name {name!r} looks like a dataset id (24 hex digits): pick a name that does not"
        )
    return name


def validate_snapshot_path(path: typing.Any) -> str:
    """A path inside a snapshot: relative, '/'-separated, no '.' or '..' parts."""
    if not isinstance(path, str) or not path:
        raise ArtifactValueError(f"a path inside a dataset must be a non-empty string, got {path!r}")
    path = check_name_text(path, "path") if "\0" not in path else path
    parts = path.split("/")
    if any(p.startswith(RESERVED_PREFIXES) for p in parts):
        raise ArtifactValueError(
            f"path {path!r} has a part starting with '.tmp-', which datasets reserve for unfinished writes: rename it"
        )
    if path.startswith("/") or "\\" in path or "\0" in path or any(p in ("", ".", "..") for p in parts):
        raise ArtifactValueError(
            f"path {path!r} is not a plain relative path inside a dataset (no leading '/', no '.', '..', '\\\\' or "
            "empty parts): use e.g. 'data.csv' (`datasets show DATASET` lists the paths)"
        )
    return path


def _inside(a: str, b: str) -> bool:
    """Whether location ``a`` is ``b`` or below it."""
    return a == b or a.startswith(b.rstrip("/") + "/")


def overlaps(a: str, b: str) -> bool:
    """Whether two locations share files (one is the other, or below it)."""
    return _inside(a, b) or _inside(b, a)
