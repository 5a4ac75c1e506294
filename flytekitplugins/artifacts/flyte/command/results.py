"""What calling a command task in a workflow returns: its outputs, by position and by name."""

from __future__ import annotations

import typing

from flytekit.extend import Promise

from ...errors import ArtifactValueError
from ..internals import retype_promise


class CommandOutput(Promise):
    """The single output of a command task inside a workflow; ``res["<output name>"]`` returns it again, so flows
    written for several outputs and for one read the same."""

    def __getitem__(self, key):
        if key == self.var:
            return self
        raise ArtifactValueError(f"the command task has no output {key!r}: its only output is {self.var!r}")


class CommandOutputs(tuple):
    """The outputs of a command task: unpack them, or index them by output name (``res["adae"]``) or position."""

    _names: typing.Tuple[str, ...]

    def __new__(cls, values: typing.Iterable[typing.Any], names: typing.Sequence[str]):
        obj = super().__new__(cls, values)
        obj._names = tuple(names)
        return obj

    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in self._names:
                raise ArtifactValueError(f"the command task has no output {key!r}: its outputs are {list(self._names)}")
            key = self._names.index(key)
        return tuple.__getitem__(self, key)

    def __getattr__(self, name: str):
        names = object.__getattribute__(self, "_names")
        if name in names:
            return tuple.__getitem__(self, names.index(name))
        raise AttributeError(name)

    @property
    def ref(self):
        """The node output of the first value: what flytekit reads to order nodes (``a >> b``)."""
        return getattr(tuple.__getitem__(self, 0), "ref", None)

    def with_overrides(self, *args, **kwargs):
        tuple.__getitem__(self, 0).with_overrides(*args, **kwargs)
        return self

    def runs_before(self, other: typing.Any):
        return self

    def __rshift__(self, other: typing.Any):
        first = tuple.__getitem__(self, 0)
        if isinstance(first, Promise):
            first >> other
        return other


def by_name(result: typing.Any, names: typing.Sequence[str]) -> typing.Any:
    """A call's result, indexable by output name."""
    if len(names) == 1 and isinstance(result, Promise) and type(result) is Promise:
        return retype_promise(result, CommandOutput)
    if len(names) > 1 and isinstance(result, tuple) and len(result) == len(names):
        return CommandOutputs(result, names)
    return result
