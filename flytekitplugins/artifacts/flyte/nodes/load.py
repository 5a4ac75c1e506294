"""The value nodes' tasks: an artifact file read into the value a downstream task takes.

A task input declared ``pd.DataFrame``, ``pyarrow.Table``, ``StructuredDataset`` or ``dict`` bound to an artifact
file (a task output, a query) gets it through one of these tasks, added as a node ``artifacts-value-<n>`` in front of it
(``../dataframes.py``): its Flyte types match on both sides, so a registered workflow type-checks, and the same
code reads the file locally and in a pod. The file's format is its extension (the recorded filename). ``modules``
names the modules that registered handlers (``register_handler``); the node's pod imports them first, since it
loads only this module otherwise.

``resolve_dataframe`` and ``resolve_arrow_table`` are query nodes for workflow inputs declared as such a type whose
default is a query: the value passed, or the queried file read into it.

This module imports pandas and pyarrow, so the plugin imports it only when a workflow needs one of them (with no
compilation state, so its tasks keep their module-level names: ``internals.import_outside_compilation``).
"""

from __future__ import annotations

import json
import os

import pandas as pd
import pyarrow as pa
from flytekit import task
from flytekit.types.file import FlyteFile
from flytekit.types.structured import StructuredDataset

from ...errors import ArtifactTypeError
from ...ops.summaries.filetypes import normalize_file_type
from ...ops.summaries.frames import _arrow, _pandas, read_frame
from ..handlers import import_handler_modules
from .given import given as given_type
from .resolve import named_file, resolve_query

__all__ = ["load_arrow_table", "load_dataframe", "load_dict", "load_structured_dataset", "resolve_arrow_table",
           "resolve_dataframe", "resolve_structured_dataset"]


def read_file(path: str, wanted: str) -> object:
    """The value in the file at ``path`` (by its extension), for an input of type ``wanted``."""
    name = os.path.basename(path)
    if not normalize_file_type(None, path):
        raise ArtifactTypeError(
            f"file {name!r} has no extension, so it cannot be read into a {wanted}: name the artifact file with "
            "the extension of its format (adsl.parquet, adsl.csv, model.joblib)"
        )
    return read_frame(path)


def _frame(path: str, wanted: str) -> object:
    value = read_file(path, wanted)
    if not (isinstance(value, (pd.DataFrame, pa.Table))):
        raise ArtifactTypeError(
            f"{os.path.basename(path)!r} holds a {type(value).__name__}, not a table, so it cannot be a {wanted}: "
            f"declare the input as {type(value).__name__}, or as FlyteFile"
        )
    return value


@task
def load_dataframe(file: FlyteFile, modules: str = "") -> pd.DataFrame:
    """The table in ``file`` as a pandas DataFrame."""
    import_handler_modules(modules)
    return _pandas(_frame(file.download(), "pandas.DataFrame"))


@task
def load_arrow_table(file: FlyteFile, modules: str = "") -> pa.Table:
    """The table in ``file`` as a pyarrow Table."""
    import_handler_modules(modules)
    return _arrow(_frame(file.download(), "pyarrow.Table"))


@task
def load_structured_dataset(file: FlyteFile, modules: str = "") -> StructuredDataset:
    """The table in ``file`` as a StructuredDataset (of a pandas DataFrame)."""
    import_handler_modules(modules)
    return StructuredDataset(dataframe=_pandas(_frame(file.download(), "StructuredDataset")))


@task
def load_dict(file: FlyteFile, modules: str = "") -> dict:
    """The dict in ``file`` (read by the format, or the handler, of its extension)."""
    import_handler_modules(modules)
    path = file.download()
    value = read_file(path, "dict")
    if not isinstance(value, dict):
        raise ArtifactTypeError(
            f"{os.path.basename(path)!r} holds a {type(value).__name__}, not a dict: declare the input as "
            f"{type(value).__name__}, or as FlyteFile"
        )
    return value


@task
def resolve_dataframe(query: str, given: given_type(pd.DataFrame) = None) -> pd.DataFrame:
    """``given``, or the queried file read into a pandas DataFrame."""
    if given is not None:
        return given
    return _pandas(_frame(named_file(resolve_query(json.loads(query))).download(), "pandas.DataFrame"))


@task
def resolve_arrow_table(query: str, given: given_type(pa.Table) = None) -> pa.Table:
    """``given``, or the queried file read into a pyarrow Table."""
    if given is not None:
        return given
    return _arrow(_frame(named_file(resolve_query(json.loads(query))).download(), "pyarrow.Table"))


@task
def resolve_structured_dataset(query: str, given: given_type(StructuredDataset) = None) -> StructuredDataset:
    """``given``, or the queried file read into a StructuredDataset."""
    if given is not None:
        return given
    frame = _frame(named_file(resolve_query(json.loads(query))).download(), "StructuredDataset")
    return StructuredDataset(dataframe=_pandas(frame))


for _t in (load_dataframe, load_arrow_table, load_structured_dataset, load_dict, resolve_dataframe,
           resolve_arrow_table, resolve_structured_dataset):
    _t._artifacts_internal = True  # type: ignore[attr-defined]
