"""What a command task takes and gives: ``Input``/``Output`` specs, the kinds of values a command can read and
write, and how values become text and back."""

from __future__ import annotations

import inspect
import os
import typing
from dataclasses import dataclass

from flytekit.extend import Promise
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

from ...errors import ArtifactTypeError, ArtifactValueError


class CommandFailedError(ArtifactValueError):
    """A command task's command exited non-zero, timed out, or did not write a declared output."""


UNSET = object()


@dataclass(frozen=True, eq=False)
class Input:
    """One input of a command task: its name (a Python identifier), its type, and (for ``run_command_task``) its
    value, a constant or the output of another node."""

    name: str
    type: typing.Any
    value: typing.Any = UNSET


@dataclass(frozen=True, eq=False)
class Output:
    """One declared output of a command task: the command writes it at ``$FLYTE_OUTPUTS_DIR/<name>``."""

    name: str
    type: typing.Any


FILE, DIRECTORY = "file", "directory"
PRIMITIVES: typing.Dict[typing.Any, str] = {str: "str", int: "int", float: "float", bool: "bool"}
SUPPORTED = "str, int, float, bool, FlyteFile (any FlyteFile[...] or Artifact.File(...)) or FlyteDirectory"


def base_type(t: typing.Any) -> typing.Any:
    """``t`` without its ``Annotated`` metadata."""
    if typing.get_origin(t) is typing.Annotated:
        return typing.get_args(t)[0]
    return t


def kind_of(t: typing.Any, what: str) -> str:
    """How a value of type ``t`` is handed to or taken from a command."""
    base = base_type(t)
    if inspect.isclass(base):
        if issubclass(base, FlyteFile):
            return FILE
        if issubclass(base, FlyteDirectory):
            return DIRECTORY
    if base in PRIMITIVES:
        return PRIMITIVES[base]
    raise ArtifactTypeError(f"{what} has type {t!r}, which a command cannot read or write: use {SUPPORTED}")


def check_name(name: typing.Any, what: str) -> str:
    """``name`` if it can name an input or output (a Python identifier not starting with '_')."""
    if not isinstance(name, str):
        raise ArtifactTypeError(f"{what} name must be a string, got {name!r} of type {type(name).__name__}")
    if not name.isidentifier() or name.startswith("_"):
        raise ArtifactValueError(
            f"{what} name {name!r} is not usable: use a Python identifier not starting with '_' "
            "(letters, digits and '_'), such as 'processed_data'"
        )
    return name


def parse_specs(items: typing.Any, cls: type, what: str) -> typing.List[typing.Any]:
    """Accept a list of Input/Output specs or a ``{name: type}`` dict (``DominoJobTask`` style)."""
    if items is None:
        return []
    if isinstance(items, dict):
        items = [cls(name=k, type=v) for k, v in items.items()]
    if isinstance(items, (str, bytes)) or not isinstance(items, (list, tuple)):
        raise ArtifactTypeError(
            f"{what} must be a list of {cls.__name__}(name=..., type=...) or a dict of name -> type, got {items!r}"
        )
    seen: typing.Set[str] = set()
    for item in items:
        if not isinstance(item, cls):
            raise ArtifactTypeError(f"{what} item {item!r} is not a {cls.__name__}(name=..., type=...)")
        check_name(item.name, cls.__name__.lower())
        if item.name in seen:
            raise ArtifactValueError(f"{what} has two entries named {item.name!r}: give each a distinct name")
        seen.add(item.name)
        kind_of(item.type, f"{cls.__name__.lower()} {item.name!r}")
    return list(items)


def check_value(name: str, t: typing.Any, value: typing.Any) -> None:
    """Reject a constant of the wrong type before anything runs (promises are checked by flytekit)."""
    if isinstance(value, Promise):
        return
    kind = kind_of(t, f"input {name!r}")
    ok: bool
    if kind == FILE:
        ok = isinstance(value, (str, os.PathLike, FlyteFile)) and not isinstance(value, FlyteDirectory)
    elif kind == DIRECTORY:
        ok = isinstance(value, (str, os.PathLike, FlyteDirectory))
    elif kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise ArtifactTypeError(
            f"input {name!r} is declared as {type_name(t)} but got {value!r} of type {type(value).__name__}: "
            f"pass a value of type {type_name(t)} (or the output of a node producing one), or change the declared type"
        )


def type_name(t: typing.Any) -> str:
    """A type as a user wrote it (``FlyteFile``, ``str``...)."""
    base = base_type(t)
    return getattr(base, "__name__", None) or repr(base)


def value_text(kind: str, value: typing.Any) -> str:
    """A primitive input as the text the command reads."""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "float":
        return repr(float(value))
    return str(value)


def parse_output(kind: str, text: str, name: str, path: str) -> typing.Any:
    """The value of a primitive output from the text the command wrote."""
    if kind == "str":
        return text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text
    s = text.strip()
    try:
        if kind == "int":
            return int(s)
        if kind == "float":
            return float(s)
        if kind == "bool":
            low = s.lower()
            if low in ("true", "1", "yes"):
                return True
            if low in ("false", "0", "no"):
                return False
            raise ValueError(s)
    except ValueError:
        pass
    raise CommandFailedError(
        f"output {name!r} is declared as {kind} but the command wrote {s[:200]!r} to {path}: write a {kind} "
        + ("(true/false)" if kind == "bool" else "as plain text")
    )
