"""``register_handler(python_type, serialize, deserialize, extension)``: Python objects as artifact files.

A handler says how one Python type becomes the bytes of a file and back: ``serialize(value, path)`` writes the
value to ``path``, ``deserialize(path)`` returns it. Once registered,

* a task may return such a value for an artifact file of that extension
  (``def fit() -> Models.File(name="model.joblib")``): the value is written with ``serialize`` and recorded like any
  file, bytes and sha256;
* a task may take the type as an input (``def score(model: Regressor)``), bound to that artifact file, to a query
  or to a query default: the file is read back with ``deserialize``. For a class flytekit has no type of its own
  for, the plugin registers a flytekit type transformer whose Flyte type is a file (a blob of the handler's
  extension), so a registered workflow type-checks and a pod reads the object from the file it is given. A type
  flytekit already handles (``dict``, ``pandas.DataFrame``) keeps flytekit's transformer; the plugin reads the
  file into it in a small node instead (``dataframes.py``).

A handler that raises is a clear error naming the handler, the value's type and the file; a file half written by
it is removed, so nothing of it is ever recorded.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import sys
import typing

from flytekit.core.context_manager import FlyteContext
from flytekit.core.type_engine import TypeEngine, TypeTransformer
from flytekit.models.core.types import BlobType
from flytekit.models.literals import Literal
from flytekit.models.types import LiteralType
from flytekit.types.file import FlyteFile

from ..errors import ArtifactError, ArtifactTypeError, ArtifactValueError
from ..ops.summaries.filetypes import normalize_file_type
from ..ops.summaries.frames import register_format
from .internals import has_own_transformer, register_transformer

__all__ = ["HandlerError", "ValueHandler", "handler_for", "handler_modules", "import_handler_modules",
           "register_handler", "type_name"]


class HandlerError(ArtifactError, RuntimeError):
    """A registered handler raised while writing or reading a value."""


def type_name(t: typing.Any) -> str:
    """``module.Class`` of a class (``builtins`` left out)."""
    if not isinstance(t, type):
        return repr(t)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


@dataclasses.dataclass(frozen=True)
class ValueHandler:
    """How values of ``python_type`` are written to (``serialize(value, path)``) and read from
    (``deserialize(path)``) files of type ``extension``."""

    python_type: type
    serialize: typing.Callable[[typing.Any, str], typing.Any]
    deserialize: typing.Callable[[str], typing.Any]
    extension: str

    def write(self, value: typing.Any, path: str) -> str:
        """Write ``value`` to ``path`` with the handler; on any failure nothing is left at ``path``."""
        try:
            self.serialize(value, path)
        except Exception as e:
            _remove(path)
            raise HandlerError(
                f"the handler of {type_name(self.python_type)} failed to write a {type(value).__name__} to "
                f"{os.path.basename(path)!r}: {type(e).__name__}: {e}. Nothing was recorded; fix the serialize "
                f"function given to register_handler({type_name(self.python_type)}, ...)"
            ) from e
        if not os.path.isfile(path):
            raise HandlerError(
                f"the handler of {type_name(self.python_type)} returned without writing {os.path.basename(path)!r}: "
                "serialize(value, path) must write the value to the file at path"
            )
        return path

    def read(self, path: str) -> typing.Any:
        """The value ``deserialize`` reads from ``path``."""
        try:
            value = self.deserialize(os.fspath(path))
        except Exception as e:
            raise HandlerError(
                f"the handler of {type_name(self.python_type)} failed to read {os.path.basename(path)!r}: "
                f"{type(e).__name__}: {e}. Fix the deserialize function given to register_handler, or check that "
                f"the file holds a {type_name(self.python_type)}"
            ) from e
        return value


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


_HANDLERS: typing.Dict[type, ValueHandler] = {}
#: Modules that registered handlers: a value node's pod imports them, as the tasks' own pods import theirs.
_MODULES: typing.Set[str] = set()


def handler_modules() -> str:
    """The modules that registered handlers, comma-separated (a value node's ``modules`` input)."""
    return ",".join(sorted(_MODULES))


def import_handler_modules(modules: str) -> None:
    """Import the modules named by :func:`handler_modules` (in a value node's pod), so their handlers exist."""
    for name in filter(None, modules.split(",")):
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except ImportError as e:
            raise HandlerError(
                f"module {name!r}, which registered artifact handlers, cannot be imported here ({e}): the image "
                "that runs the workflow's tasks must hold it"
            ) from e


def handler_for(t: typing.Any) -> typing.Optional[ValueHandler]:
    """The handler registered for ``t`` (or for the nearest base class of it), or None."""
    if not isinstance(t, type):
        return None
    for c in t.__mro__:
        if c in _HANDLERS:
            return _HANDLERS[c]
    return None


def _check(python_type, serialize, deserialize, extension) -> str:
    if not isinstance(python_type, type):
        raise ArtifactTypeError(
            f"register_handler needs a class as its first argument, got {python_type!r}: "
            "register_handler(MyModel, serialize, deserialize, extension='joblib')"
        )
    for role, fn in (("serialize", serialize), ("deserialize", deserialize)):
        if not callable(fn):
            raise ArtifactTypeError(
                f"register_handler({type_name(python_type)}, ...): {role} must be a function, got {fn!r}"
            )
    ext = normalize_file_type(extension) if isinstance(extension, str) else ""
    if not ext or "/" in ext or "\\" in ext or not ext.isprintable() or len(ext) > 32:
        raise ArtifactValueError(
            f"register_handler({type_name(python_type)}, ...): extension must be a file extension such as "
            f"'joblib', got {extension!r}"
        )
    return ext


def register_handler(python_type: type, serialize: typing.Callable, deserialize: typing.Callable,
                     extension: str) -> ValueHandler:
    """Let artifact files hold values of ``python_type`` (see the module docstring); returns the handler.

    ``serialize(value, path)`` writes ``value`` to the file ``path``; ``deserialize(path)`` returns the value;
    ``extension`` is the file type they use (``"joblib"``, ``"pkl"``, ``"json"``). Registering a type again replaces
    its handler. Register at import time of the workflow's module, so the pods that run its tasks register it too.
    """
    ext = _check(python_type, serialize, deserialize, extension)
    handler = ValueHandler(python_type, serialize, deserialize, ext)
    _HANDLERS[python_type] = handler
    caller = sys._getframe(1).f_globals.get("__name__", "")
    if caller and caller != "__main__" and not caller.startswith("flytekitplugins.artifacts"):
        _MODULES.add(caller)
    register_format(ext, writer=handler.write, reader=handler.read, types=(python_type,))
    if not has_own_transformer(python_type) or isinstance(_current_transformer(python_type), HandlerTransformer):
        register_transformer(HandlerTransformer(handler))
    return handler


def _current_transformer(t: type) -> typing.Any:
    try:
        return TypeEngine.get_transformer(t)
    except ValueError:
        return None


class HandlerTransformer(TypeTransformer[typing.Any]):
    """flytekit's view of a handled type: a file (a blob of the handler's extension) holding the value."""

    def __init__(self, handler: ValueHandler):
        super().__init__(name=f"ArtifactValue[{type_name(handler.python_type)}]", t=handler.python_type)
        self.handler = handler

    @property
    def _file_type(self) -> typing.Type[FlyteFile]:
        return FlyteFile[self.handler.extension]  # type: ignore[misc]

    def get_literal_type(self, t: typing.Type) -> LiteralType:
        return LiteralType(blob=BlobType(format=self.handler.extension,
                                         dimensionality=BlobType.BlobDimensionality.SINGLE))

    def to_literal(self, ctx: FlyteContext, python_val: typing.Any, python_type: typing.Type,
                   expected: LiteralType) -> Literal:
        if isinstance(python_val, (str, os.PathLike)):
            path = os.fspath(python_val)  # already a file (a task returning the path it wrote)
        else:
            path = os.path.join(ctx.file_access.get_random_local_directory(), f"value.{self.handler.extension}")
            self.handler.write(python_val, path)
        return TypeEngine.to_literal(ctx, FlyteFile(path), self._file_type, expected)

    def to_python_value(self, ctx: FlyteContext, lv: Literal, expected_python_type: typing.Type) -> typing.Any:
        file = TypeEngine.to_python_value(ctx, lv, self._file_type)
        return self.handler.read(file.download())

    def guess_python_type(self, literal_type: LiteralType) -> typing.Type:
        if literal_type.blob is not None and literal_type.blob.format == self.handler.extension:
            return self.handler.python_type
        raise ValueError(f"{literal_type} is not a file of type {self.handler.extension!r}")


