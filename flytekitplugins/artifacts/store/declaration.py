"""What an artifact declaration is: the artifact types, one file's declaration, and the name rules.

Pure Python, no flytekit: the Flyte side (``Artifact``, ``Artifact.File(...)`` and its type transformer) lives in
``flyte/`` and builds on these.
"""

from __future__ import annotations

import enum
import os
import typing
import unicodedata
from dataclasses import dataclass

from ..errors import ArtifactTypeError, ArtifactValueError

MAX_NAME_LENGTH = 255
#: Names the store keeps for its own unfinished writes; no user name may start with one.
RESERVED_PREFIXES = (".tmp-",)
# Characters that change how a terminal shows text (bidirectional overrides and isolates, line separators).
_INVISIBLE = {"\u2028", "\u2029", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}


def check_name_text(name: str, what: str) -> str:
    """``name`` in Unicode NFC (so ``Cafe\u0301`` and ``Caf\u00e9`` are one name), refusing control characters,
    characters that reorder text on a terminal, and the store's reserved prefixes. ``what`` says which kind of name
    it is, for the message."""
    name = unicodedata.normalize("NFC", name)
    bad = sorted({c for c in name if unicodedata.category(c) == "Cc" or c in _INVISIBLE})
    if bad:
        shown = ", ".join(f"U+{ord(c):04X}" for c in bad)
        raise ArtifactValueError(
            f"{what} {name!r} contains the non-printable (control or formatting) character(s) {shown}: "
            "use printable characters only"
        )
    for prefix in RESERVED_PREFIXES:
        if name.startswith(prefix):
            raise ArtifactValueError(
                f"{what} {name!r} starts with {prefix!r}, which the store reserves for unfinished writes: "
                "rename it so it does not start with that"
            )
    return name


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

#: The order artifact types are shown in (any other type string after them, by name).
TYPE_ORDER = ("DATA", "MODEL", "REPORT")


def type_rank(type_: str) -> typing.Tuple[int, str]:
    """Sort key putting DATA, MODEL and REPORT first, in that order, then any other type by name."""
    return (TYPE_ORDER.index(type_), "") if type_ in TYPE_ORDER else (len(TYPE_ORDER), type_)


def validate_artifact_name(name: typing.Any) -> str:
    """``name`` if it is a valid artifact name, else an error naming the rule it breaks."""
    if not isinstance(name, str):
        raise ArtifactTypeError(f"artifact name must be a string, got {name!r} of type {type(name).__name__}")
    if "\0" not in name:
        name = check_name_text(name, "artifact name")
    if not name.strip():
        raise ArtifactValueError(
            f"artifact name must not be empty or blank, got {name!r}: give it a name such as 'My Data'"
        )
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
    """``name`` if it is a valid artifact filename (one path component), else an error naming the rule."""
    if not isinstance(name, str):
        raise ArtifactTypeError(f"artifact filename must be a string, got {name!r} of type {type(name).__name__}")
    if "\0" not in name:
        name = check_name_text(name, "artifact filename")
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
        raise ArtifactValueError(
            f"artifact filename is {size} bytes long, the limit is {MAX_NAME_LENGTH}: shorten {name[:40]!r}..."
        )
    return name


def file_type_of(filename: str, type: typing.Optional[str]) -> str:
    """The file type of an artifact file: ``type`` when given, else the extension of ``filename``."""
    if type is not None:
        if not isinstance(type, str):
            raise ArtifactTypeError(
                f"file type must be a string such as 'csv', got {type!r} of type {type.__class__.__name__}"
            )
        return type.strip().lstrip(".")
    return os.path.splitext(filename)[1].lstrip(".")


@dataclass(frozen=True)
class FileDeclaration:
    """One file of one artifact, as written in a type annotation."""

    artifact: str
    type: ArtifactType
    filename: str
    file_type: str
    #: Where each partition's value comes from: (key, "value", the value) or (key, "input", an input's name).
    partitions: typing.Tuple[typing.Tuple[str, str, str], ...] = ()

    def as_dict(self) -> dict:
        out = {
            "artifact": self.artifact,
            "type": self.type.value,
            "filename": self.filename,
            "file_type": self.file_type,
        }
        if self.partitions:
            out["partitions"] = {key: {kind: text} for key, kind, text in self.partitions}
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "FileDeclaration":
        return cls(
            artifact=validate_artifact_name(d["artifact"]),
            type=ArtifactType.parse(d["type"]),
            filename=validate_filename(d["filename"]),
            file_type=d.get("file_type", ""),
            partitions=tuple(sorted((k, *next(iter(dict(spec).items()))) for k, spec in
                                    dict(d.get("partitions") or {}).items())),
        )

    @property
    def key(self) -> typing.Tuple[str, str]:
        return (self.artifact, self.filename)


def declaration_of(python_type: typing.Any) -> typing.Optional[FileDeclaration]:
    """The declaration carried by an ``Artifact.File(...)`` type, or None for any other type.

    ``Artifact.File(...)`` is ``Annotated[FlyteFile[...], <transformer>]``; the transformer holds the declaration.
    """
    if typing.get_origin(python_type) is typing.Annotated:
        for meta in typing.get_args(python_type)[1:]:
            decl = getattr(meta, "declaration", None)
            if isinstance(decl, FileDeclaration):
                return decl
    return None


def nested_declaration(python_type: typing.Any) -> typing.Optional[FileDeclaration]:
    """A declaration buried inside a container type (``List[Artifact.File(...)]``, ``Optional[...]``...)."""
    for arg in typing.get_args(python_type):
        found = declaration_of(arg) or nested_declaration(arg)
        if found is not None:
            return found
    return None
