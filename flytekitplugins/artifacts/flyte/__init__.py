"""The Flyte side of the plugin: the only code that touches flytekit internals.

Importing this package patches flytekit once (``patches.install``); flytekit imports it itself through the
``flytekit.plugins`` entry point, so a workflow module needs no import of its own for the patches. The registered
task modules (``recorder``, ``exporter``) are imported here, before any workflow is compiled: flytekit names a task
after the compilation it is defined in, which would make their loader arguments point at a workflow.
"""

from .artifact import Artifact
from .export import (
    ExportArtifactFilesToDatasetSpec,
    ExportArtifactToDatasetsSpec,
    run_launch_export_artifacts_task,
)
from .patches import install

install()

__all__ = [
    "Artifact",
    "ExportArtifactFilesToDatasetSpec",
    "ExportArtifactToDatasetsSpec",
    "install",
    "run_launch_export_artifacts_task",
]
