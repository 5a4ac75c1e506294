"""Where bytes live: a scheme registry that imports a backend only when a URI of its scheme is used.

``open_backend("s3://bucket/prefix")`` imports ``backends/s3/``  (and boto3) on first use; a local folder never
does. Everything that must decide "local or S3?" asks :func:`scheme_of` or this registry, never the URI's text.
"""

from __future__ import annotations

import importlib
import typing

from ..errors import ArtifactValueError
from .base import (
    BLOB_PREFIX,
    TEMP_NAME,
    Backend,
    IntegrityError,
    StoredFile,
    Transfer,
    blob_key,
    is_local,
    local_path,
    scheme_of,
)

# scheme -> (module, class); modules are imported on first use.
_REGISTRY: typing.Dict[str, typing.Tuple[str, str]] = {
    "file": (".local.backend", "LocalBackend"),
    "s3": (".s3.backend", "S3Backend"),
}

__all__ = [
    "Backend",
    "BLOB_PREFIX",
    "IntegrityError",
    "StoredFile",
    "TEMP_NAME",
    "Transfer",
    "backend_class",
    "blob_key",
    "is_local",
    "local_file",
    "local_path",
    "normalize_location",
    "hash_uri",
    "restore_uri",
    "open_backend",
    "read_uri_stream",
    "open_recorded",
    "scheme_of",
]


def backend_class(uri: str) -> typing.Type[Backend]:
    """The Backend class serving ``uri``'s scheme."""
    scheme = scheme_of(uri)
    if scheme not in _REGISTRY:
        raise ArtifactValueError(
            f"{uri!r} uses the unsupported scheme {scheme!r}: use a local folder or s3://bucket/prefix"
        )
    module, name = _REGISTRY[scheme]
    return getattr(importlib.import_module(module, __name__), name)


def normalize_location(uri: str) -> str:
    """The canonical spelling of a folder or ``s3://bucket/prefix`` location."""
    return backend_class(uri).normalize(uri)


def open_backend(root: str) -> Backend:
    """The backend for a store or dataset root (a folder, ``file:`` URI or ``s3://bucket/prefix``)."""
    if not isinstance(root, str) or not root.strip():
        raise ArtifactValueError(
            f"store root {root!r} is empty: set FLYTE_ARTIFACTS_ROOT to a folder or s3://bucket/prefix"
        )
    return backend_class(root)(root.strip())


def read_uri_stream(uri: str) -> typing.BinaryIO:
    """Open a file the store did not write (a task output): a local path or an object of a registered scheme."""
    return backend_class(uri).open_uri(uri)


def open_recorded(uri: str, size: int) -> typing.BinaryIO:
    """Open stored bytes a record promises are ``size`` long, checked before the first byte is read: raises
    ``StoredBytesMismatchError`` when the object has another size or a local copy has been replaced by a link."""
    return backend_class(uri).open_uri_exact(uri, size)


def hash_uri(uri: str, progress=None) -> typing.Tuple[int, str]:
    """(size, sha256) of a file the store did not write, read whole and checked (an S3 read that comes back short
    is tried again, never hashed as if it were the file)."""
    return backend_class(uri).hash_uri(uri, progress)


def local_file(uri: str) -> typing.Optional[str]:
    """The path of the file at ``uri`` when its bytes are already on this machine (a local path or ``file:`` URI),
    else None (an object in remote storage, or a scheme no backend serves)."""
    if scheme_of(uri) not in _REGISTRY:
        return None
    return backend_class(uri).local_file(uri)


def restore_uri(dest_uri: str, source_uri: str, size: int, sha256: str, within: typing.Optional[str] = None) -> None:
    """Replace whatever is at ``dest_uri`` with the bytes at ``source_uri``, checked against ``size``/``sha256``;
    with ``within`` (the store's or dataset's root), never a place a link leads out of that root."""
    backend_class(dest_uri).restore_uri(dest_uri, source_uri, size, sha256, within)
