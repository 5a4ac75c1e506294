"""Values of artifact files, both ways.

* Out: a task annotated ``-> DataArtifact.File(name="adsl.parquet")`` may return a pandas DataFrame or a pyarrow
  Table (or a value of a type registered with ``register_format`` or ``register_handler``); it is written in the
  format of the file type, then handled as the file it became.
* In: a task input declared ``pd.DataFrame``, ``pyarrow.Table``, ``StructuredDataset`` or ``dict`` that is given
  an artifact file (a task's output, a query, a workflow input's query default) inside a workflow body gets a
  value node in front of it, ``artifacts-value-<n>`` (``nodes/load.py``), which reads the file into that type.
  Its Flyte types match on both sides, so the registered workflow type-checks; locally the same task runs in the
  body. An input of a class
  with a handler needs no node (the handler's flytekit transformer reads the file); an input of a class flytekit
  would only pickle is refused, naming the class and ``register_handler``.
"""

from __future__ import annotations

import os
import typing

from flytekit.core.promise import Promise
from flytekit.types.file import FlyteFile

from ..errors import ArtifactTypeError
from ..ops.summaries.frames import FRAME_TYPES, _matches, accepts, frame_format, registered_formats, write_frame
from ..store.declaration import FileDeclaration
from .handlers import handler_for, handler_modules, type_name
from .internals import has_own_transformer, import_outside_compilation, promised_type

if typing.TYPE_CHECKING:
    from flytekit.core.context_manager import FlyteContext

    from .workflow_body import Frame

#: Prefix of the value nodes' ids.
VALUE_NODE_PREFIX = "artifacts-value-"
LOAD_MODULE = "flytekitplugins.artifacts.flyte.nodes.load"


def is_file_value(value: typing.Any) -> bool:
    """True for what flytekit handles as a file already: paths, ``FlyteFile``s and ``os.PathLike`` values."""
    return isinstance(value, (str, os.PathLike))


def wants_writing(value: typing.Any, declaration: FileDeclaration) -> bool:
    """True when ``value`` is not a file but a value to write into one (refused by ``write_value`` when nothing
    registered writes it)."""
    return value is not None and not is_file_value(value)


def writable_formats() -> typing.List[str]:
    """The registered file types that have a writer."""
    return [name for name in registered_formats() if frame_format(name).writer is not None]


def write_value(ctx: "FlyteContext", value: typing.Any, declaration: FileDeclaration) -> str:
    """Write ``value`` to a new local file named after the declared filename; returns its path."""
    if not accepts(value, declaration.file_type):
        t, ext = type_name(type(value)), declaration.file_type or "<extension>"
        where = f"{declaration.artifact!r}/{declaration.filename!r} got a {t}"
        if _matches(value, FRAME_TYPES):
            raise ArtifactTypeError(
                f"{where}, which cannot be written as file type {declaration.file_type!r} (DataFrame formats: "
                f"{', '.join(writable_formats())}): name the file with one of these extensions, register a writer "
                "with register_format(), or return a path"
            )
        raise ArtifactTypeError(
            f"{where}, which no handler writes as file type {declaration.file_type!r}: register one with "
            f"register_handler({t}, serialize, deserialize, extension={ext!r}), or return a path"
        )
    path = os.path.join(ctx.file_access.get_random_local_directory(), declaration.filename)
    write_frame(value, path, declaration.file_type)
    return path


# ---- inputs: files read into the values tasks take -----------------------------------------------------------


def _plain(t: typing.Any) -> typing.Any:
    """``t`` without ``Annotated[...]`` (None for an annotated artifact file: a file)."""
    if typing.get_origin(t) is typing.Annotated:
        return typing.get_args(t)[0]
    return t


def is_file_type(t: typing.Any) -> bool:
    """True for FlyteFile types, artifact files included."""
    t = _plain(t)
    return isinstance(t, type) and issubclass(t, FlyteFile)


def value_kind(t: typing.Any) -> typing.Optional[str]:
    """Which value node reads a file into ``t``: "dataframe", "arrow", "structured", "dict", or None (no node)."""
    t = _plain(t)
    name = f"{getattr(t, '__module__', '').split('.')[0]}.{getattr(t, '__qualname__', '')}"
    if name == "pandas.DataFrame":
        return "dataframe"
    if name == "pyarrow.Table":
        return "arrow"
    if name == "flytekit.StructuredDataset":
        return "structured"
    if t is dict or typing.get_origin(t) is dict:
        return "dict"
    return None


def _is_file_value(value: typing.Any, frame: "Frame") -> bool:
    if isinstance(value, Promise):
        if value.is_ready:
            blob = value.val.scalar.blob if value.val is not None and value.val.scalar is not None else None
            return blob is not None and blob.metadata.type.dimensionality == 0
        return is_file_type(promised_type(value, frame.workflow))
    return isinstance(value, FlyteFile)


def _load_task(kind: str) -> typing.Any:
    module = import_outside_compilation(LOAD_MODULE)
    return {"dataframe": module.load_dataframe, "arrow": module.load_arrow_table, "dict": module.load_dict,
            "structured": module.load_structured_dataset}[kind]


def _check_takes_file(entity: typing.Any, name: str, t: typing.Any) -> None:
    plain = _plain(t)
    if not isinstance(plain, type) or handler_for(plain) is not None or has_own_transformer(plain):
        return
    raise ArtifactTypeError(
        f"input {name!r} of {entity.name!r} is a {type_name(plain)} and is given an artifact file, but no handler "
        f"reads a {type_name(plain)} from a file: register one with register_handler({type_name(plain)}, serialize, "
        "deserialize, extension='joblib') before the workflow is defined, or declare the input as FlyteFile"
    )


def typed_inputs(entity: typing.Any, frame: "Frame", kwargs: dict) -> dict:
    """``kwargs`` of a call in a workflow body, with each artifact file given to a DataFrame, Table or dict input
    replaced by the output of a value node reading it (see the module docstring)."""
    out = dict(kwargs)
    declared = entity.python_interface.inputs
    for name, value in kwargs.items():
        t = declared.get(name)
        if t is None or is_file_type(t) or not _is_file_value(value, frame):
            continue
        kind = value_kind(t)
        if kind is None:
            _check_takes_file(entity, name, t)
            continue
        frame.values += 1
        promise = _load_task(kind)(file=value, modules=handler_modules())
        if not promise.is_ready:  # compiling: the node gets a name that says what it is
            promise = promise.with_overrides(node_name=f"{VALUE_NODE_PREFIX}{frame.values}")
        out[name] = promise
    return out
