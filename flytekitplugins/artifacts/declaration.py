"""Declaring artifacts: ``Artifact(name, type)`` and ``Artifact.File(name, type=None)``.

This layer is pure: it validates names and builds ``typing.Annotated`` types. Nothing is written here.
"""

from __future__ import annotations

import enum
import os
import typing
from dataclasses import dataclass

from .errors import ArtifactTypeError, ArtifactValueError

MAX_NAME_LENGTH = 255


class ArtifactType(str, enum.Enum):
    """What an artifact is for. The value is the name, so records and JSON read naturally."""

    DATA = "DATA"
    MODEL = "MODEL"
    REPORT = "REPORT"

    @classmethod
    def parse(cls, value: typing.Any) -> "ArtifactType":
        if isinstance(value, ArtifactType):
            return value
        allowed = ", ".join(m.name for m in cls)
        if not isinstance(value, str):
            raise ArtifactTypeError(
                f"artifact type must be an ArtifactType or one of the strings {allowed}; "
                f"got {value!r} of type {type(value).__name__}"
            )
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ArtifactValueError(f"unknown artifact type {value!r}: use one of {allowed} (any case)") from None


DATA = ArtifactType.DATA
MODEL = ArtifactType.MODEL
REPORT = ArtifactType.REPORT


def validate_artifact_name(name: typing.Any) -> str:
    if not isinstance(name, str):
        raise ArtifactTypeError(f"artifact name must be a string, got {name!r} of type {type(name).__name__}")
    if not name.strip():
        raise ArtifactValueError(f"artifact name must not be empty or blank, got {name!r}: give it a name such as 'My Data'")
    if len(name) > MAX_NAME_LENGTH:
        raise ArtifactValueError(
            f"artifact name is {len(name)} characters long, the limit is {MAX_NAME_LENGTH}: shorten {name[:40]!r}..."
        )
    if "/" in name or "\0" in name or not name.isprintable():
        raise ArtifactValueError(
            f"artifact name {name!r} contains '/', NUL or a non-printable character: use printable characters only"
        )
    return name


def validate_filename(name: typing.Any) -> str:
    if not isinstance(name, str):
        raise ArtifactTypeError(f"artifact filename must be a string, got {name!r} of type {type(name).__name__}")
    if name in ("", ".", ".."):
        raise ArtifactValueError(f"artifact filename {name!r} is not a file name: use a name such as 'data.csv'")
    bad = [c for c in ("/", "\\", "\0") if c in name]
    if bad:
        raise ArtifactValueError(
            f"artifact filename {name!r} contains {', '.join(repr(c) for c in bad)}: "
            "a filename is one path component, without folders"
        )
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > MAX_NAME_LENGTH:
        raise ArtifactValueError(f"artifact filename is {size} bytes long, the limit is {MAX_NAME_LENGTH}: shorten {name[:40]!r}...")
    return name


def _file_type(filename: str, type: typing.Optional[str]) -> str:
    if type is not None:
        if not isinstance(type, str):
            raise ArtifactTypeError(f"file type must be a string such as 'csv', got {type!r} of type {type.__class__.__name__}")
        return type.strip().lstrip(".")
    return os.path.splitext(filename)[1].lstrip(".")


@dataclass(frozen=True)
class FileDeclaration:
    """One file of one artifact, as written in a type annotation."""

    artifact: str
    type: ArtifactType
    filename: str
    file_type: str

    def as_dict(self) -> dict:
        return {"artifact": self.artifact, "type": self.type.value, "filename": self.filename, "file_type": self.file_type}

    @classmethod
    def from_dict(cls, d: dict) -> "FileDeclaration":
        return cls(
            artifact=validate_artifact_name(d["artifact"]),
            type=ArtifactType.parse(d["type"]),
            filename=validate_filename(d["filename"]),
            file_type=d.get("file_type", ""),
        )

    @property
    def key(self) -> typing.Tuple[str, str]:
        return (self.artifact, self.filename)


class Artifact:
    """A named, typed artifact. Files are added to it with :meth:`File` wherever a type goes."""

    def __init__(self, name: str, type: typing.Union[ArtifactType, str]):
        self.name = validate_artifact_name(name)
        self.type = ArtifactType.parse(type)

    def File(self, name: str, type: typing.Optional[str] = None):  # noqa: N802 - the name matches Domino's API
        """The Flyte type of one file of this artifact: ``Annotated[FlyteFile[<file type>], <transformer>]``.

        The file type is ``type`` when given, else the extension of ``name``.
        """
        from flytekit.types.file import FlyteFile

        from .transformer import ArtifactFileTransformer

        decl = FileDeclaration(self.name, self.type, validate_filename(name), _file_type(name, type))
        base = FlyteFile[decl.file_type] if decl.file_type else FlyteFile
        return typing.Annotated[base, ArtifactFileTransformer(decl, base)]

    def __eq__(self, other):
        return isinstance(other, Artifact) and (self.name, self.type) == (other.name, other.type)

    def __hash__(self):
        return hash((self.name, self.type))

    def __repr__(self):
        return f"Artifact(name={self.name!r}, type={self.type.name})"
