"""``Artifact(name, type)`` and ``Artifact.File(name, type=None)``: declaring artifact files where a type goes."""

from __future__ import annotations

import typing

from flytekit.types.file import FlyteFile

from ..store.declaration import ArtifactType, FileDeclaration, file_type_of, validate_artifact_name, validate_filename
from .query import query
from .transformer import ArtifactFileTransformer


class Artifact:
    """A named, typed artifact. Files are added to it with :meth:`File` wherever a type goes."""

    def __init__(self, name: str, type: typing.Union[ArtifactType, str]):
        self.name = validate_artifact_name(name)
        self.type = ArtifactType.parse(type)

    def File(self, name: str, type: typing.Optional[str] = None):  # noqa: N802 - the name matches Domino's API
        """The Flyte type of one file of this artifact: ``Annotated[FlyteFile[<file type>], <transformer>]``.

        The file type is ``type`` when given, else the extension of ``name``.
        """
        decl = FileDeclaration(self.name, self.type, validate_filename(name), file_type_of(name, type))
        base = FlyteFile[decl.file_type] if decl.file_type else FlyteFile
        return typing.Annotated[base, ArtifactFileTransformer(decl, base)]

    def query(
        self,
        filename: str,
        *,
        execution: typing.Optional[str] = None,
        tag: typing.Optional[str] = None,
        workflow: typing.Optional[str] = None,
    ):
        """One recorded version of ``filename`` of this artifact: the newest succeeded run's, unless ``execution``
        or ``tag`` names another (``workflow`` narrows "newest" to that workflow's runs).

        Inside a ``@workflow`` body this is a ``FlyteFile`` promise filled at run time by a query node; as a workflow
        input's default it is resolved when the run starts unless a file is passed; elsewhere it is an
        :class:`~flytekitplugins.artifacts.flyte.query.ArtifactQuery` (``.download()``, ``.record()``).
        """
        return query(self.name, validate_filename(filename), execution=execution, tag=tag, workflow=workflow)

    def __eq__(self, other):
        return isinstance(other, Artifact) and (self.name, self.type) == (other.name, other.type)

    def __hash__(self):
        return hash((self.name, self.type))

    def __repr__(self):
        return f"Artifact(name={self.name!r}, type={self.type.name})"
