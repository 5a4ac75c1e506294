"""Domino Flows' names, so a Domino flow runs on open-source Flyte by changing its import lines only.

=======================================  ================================================
Domino                                   this plugin
=======================================  ================================================
``flytekitplugins.domino.task``          ``flytekitplugins.artifacts.domino.task``
``flytekitplugins.domino.helpers``       ``flytekitplugins.artifacts.domino.helpers``
``flytekitplugins.domino.artifact``      ``flytekitplugins.artifacts.domino.artifact``
=======================================  ================================================

Every name of those three modules is also importable from this package.
"""

from .artifact import (
    DATA,
    MODEL,
    REPORT,
    Artifact,
    ArtifactType,
    ExportArtifactFilesToDatasetSpec,
    ExportArtifactToDatasetsSpec,
    run_launch_export_artifacts_task,
)
from .helpers import Input, Output, run_domino_job_task
from .paths import DominoPathsError
from .task import (
    DatasetSnapshot,
    DominoJobConfig,
    DominoJobConfigError,
    DominoJobTask,
    EnvironmentRevisionSpecification,
    EnvironmentRevisionType,
    GitRef,
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
    "Input",
    "Output",
    "run_domino_job_task",
    "DominoJobConfig",
    "DominoJobTask",
    "DominoJobConfigError",
    "DominoPathsError",
    "GitRef",
    "EnvironmentRevisionSpecification",
    "EnvironmentRevisionType",
    "DatasetSnapshot",
]
