"""Cheap facts about a run for listings: its files per artifact without reading every record.

One listing of ``executions/<exec>/records/`` names every file of a run (``<artifact>/<filename>.json``), so the
number of files per artifact comes without reading the records; the artifact's real name, its type and the code
version come from one record per artifact. A page then reads only the records it shows (:func:`read_records`).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field

from ..errors import ArtifactNotFoundError
from .artifact_store import ArtifactStore, Record, record_from
from .declaration import type_rank
from .jsonfiles import read_json_or_warn
from .keys import records_prefix


@dataclass
class ArtifactFiles:
    """The files one run recorded for one artifact: record keys in key order, and the artifact's type."""

    name: str
    type: str
    keys: typing.List[str] = field(default_factory=list)
    code_version: typing.Optional[str] = None


@dataclass
class RunFiles:
    """Every file of a run, grouped by artifact in page order (DATA, MODEL, REPORT, then other types; by name)."""

    execution_id: str
    artifacts: typing.List[ArtifactFiles]

    @property
    def count(self) -> int:
        """Number of files."""
        return sum(len(a.keys) for a in self.artifacts)

    def counts(self) -> typing.Dict[str, int]:
        """Files per artifact type."""
        out: typing.Dict[str, int] = {}
        for a in self.artifacts:
            out[a.type] = out.get(a.type, 0) + len(a.keys)
        return out

    def keys(self) -> typing.List[str]:
        """Record keys in page order."""
        return [k for a in self.artifacts for k in a.keys]

    def code_versions(self) -> typing.List[str]:
        """The code versions the artifacts were recorded with (one record per artifact is read)."""
        return sorted({a.code_version for a in self.artifacts if a.code_version})


def _record_at(store: ArtifactStore, key: str) -> typing.Optional[Record]:
    d = read_json_or_warn(store.backend, key)
    try:
        return record_from(store.backend, d) if d is not None else None
    except TypeError:  # fields missing: a damaged record, skipped as the store skips it
        return None


def run_files(store: ArtifactStore, execution_id: str) -> RunFiles:
    """A run's files from one listing of its records and one record read per artifact (damaged ones skipped)."""
    if not store.has_execution(execution_id):
        raise ArtifactNotFoundError(f"no execution {execution_id!r} in the store at {store.root!r}")
    prefix = records_prefix(execution_id) + "/"
    by_component: typing.Dict[str, typing.List[str]] = {}
    for key in store.backend.list(prefix.rstrip("/")):
        rest = key[len(prefix):]
        if "/" not in rest or not rest.endswith(".json"):
            continue
        by_component.setdefault(rest.split("/", 1)[0], []).append(key)
    artifacts = []
    for keys in by_component.values():
        first = None
        for key in keys:  # the first readable record names the artifact and its type
            first = _record_at(store, key)
            if first is not None:
                break
        if first is not None:
            artifacts.append(ArtifactFiles(first.artifact, first.type, sorted(keys), first.code_version))
    artifacts.sort(key=lambda a: (type_rank(a.type), a.name))
    return RunFiles(execution_id, artifacts)


def read_records(store: ArtifactStore, keys: typing.Iterable[str]) -> typing.List[Record]:
    """The records at ``keys`` (damaged ones skipped)."""
    return [r for r in (_record_at(store, k) for k in keys) if r is not None]


def listing_stamp(store: ArtifactStore, prefix: str, settle_seconds: float = 1.0) -> typing.Optional[int]:
    """A value that changes whenever a name is added under or removed from ``prefix``, when one is cheap to get
    (:meth:`Backend.listing_stamp`: on a local store the folder's modification time). None means: no stamp, list
    again."""
    return store.backend.listing_stamp(prefix, settle_seconds)
