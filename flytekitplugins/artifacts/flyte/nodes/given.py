"""The ``given`` input of query nodes: ``Optional[T]``, where an input that arrived empty means "not given".

A workflow input whose default is a query carries that query in its launch-plan parameter instead of a default
(``../launch_form.py``). A launch with no value for it gives the run an input with nothing set, which flytekit's
``Optional`` would refuse; read as None, the query node resolves the query instead. The Flyte type is exactly
``Optional[T]``'s, so registered interfaces are unchanged.
"""

from __future__ import annotations

import typing

from flytekit.core.context_manager import FlyteContext
from flytekit.core.type_engine import TypeEngine, TypeTransformer
from flytekit.models.literals import Literal
from flytekit.models.types import LiteralType

from ..internals import is_empty_literal


class EmptyAsNone(TypeTransformer[typing.Any]):
    """Converts like ``Optional[T]``, and reads an empty literal as None."""

    def __init__(self, optional: typing.Any):
        super().__init__(name=f"Given[{optional}]", t=object)
        self.optional = optional

    def get_literal_type(self, t: typing.Any) -> LiteralType:
        return TypeEngine.to_literal_type(self.optional)

    def to_literal(self, ctx: FlyteContext, python_val: typing.Any, python_type: typing.Any,
                   expected: LiteralType) -> Literal:
        return TypeEngine.to_literal(ctx, python_val, self.optional, expected)

    def to_python_value(self, ctx: FlyteContext, lv: Literal, expected_python_type: typing.Any) -> typing.Any:
        if lv is None or is_empty_literal(lv):
            return None
        union = lv.scalar.union if lv.scalar is not None else None
        if union is not None and union.value is not None and union.value.scalar is not None \
                and union.value.scalar.blob is not None:
            inner = [a for a in typing.get_args(self.optional) if a is not type(None)][0]
            return TypeEngine.to_python_value(ctx, union.value, inner)  # a file, whichever variant carried it
        return TypeEngine.to_python_value(ctx, lv, self.optional)

    def assert_type(self, t: typing.Any, v: typing.Any) -> None:
        return None

    def guess_python_type(self, literal_type: LiteralType) -> typing.Any:
        return self.optional


def given(t: typing.Any) -> typing.Any:
    """The type of a query node's ``given`` input for values of ``t``."""
    optional = typing.Optional[t]
    return typing.Annotated[optional, EmptyAsNone(optional)]
