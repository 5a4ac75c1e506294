"""The type transformer carried inside ``Artifact.File(...)``.

flytekit's ``TypeEngine`` uses a ``TypeTransformer`` found in ``Annotated[...]`` metadata for every conversion of
that value. This one behaves exactly like ``FlyteFile[<file type>]`` (it delegates every conversion), and adds the
declaration to the literal type as a Flyte ``TypeAnnotation``, so compiled and registered interfaces carry it.
Recording does not happen here: it happens once per execution in the recorder node (see ``../recorder.py``), which
is the one path that serves local runs, pods, and values that never pass through Python.
"""

from __future__ import annotations

import typing

from flytekit.core.context_manager import FlyteContext, FlyteContextManager
from flytekit.core.type_engine import TypeEngine, TypeTransformer
from flytekit.models.annotation import TypeAnnotation
from flytekit.models.literals import Literal
from flytekit.models.types import LiteralType
from flytekit.types.file import FlyteFile

from ..store.declaration import FileDeclaration
from .dataframes import wants_writing, write_value
from .internals import TransformerBase, base_to_literal, base_to_python_value

#: Key of the declaration inside a literal type's ``TypeAnnotation``.
ANNOTATION_KEY = "flytekitplugins.artifacts"


class ArtifactFileTransformer(TransformerBase[FlyteFile]):
    """Converts an artifact file like ``FlyteFile[<file type>]`` and adds the declaration to its literal type."""

    def __init__(self, declaration: FileDeclaration, base_type: typing.Type[FlyteFile]):
        super().__init__(name=f"ArtifactFile[{declaration.artifact}/{declaration.filename}]", t=FlyteFile)
        self.declaration = declaration
        self.base_type = base_type

    @property
    def _base(self) -> TypeTransformer:
        return TypeEngine.get_transformer(FlyteFile)  # type: ignore[return-value]

    def get_literal_type(self, t: typing.Type[FlyteFile]) -> LiteralType:
        lt = self._base.get_literal_type(self.base_type)
        annotations = dict(lt.annotation.annotations) if lt.annotation else {}
        annotations[ANNOTATION_KEY] = self.declaration.as_dict()
        return LiteralType(blob=lt.blob, annotation=TypeAnnotation(annotations=annotations), metadata=lt.metadata)

    def assert_type(self, t, v):
        if wants_writing(v, self.declaration):
            return None
        return self._base.assert_type(self.base_type, v)

    async def async_to_literal(self, ctx: FlyteContext, python_val, python_type, expected: LiteralType) -> Literal:
        if wants_writing(python_val, self.declaration):
            # A DataFrame (or a registered type): written in the declared file type, then sent as that file.
            python_val = write_value(ctx, python_val, self.declaration)
        return await base_to_literal(self._base, ctx, python_val, self.base_type, expected)

    async def async_to_python_value(self, ctx: FlyteContext, lv: Literal, expected_python_type) -> FlyteFile:
        return await base_to_python_value(self._base, ctx, lv, self.base_type)

    def from_binary_idl(self, binary_idl_object, expected_python_type):
        return self._base.from_binary_idl(binary_idl_object, self.base_type)

    def guess_python_type(self, literal_type: LiteralType):
        return self._base.guess_python_type(literal_type)

    def to_html(self, *args: typing.Any) -> str:
        """The HTML of a value, for either of the two ways flytekit asks.

        As a type transformer it is called ``to_html(ctx, value, type)``. It also sits in ``Annotated[...]``
        metadata, where ``TypeEngine.to_html`` looks for a ``Renderable`` (a runtime protocol that only checks
        for a ``to_html`` attribute), finds this object, and calls ``to_html(value)``. Both give the file's HTML,
        so a task's own Deck never breaks because one of its outputs is an artifact file.
        """
        if len(args) == 1:
            ctx, python_val = FlyteContextManager.current_context(), args[0]
        elif len(args) == 3:
            ctx, python_val, _ = args
        else:
            raise TypeError(f"to_html takes (value) or (ctx, value, type), got {len(args)} arguments")
        return self._base.to_html(ctx, python_val, self.base_type)

    def __eq__(self, other):
        return isinstance(other, ArtifactFileTransformer) and other.declaration == self.declaration

    def __hash__(self):
        return hash(self.declaration)

    def __repr__(self):
        d = self.declaration
        return f"ArtifactFile({d.artifact!r}, {d.type.name}, {d.filename!r})"


def declaration_from_literal_type(lt: LiteralType) -> typing.Optional[FileDeclaration]:
    """The declaration a registered interface carries (for tools that only see the IDL)."""
    if lt is None or lt.annotation is None:
        return None
    data = lt.annotation.annotations.get(ANNOTATION_KEY)
    return FileDeclaration.from_dict(dict(data)) if data else None
