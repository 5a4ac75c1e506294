"""Group commit: the files and records of one recorder node made durable together.

Inside :func:`group_commit` a local store defers every sync; ``commit()`` makes all of the bytes written so far
durable in one batch (``backends/durable.SyncBatch``). The recorder commits once after storing every file's bytes,
before writing a single record, and once more at the end, for the records: a record is never visible before the
bytes it names are durable, and the run is marked succeeded only after its records are. Object stores are durable
on every write, so there the batch does nothing.
"""

from __future__ import annotations

import contextlib
import typing

if typing.TYPE_CHECKING:
    from .artifact_store import ArtifactStore


class _NoBatch:
    def commit(self) -> None:
        """Nothing to wait for: every write was durable when it returned."""


@contextlib.contextmanager
def group_commit(store: "ArtifactStore") -> typing.Iterator[typing.Any]:
    """A batch of writes to ``store`` made durable together; yields an object whose ``commit()`` syncs them now."""
    batch = getattr(store.backend, "group_commit", None)
    if batch is None:
        yield _NoBatch()
        return
    with batch() as pending:
        yield pending
