"""Index entries: names that sort newest first under a prefix, and a pointer to the newest so that "newest" reads
one small object instead of listing every entry (a local folder cannot be listed part way)."""

from __future__ import annotations

import json
import typing

from .backends import Backend
from .errors import ArtifactNotFoundError
from .jsonfiles import read_json
from .keys import newest_pointer


def add_entry(backend: Backend, prefix: str, name: str, data: bytes) -> None:
    """Write one index entry and keep the ``newest`` pointer of ``prefix`` right.

    The pointer is set to the new name first (a pointer to an entry not written yet sends readers to the
    listing), then the entry is written, then the pointer is compared with a fresh listing until they agree:
    whatever concurrent writers do, the last one to finish leaves the true newest."""
    pointer = newest_pointer(prefix)
    current = read_json(backend, pointer) if backend.exists(pointer) else None
    if current is None or name < current.get("name", ""):
        backend.write(pointer, json.dumps({"name": name}).encode())
    backend.write_once(f"{prefix}/{name}", data)
    for _ in range(8):
        names = backend.list_children(prefix)
        current = read_json(backend, pointer) if backend.exists(pointer) else None
        if not names or (current or {}).get("name") == names[0]:
            return
        backend.write(pointer, json.dumps({"name": names[0]}).encode())


def pointed_newest(backend: Backend, prefix: str) -> typing.Optional[str]:
    """The name of the newest entry under an index ``prefix`` from its pointer, when the entry exists (None
    when there is no pointer or it names an entry that is not there: then list)."""
    pointer = newest_pointer(prefix)
    try:
        name = json.loads(backend.read_bytes(pointer)).get("name")
    except (ArtifactNotFoundError, ValueError, AttributeError):
        return None
    return name if name and backend.exists(f"{prefix}/{name}") else None


def first_names(backend: Backend, prefix: str, limit: int) -> typing.List[str]:
    """The first ``limit`` names under an index prefix (newest first), without listing the rest when the
    backend can stop early."""
    first = getattr(backend, "list_children_first", None)
    if first is not None:
        return first(prefix, limit)
    return backend.list_children(prefix)[:limit]
