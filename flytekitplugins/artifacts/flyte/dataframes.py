"""DataFrame values of artifact files: a task annotated ``-> DataArtifact.File(name="adsl.parquet")`` may return a
pandas DataFrame or a pyarrow Table (or a value of any type registered with ``register_format``); it is written in
the format of the file type, then handled as the file it became."""

from __future__ import annotations

import os
import typing

from ..errors import ArtifactTypeError
from ..ops.summaries.frames import FRAME_TYPES, _matches, accepts, registered_formats, write_frame
from ..store.declaration import FileDeclaration

if typing.TYPE_CHECKING:
    from flytekit.core.context_manager import FlyteContext


def is_file_value(value: typing.Any) -> bool:
    """True for what flytekit handles as a file already: paths, ``FlyteFile``s and ``os.PathLike`` values."""
    return isinstance(value, (str, os.PathLike))


def wants_writing(value: typing.Any, declaration: FileDeclaration) -> bool:
    """True when ``value`` is not a file but a value a registered writer (or a known frame type) takes."""
    if value is None or is_file_value(value):
        return False
    return accepts(value, declaration.file_type) or _matches(value, FRAME_TYPES)


def write_value(ctx: "FlyteContext", value: typing.Any, declaration: FileDeclaration) -> str:
    """Write ``value`` to a new local file named after the declared filename; returns its path."""
    if not accepts(value, declaration.file_type):
        raise ArtifactTypeError(
            f"{declaration.artifact!r}/{declaration.filename!r} got a {type(value).__name__}, which cannot be written "
            f"as file type {declaration.file_type!r} (DataFrame formats: {', '.join(registered_formats())}): name "
            "the file with one of these extensions, register a writer with register_format(), or return a path"
        )
    path = os.path.join(ctx.file_access.get_random_local_directory(), declaration.filename)
    write_frame(value, path, declaration.file_type)
    return path
