"""The query node's task: resolves an artifact query to a recorded file at run time, without copying its bytes.

``resolve_artifact`` is a module-level task, so a pod loads it from its loader arguments (``task-module
flytekitplugins.artifacts.flyte.nodes.resolve task-name resolve_artifact``) like the recorder. Its ``query`` input
(JSON, built when the workflow is compiled, see ``flyte/query.py``) names the artifact, the filename, the selector
and the node; ``given`` is the file a run passed for a workflow input whose default is a query (then nothing is
resolved). The file it returns points at the recorded object (a store blob locally, the producing task's upload in a
cluster), after its bytes were checked against the recorded sha256, and carries the recorded filename, so the task
that takes it sees the file's extension (``read_frame(file)`` picks the format by it): a local blob, whose name is
its sha256, is given a hard link (or a symbolic link) under the filename; an object stored under another name is
copied once under the filename.
"""

from __future__ import annotations

import json
import os
import typing

from flytekit import task
from flytekit.core.context_manager import FlyteContextManager
from flytekit.types.file import FlyteFile

from ...backends import IntegrityError, hash_uri, is_local, local_path
from ...store.artifact_store import ArtifactStore, Record, store_for_run
from ...store.identity import current_identity
from ...store.lineage import note_query
from ...store.selector import RecordSelector, select_record
from .given import given as given_type

__all__ = ["QUERY_VERSION", "check_bytes", "named_file", "resolve_artifact", "resolve_query"]

#: Version of the ``query`` input (written into registered workflows).
QUERY_VERSION = 1


def check_bytes(record: Record) -> None:
    """Read the recorded file once and compare it with its record (IntegrityError on any difference)."""
    size, sha = hash_uri(record.uri)
    if (size, sha) != (record.size, record.sha256):
        raise IntegrityError(
            f"{record.artifact!r}/{record.filename!r} of run {record.execution_id!r} at {record.uri!r} no longer "
            f"matches its record (read {size} bytes with sha256 {sha[:12]}..., recorded {record.size} bytes with "
            f"sha256 {record.sha256[:12]}...): it was changed or damaged after it was recorded"
        )


def resolve_query(query: dict, store: typing.Optional[ArtifactStore] = None) -> Record:
    """Resolve a query node's ``query`` for the current execution, check the bytes and note the use for lineage."""
    store = store or store_for_run(current_identity().local)
    selector = RecordSelector.from_query(query)
    record = select_record(store, selector)
    check_bytes(record)
    note_query(store, current_identity().execution_id, query.get("workflow", ""), query["node_id"],
               selector.version(), record)
    return record


def _tail(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def named_file(record: Record, store: typing.Optional[ArtifactStore] = None) -> FlyteFile:
    """The recorded file as a FlyteFile whose name is the recorded filename (see the module docstring)."""
    if _tail(record.uri) == record.filename:
        return FlyteFile(record.uri, remote_path=False)
    folder = FlyteContextManager.current_context().file_access.get_random_local_directory()
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, record.filename)
    if is_local(record.uri):
        source = local_path(record.uri)
        try:
            os.link(source, path)
        except OSError:  # another file system, or links not allowed: a symbolic link still copies nothing
            os.symlink(os.path.abspath(source), path)
        return FlyteFile(path, remote_path=False)
    (store or store_for_run(current_identity().local)).download(record, path)  # checked against its sha256
    return FlyteFile(path)


@task
def resolve_artifact(query: str, given: given_type(FlyteFile) = None) -> FlyteFile:
    """The file a query names (or ``given``, when the run passed one instead)."""
    if given is not None:
        return given
    record = resolve_query(json.loads(query))
    return named_file(record)


resolve_artifact._artifacts_internal = True  # type: ignore[attr-defined]
