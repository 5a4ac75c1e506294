"""Mirrors Domino's ``flytekitplugins.domino.artifact``: the plugin's artifact declarations and exports under the
module path Domino flows import them from."""

from ..flyte.artifact import Artifact
from ..flyte.export import (
    ExportArtifactFilesToDatasetSpec,
    ExportArtifactToDatasetsSpec,
    run_launch_export_artifacts_task,
)
from ..store.declaration import DATA, MODEL, REPORT, ArtifactType

__all__ = [
    "Artifact",
    "ArtifactType",
    "DATA",
    "MODEL",
    "REPORT",
    "ExportArtifactToDatasetsSpec",
    "ExportArtifactFilesToDatasetSpec",
    "run_launch_export_artifacts_task",
]
