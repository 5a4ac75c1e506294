"""Mirrors Domino's ``flytekitplugins.domino.artifact``: the plugin's artifact declarations and exports under the
module path Domino flows import them from."""

from ..declaration import DATA, MODEL, REPORT, ArtifactType
from ..flyte.artifact import Artifact
from ..flyte.export import (
    ExportArtifactFilesToDatasetSpec,
    ExportArtifactToDatasetsSpec,
    run_launch_export_artifacts_task,
)

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
