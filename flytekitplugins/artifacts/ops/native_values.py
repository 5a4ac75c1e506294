"""Values declared with flytekit's own ``Artifact``, recorded and read back with no artifact service.

A task output annotated ``Annotated[T, A]`` (flytekit's ``Artifact``) becomes one record of artifact ``A.name``,
kind DATA, in the same store, records and indexes as the plugin's own files. Its file is named after the artifact
(``value_filename``), so every version of the artifact is one file's history and "the newest where region=SEA" is
a partition index read. The record's ``value`` says what the value is; the Literal flytekit serialized for it is
kept beside the record (``keys.literal_key``, named by its sha256), so a later run can be given the same value. The
value's bytes (a table as Parquet, a file, a folder as a tar, a scalar or a dataclass as JSON) are the record's
bytes, stored and checked like any artifact file.

Pure Python: ``flyte/native.py`` turns flytekit outputs into :class:`NativeValue` objects, and back.
"""

from __future__ import annotations

import hashlib
import typing
from dataclasses import dataclass, field

from ..backends import IntegrityError
from ..errors import ArtifactNotFoundError, ArtifactValueError
from ..store.artifact_store import ArtifactStore, Record, store_for_run
from ..store.declaration import check_name_text
from ..store.identity import current_identity
from ..store.keys import literal_key, record_key
from ..store.partitions import validate_key, validate_value
from .recording import record_files

#: ``Record.value["source"]`` of a value declared with flytekit's own ``Artifact``.
FLYTEKIT = "flytekit"

#: The partition key a flytekit time partition is recorded under (the name flytekit's service gives it).
TIME_PARTITION_KEY = "ds"

#: What a recorded value is, and the file type its bytes are stored as.
KIND_FILE_TYPES = {"table": "parquet", "directory": "tar", "scalar": "json", "json": "json", "literal": "pb"}


@dataclass
class NativeValue:
    """One flytekit output declared as an artifact version: where its bytes are and what it is."""

    artifact: str
    task: str
    workflow: str
    output_name: str
    kind: str  # table, file, directory, scalar, json or literal
    python_type: str
    file_type: str
    uri: str  # the value's bytes: a local file written for it, or the object flytekit uploaded
    literal: bytes  # flytekit's serialized Literal (protobuf)
    partitions: typing.Dict[str, str] = field(default_factory=dict)
    node_id: str = ""


def value_filename(artifact: str) -> str:
    """The file name a flytekit artifact's versions are recorded under: its name, made a safe file name."""
    name = check_name_text(artifact, "flytekit Artifact name")
    if not name.strip():
        raise ArtifactValueError(f"flytekit Artifact name {artifact!r} is blank: give the Artifact a name")
    safe = "".join("_" if c in "/\\\0" else c for c in name)
    if safe in (".", ".."):
        safe = f"_{safe}"
    if len(safe.encode()) > 255:
        raise ArtifactValueError(
            f"flytekit Artifact name {artifact[:40]!r}... is {len(safe.encode())} bytes long; the limit is 255"
        )
    return safe


def checked_partitions(artifact: str, values: typing.Mapping[str, typing.Any]) -> typing.Dict[str, str]:
    """Partition values as the store keeps them (bad keys or values raise naming the artifact)."""
    out = {}
    for key, value in values.items():
        try:
            out[validate_key(key)] = validate_value(key, value)
        except ArtifactValueError as e:
            raise ArtifactValueError(f"flytekit Artifact {artifact!r}: {e}") from None
    return out


def _item(ident, v: NativeValue, filename: str, literal_sha: str) -> dict:
    return {
        "workflow": v.workflow,
        "node_id": v.node_id or v.output_name,
        "task": v.task,
        "output_name": v.output_name,
        "artifact": v.artifact,
        "type": "DATA",
        "filename": filename,
        "file_type": v.file_type,
        "partitions": {k: {"value": text} for k, text in sorted(v.partitions.items())},
        "value": {
            "source": FLYTEKIT,
            "kind": v.kind,
            "python_type": v.python_type,
            "literal": {
                "key": literal_key(ident.execution_id, v.artifact, filename, literal_sha),
                "size": len(v.literal),
                "sha256": literal_sha,
            },
        },
    }


def record_values(values: typing.Sequence[NativeValue], store: typing.Optional[ArtifactStore] = None
                  ) -> typing.List[Record]:
    """Record each value as a version of its artifact for the current execution (see the module docstring).

    Each Literal is written (once, under its sha256) before the record that names it, so no record points at a
    Literal that is not there."""
    if not values:
        return []
    ident = current_identity()
    store = store or store_for_run(ident.local)
    names = [value_filename(v.artifact) for v in values]
    try:
        store.backend.check_usable()  # before any byte is written
    except ArtifactValueError as e:
        raise ArtifactValueError(
            f"flytekit Artifact {values[0].artifact!r} of task {values[0].task!r} cannot be recorded: {e} (the store "
            "root is $FLYTE_ARTIFACTS_ROOT)"
        ) from None
    seen: typing.Dict[str, str] = {}
    for v, name in zip(values, names):
        if name in seen:
            raise ArtifactValueError(
                f"task {v.task!r} returns flytekit Artifact {v.artifact!r} twice (outputs {seen[name]!r} and "
                f"{v.output_name!r}): one task output is one version; declare another Artifact for the other"
            )
        seen[name] = v.output_name
    items = []
    for v, name in zip(values, names):
        _check_first(store, ident.execution_id, v, name)
        sha = hashlib.sha256(v.literal).hexdigest()
        item = _item(ident, v, name, sha)
        store.backend.write_once(item["value"]["literal"]["key"], v.literal)
        items.append(item)
    return record_files({"files": items, "code_version": None}, [v.uri for v in values], store)


def _check_first(store: ArtifactStore, execution_id: str, v: NativeValue, filename: str) -> None:
    """Refuse a second version of one artifact in one run (a retried task, recording the same output, is fine)."""
    if not store.backend.exists(record_key(execution_id, v.artifact, filename)):
        return
    try:
        have = store.record(execution_id, v.artifact, filename)
    except ArtifactNotFoundError:
        return  # a damaged record: add_record writes the new one whole
    if have.task != v.task or have.output_name != v.output_name or have.partitions != v.partitions:
        raise ArtifactValueError(
            f"run {execution_id!r} already made a version of flytekit Artifact {v.artifact!r} (task {have.task!r}, "
            f"partitions {_shown(have.partitions)}), and task {v.task!r} makes another (partitions "
            f"{_shown(v.partitions)}): the store keeps one version of an artifact per run; produce the other in its "
            "own run, or declare it with another Artifact"
        )


def _shown(partitions: typing.Mapping[str, str]) -> str:
    return ", ".join(f"{k}={val}" for k, val in sorted(partitions.items())) or "none"


def is_native(record: Record) -> bool:
    """Whether ``record`` is a value declared with flytekit's own ``Artifact``."""
    return bool(record.value) and record.value.get("source") == FLYTEKIT


def stored_literal(store: ArtifactStore, record: Record) -> bytes:
    """The Literal bytes kept for ``record``, checked against their recorded sha256."""
    if not is_native(record):
        raise ArtifactValueError(
            f"{record.artifact!r}/{record.filename!r} of run {record.execution_id!r} is a file recorded with the "
            "plugin's Artifact.File, not a flytekit Artifact value: query it with the plugin's Artifact.query"
        )
    meta = record.value["literal"]  # type: ignore[index]
    try:
        data = store.backend.read_bytes(meta["key"])
    except ArtifactNotFoundError:
        raise ArtifactNotFoundError(
            f"the Literal of {record.artifact!r} in run {record.execution_id!r} is missing from the store at "
            f"{store.root!r} ({meta['key']}): `flyte-artifacts verify -e {record.execution_id}` says more"
        ) from None
    sha = hashlib.sha256(data).hexdigest()
    if sha != meta["sha256"] or len(data) != meta["size"]:
        raise IntegrityError(
            f"the Literal of {record.artifact!r} in run {record.execution_id!r} ({meta['key']}) no longer matches "
            f"its record (read {len(data)} bytes with sha256 {sha[:12]}..., recorded {meta['size']} bytes with "
            f"sha256 {meta['sha256'][:12]}...): it was changed or damaged after it was recorded"
        )
    return data
