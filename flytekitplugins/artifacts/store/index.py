"""Index entries: names that sort newest first under a prefix, and a pointer to the newest so that "newest" reads
one small object instead of listing every entry (a local folder cannot be listed part way)."""

from __future__ import annotations

import json
import typing

from ..backends import Backend
from ..backends.base import run_all
from ..errors import ArtifactNotFoundError
from .keys import newest_pointer


def add_entry(backend: Backend, prefix: str, name: str, data: bytes) -> None:
    """Write one index entry (once: adding it again does nothing) and keep the ``newest`` pointer of ``prefix`` right.

    The pointer is set to the new name first (a pointer to an entry not written yet sends readers to the
    listing), then the entry is written, then the pointer is compared with the first listed name until they agree:
    whatever concurrent writers do, the last one to finish leaves the true newest."""
    add_entries(backend, [prefix], name, data)


def add_entries(backend: Backend, prefixes: typing.Sequence[str], name: str, data: bytes, workers: int = 1,
                pointers: bool = True) -> None:
    """:func:`add_entry` of one entry (same name, same data) under each of ``prefixes``, as one batch: every
    pointer first, then every entry (a local store shares one copy of the bytes among them), then every check;
    ``workers`` requests at once where each is a round trip. Without ``pointers`` only the entries are written:
    for indexes whose readers list their first names anyway (:func:`first_names`), where a pointer would cost a
    read and a write per prefix and save nothing."""
    if not pointers:
        backend.write_once_many([f"{p}/{name}" for p in prefixes], data, workers)
        return

    def point(prefix: str) -> None:
        pointer = newest_pointer(prefix)
        current = _pointed_name(backend, pointer)
        if current is None or name < current:
            backend.write_hint(pointer, _pointer_to(name))

    def converge(prefix: str) -> None:
        pointer = newest_pointer(prefix)
        for _ in range(8):
            first = first_names(backend, prefix, 1)
            if not first or _pointed_name(backend, pointer) == first[0]:
                return
            backend.write_hint(pointer, _pointer_to(first[0]))

    run_all(point, prefixes, workers)
    backend.write_once_many([f"{p}/{name}" for p in prefixes], data, workers)
    run_all(converge, prefixes, workers)


def _pointer_to(name: str) -> bytes:
    return json.dumps({"name": name}).encode()


def _pointed_name(backend: Backend, pointer: str) -> typing.Optional[str]:
    """The name a pointer holds; None when there is none (or it is damaged: it is then written anew)."""
    try:
        name = json.loads(backend.read_bytes(pointer)).get("name")
    except (ArtifactNotFoundError, ValueError, AttributeError):
        return None
    return name if isinstance(name, str) and name else None


def pointed_newest(backend: Backend, prefix: str) -> typing.Optional[str]:
    """The name of the newest entry under an index ``prefix`` from its pointer, when the entry exists (None
    when there is no pointer or it names an entry that is not there: then list)."""
    name = _pointed_name(backend, newest_pointer(prefix))
    return name if name and backend.exists(f"{prefix}/{name}") else None


def first_names(backend: Backend, prefix: str, limit: int) -> typing.List[str]:
    """The first ``limit`` names under an index prefix (newest first)."""
    return backend.list_children_first(prefix, limit)
