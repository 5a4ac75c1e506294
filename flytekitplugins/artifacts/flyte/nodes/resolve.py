"""The query node's task: resolves an artifact query to a recorded file at run time, without copying its bytes.

``resolve_artifact`` is a module-level task, so a pod loads it from its loader arguments (``task-module
flytekitplugins.artifacts.flyte.nodes.resolve task-name resolve_artifact``) like the recorder. Its ``query`` input
(JSON, built when the workflow is compiled, see ``flyte/query.py``) names the artifact, the filename, the selector
and the node; ``given`` is the file a run passed for a workflow input whose default is a query (then nothing is
resolved). The file it returns points at the recorded object (a store blob locally, the producing task's upload in a
cluster), after its bytes were checked against the recorded sha256.
"""

from __future__ import annotations

import json
import typing

from flytekit import task
from flytekit.types.file import FlyteFile

from ...backends import IntegrityError, hash_uri
from ...store.artifact_store import ArtifactStore, Record, store_for_run
from ...store.identity import current_identity
from ...store.lineage import note_query
from ...store.selector import RecordSelector, select_record

__all__ = ["QUERY_VERSION", "check_bytes", "resolve_artifact", "resolve_query"]

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


@task
def resolve_artifact(query: str, given: typing.Optional[FlyteFile] = None) -> FlyteFile:
    """The file a query names (or ``given``, when the run passed one instead)."""
    if given is not None:
        return given
    record = resolve_query(json.loads(query))
    return FlyteFile(record.uri, remote_path=False)


resolve_artifact._artifacts_internal = True  # type: ignore[attr-defined]
