"""Exporting artifacts into datasets from inside a workflow: the specs and ``run_launch_export_artifacts_task``.

The call only notes the request in the workflow body being run; ``wiring.py`` adds the export node once the body
has returned, so the node can depend on every producer, including outputs the workflow returns after the call.
"""

from __future__ import annotations

import datetime
import typing
from dataclasses import dataclass, field

from .declaration import Artifact, validate_artifact_name
from .errors import ArtifactTypeError, ArtifactValueError
from .transformer import declaration_of


def _check_dataset_id(dataset_id: typing.Any) -> str:
    if not isinstance(dataset_id, str):
        raise ArtifactTypeError(f"dataset_id must be a string, got {dataset_id!r} of type {type(dataset_id).__name__}")
    if not dataset_id.strip():
        raise ArtifactValueError(f"dataset_id must not be empty, got {dataset_id!r}: use `flyte-artifacts datasets list` to find one")
    return dataset_id


@dataclass(frozen=True)
class ExportArtifactToDatasetsSpec:
    """Export every file of ``artifact`` into the dataset ``dataset_id`` (an id or a name)."""

    artifact: Artifact
    dataset_id: str

    def __post_init__(self):
        if not isinstance(self.artifact, Artifact):
            raise ArtifactTypeError(
                f"ExportArtifactToDatasetsSpec.artifact must be an Artifact(...), got {self.artifact!r}"
            )
        _check_dataset_id(self.dataset_id)

    def artifact_names(self) -> typing.Set[str]:
        return {self.artifact.name}

    def as_dict(self) -> dict:
        return {"dataset_id": self.dataset_id, "artifact": self.artifact.name, "files": None}


@dataclass(frozen=True)
class ExportArtifactFilesToDatasetSpec:
    """Export chosen files (``Artifact.File(...)`` types) into the dataset ``dataset_id``."""

    files: typing.Sequence[typing.Any]
    dataset_id: str
    _pairs: typing.Tuple[typing.Tuple[str, str], ...] = field(init=False, repr=False, default=())

    def __post_init__(self):
        _check_dataset_id(self.dataset_id)
        if isinstance(self.files, (str, bytes)) or not isinstance(self.files, typing.Sequence) or not self.files:
            raise ArtifactValueError(
                f"ExportArtifactFilesToDatasetSpec.files must be a non-empty list of Artifact.File(...) types, got {self.files!r}"
            )
        pairs = []
        for f in self.files:
            decl = declaration_of(f)
            if decl is None:
                raise ArtifactTypeError(f"{f!r} is not an Artifact.File(...) type: pass e.g. DataArtifact.File(name='data.csv')")
            pairs.append((validate_artifact_name(decl.artifact), decl.filename))
        object.__setattr__(self, "_pairs", tuple(pairs))

    def artifact_names(self) -> typing.Set[str]:
        return {a for a, _ in self._pairs}

    def as_dict(self) -> dict:
        return {"dataset_id": self.dataset_id, "artifact": None, "files": [list(p) for p in self._pairs]}


Spec = typing.Union[ExportArtifactToDatasetsSpec, ExportArtifactFilesToDatasetSpec]


@dataclass
class ExportRequest:
    specs: typing.List[Spec]
    retries: int = 0
    timeout: typing.Union[datetime.timedelta, int] = datetime.timedelta(hours=3)
    container_image: typing.Optional[str] = None
    requests: typing.Any = None
    limits: typing.Any = None


def run_launch_export_artifacts_task(
    spec_list: typing.List[Spec],
    retries: int = 0,
    timeout: typing.Union[datetime.timedelta, int] = datetime.timedelta(hours=3),
    container_image: typing.Optional[str] = None,
    requests: typing.Any = None,
    limits: typing.Any = None,
    **ignored: typing.Any,
) -> None:
    """Add an export node to the workflow being defined: after every node producing a file of the listed artifacts,
    it writes one new snapshot per target dataset. Call it inside a ``@workflow`` body.

    Domino-only arguments (``environment_name``, ``hardware_tier_id``, ``use_project_defaults_for_omitted``...)
    are accepted and ignored, so flows port unchanged.
    """
    from ._flytekit import current_frame

    if not isinstance(spec_list, (list, tuple)) or not spec_list:
        raise ArtifactValueError(
            f"spec_list must be a non-empty list of ExportArtifactToDatasetsSpec/ExportArtifactFilesToDatasetSpec, got {spec_list!r}"
        )
    for s in spec_list:
        if not isinstance(s, (ExportArtifactToDatasetsSpec, ExportArtifactFilesToDatasetSpec)):
            raise ArtifactTypeError(f"spec_list item {s!r} is not an ExportArtifactToDatasetsSpec or ExportArtifactFilesToDatasetSpec")
    if not isinstance(retries, int) or retries < 0:
        raise ArtifactValueError(f"retries must be a whole number >= 0, got {retries!r}")
    frame = current_frame()
    if frame is None:
        raise ArtifactValueError("run_launch_export_artifacts_task(...) must be called inside a @workflow function body")
    frame.exports.append(ExportRequest(list(spec_list), retries, timeout, container_image, requests, limits))


def add_export_nodes(plan, requests, recorded, nodes_by_id) -> None:  # pragma: no cover - filled in by the export layer
    raise NotImplementedError("dataset export is not built yet")


def run_exports_locally(plan, requests, recorded) -> None:  # pragma: no cover - filled in by the export layer
    raise NotImplementedError("dataset export is not built yet")
