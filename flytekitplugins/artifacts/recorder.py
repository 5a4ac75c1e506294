"""Recording: turning produced artifact files into store records, once per execution.

``record_artifacts`` is an ordinary module-level task, so a pod loads it from its serialized loader arguments
like any other task; the plugin adds one node running it to every workflow that declares artifact files (see
``wiring.py``). Its inputs are the files and a manifest saying which declaration each file answers, so the
same code records task outputs, workflow-return declarations and raw container outputs, locally and in pods.
"""

from __future__ import annotations

import json
import typing

from flytekit import task
from flytekit.types.file import FlyteFile

from .identity import current_identity, utc_now
from .storage import read_uri_stream
from .digest import copy_hashing
from .store import ArtifactStore, Record

MANIFEST_VERSION = 1


def _is_remote(uri: str) -> bool:
    return "://" in uri and not uri.startswith("file://")


def file_uri(f: typing.Any) -> str:
    """Where a file value lives: the remote object it came from, else its local path."""
    if isinstance(f, FlyteFile):
        src = f.remote_source
        return str(src) if src else str(f.path)
    return str(f)


def record_files(manifest: dict, uris: typing.Sequence[str], store: typing.Optional[ArtifactStore] = None) -> typing.List[Record]:
    items = manifest["files"]
    if len(items) != len(uris):
        raise ValueError(f"the recorder got {len(uris)} files for a manifest of {len(items)}")
    store = store or ArtifactStore()
    ident = current_identity()
    out = []
    for item, uri in zip(items, uris):
        if _is_remote(uri):
            # In a cluster the task already uploaded the file: the record points at that object.
            with read_uri_stream(uri) as stream:
                size, sha = copy_hashing(stream, None)
            kept = uri
        else:
            # Local outputs live in temp folders flytekit deletes: keep a content-addressed copy.
            kept, size, sha = store.put_local_file(uri)
        rec = Record(
            execution_id=ident.execution_id,
            project=ident.project,
            domain=ident.domain,
            workflow=item["workflow"],
            node_id=item["node_id"],
            task=item["task"],
            output_name=item["output_name"],
            artifact=item["artifact"],
            type=item["type"],
            filename=item["filename"],
            file_type=item.get("file_type", ""),
            uri=kept,
            size=size,
            sha256=sha,
            created_at=utc_now(),
            code_version=manifest.get("code_version"),
        )
        out.append(store.add_record(rec))
    return out


@task
def record_artifacts(files: typing.List[FlyteFile], manifest: str) -> str:
    """Record the artifact files of this execution; returns the records as a JSON array."""
    records = record_files(json.loads(manifest), [file_uri(f) for f in files])
    return json.dumps([r.as_dict() for r in records])


record_artifacts._artifacts_internal = True  # type: ignore[attr-defined]
