"""Named, typed artifacts for Flyte workflows.

    DataArtifact = Artifact(name="My Data", type=DATA)

    @task
    def prep() -> DataArtifact.File(name="data.csv"): ...
"""

from ._flytekit import install as _install
from .command import CommandFailedError, CommandTask, Input, Output, run_command_task
from .declaration import DATA, MODEL, REPORT, Artifact, ArtifactType, FileDeclaration
from .errors import (
    ArtifactError,
    ArtifactNotFoundError,
    ArtifactTypeError,
    ArtifactValueError,
    DuplicateArtifactFileError,
)
from .export import ExportArtifactFilesToDatasetSpec, ExportArtifactToDatasetsSpec, run_launch_export_artifacts_task
from .store import ArtifactStore, Record

_install()

__all__ = [
    "Artifact",
    "ArtifactType",
    "DATA",
    "MODEL",
    "REPORT",
    "FileDeclaration",
    "ArtifactError",
    "ArtifactValueError",
    "ArtifactTypeError",
    "ArtifactNotFoundError",
    "DuplicateArtifactFileError",
    "ArtifactStore",
    "Record",
    "ExportArtifactToDatasetsSpec",
    "ExportArtifactFilesToDatasetSpec",
    "run_launch_export_artifacts_task",
    "CommandTask",
    "CommandFailedError",
    "Input",
    "Output",
    "run_command_task",
]
