"""Group commit: the files and records of one recorder node made durable together.

Inside :func:`group_commit` a local store defers every sync; ``commit()`` makes all of the bytes written so far
durable in one batch (``backends/durable.SyncBatch``). The recorder commits once after storing every file's bytes,
before writing a single record, and once more at the end, for the records: a record is never visible before the
bytes it names are durable, and the run is marked succeeded only after its records are. Object stores are durable
on every write, so there the batch does nothing.
"""

from __future__ import annotations

import typing

if typing.TYPE_CHECKING:
    from .artifact_store import ArtifactStore


def group_commit(store: "ArtifactStore") -> typing.ContextManager[typing.Any]:
    """A batch of writes to ``store`` made durable together; yields an object whose ``commit()`` syncs them now
    (:meth:`Backend.group_commit`)."""
    return store.backend.group_commit()
