"""Named, typed artifacts for Flyte workflows.

    DataArtifact = Artifact(name="My Data", type=DATA)

    @task
    def prep() -> DataArtifact.File(name="data.csv"): ...

Public names are resolved lazily (PEP 562), so importing the package costs nothing: the store and the CLI load
without flytekit or boto3, and the Flyte side (``flyte/``) loads, and patches flytekit, when one of its names is
first used (flytekit also loads it through the ``flytekit.plugins`` entry point).
"""

from __future__ import annotations

import importlib
import typing

# public name -> module that defines it (relative to this package)
_NAMES: typing.Dict[str, str] = {
    "Artifact": ".flyte.artifact",
    "Inputs": ".flyte.artifact",
    "ArtifactFileQuery": ".flyte.query",
    "register_handler": ".flyte.handlers",
    "ValueHandler": ".flyte.handlers",
    "ExportArtifactToDatasetsSpec": ".flyte.export",
    "ExportArtifactFilesToDatasetSpec": ".flyte.export",
    "run_launch_export_artifacts_task": ".flyte.export",
    "ArtifactType": ".store.declaration",
    "DATA": ".store.declaration",
    "MODEL": ".store.declaration",
    "REPORT": ".store.declaration",
    "FileDeclaration": ".store.declaration",
    "ArtifactError": ".errors",
    "ArtifactValueError": ".errors",
    "ArtifactTypeError": ".errors",
    "ArtifactNotFoundError": ".errors",
    "DuplicateArtifactFileError": ".errors",
    "ArtifactStore": ".store.artifact_store",
    "Record": ".store.artifact_store",
    "DatasetCatalog": ".ops.datasets",
    "CommandTask": ".flyte.command",
    "CommandFailedError": ".flyte.command",
    "Input": ".flyte.command",
    "Output": ".flyte.command",
    "run_command_task": ".flyte.command",
    "DominoJobTask": ".domino",
    "DominoJobConfig": ".domino",
    "run_domino_job_task": ".domino",
    "Trigger": ".flyte.triggers",
    "on_artifact": ".flyte.triggers",
    "triggers_sweep": ".flyte.triggers",
}

__all__ = [
    "Artifact",
    "Inputs",
    "ArtifactError",
    "ArtifactNotFoundError",
    "ArtifactFileQuery",
    "ArtifactStore",
    "ArtifactType",
    "ArtifactTypeError",
    "ArtifactValueError",
    "CommandFailedError",
    "CommandTask",
    "DATA",
    "DatasetCatalog",
    "DominoJobConfig",
    "DominoJobTask",
    "DuplicateArtifactFileError",
    "ExportArtifactFilesToDatasetSpec",
    "ExportArtifactToDatasetsSpec",
    "FileDeclaration",
    "Input",
    "MODEL",
    "Output",
    "REPORT",
    "Record",
    "Trigger",
    "ValueHandler",
    "on_artifact",
    "register_handler",
    "triggers_sweep",
    "run_command_task",
    "run_domino_job_task",
    "run_launch_export_artifacts_task",
]


#: Old public names still importable, with a DeprecationWarning: old name -> (new name, why).
_DEPRECATED: typing.Dict[str, typing.Tuple[str, str]] = {
    "ArtifactQuery": ("ArtifactFileQuery", "flytekit has its own ArtifactQuery, a different class"),
}


def __getattr__(name: str) -> typing.Any:
    if name in _DEPRECATED:
        import warnings

        new, why = _DEPRECATED[name]
        warnings.warn(f"flytekitplugins.artifacts.{name} is deprecated, use {new} ({why})", DeprecationWarning,
                      stacklevel=2)
        return __getattr__(new)
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> typing.List[str]:
    return sorted(set(globals()) | set(_NAMES))


if typing.TYPE_CHECKING:
    from .domino import DominoJobConfig, DominoJobTask, run_domino_job_task
    from .errors import (
        ArtifactError,
        ArtifactNotFoundError,
        ArtifactTypeError,
        ArtifactValueError,
        DuplicateArtifactFileError,
    )
    from .flyte.artifact import Artifact
    from .flyte.command import CommandFailedError, CommandTask, Input, Output, run_command_task
    from .flyte.export import (
        ExportArtifactFilesToDatasetSpec,
        ExportArtifactToDatasetsSpec,
        run_launch_export_artifacts_task,
    )
    from .flyte.handlers import ValueHandler, register_handler
    from .flyte.query import ArtifactFileQuery
    from .flyte.triggers import Trigger, on_artifact, triggers_sweep
    from .ops.datasets import DatasetCatalog
    from .store.artifact_store import ArtifactStore, Record
    from .store.declaration import DATA, MODEL, REPORT, ArtifactType, FileDeclaration
