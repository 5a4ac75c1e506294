"""The recorder node's task: records the artifact files of this execution, once, after all their producers.

``record_artifacts`` is an ordinary module-level task, so a pod loads it from its serialized loader arguments
like any other task; the plugin adds one node running it to every workflow that declares artifact files (see
``flyte/wiring.py``). Its inputs are the files and a manifest saying which declaration each file answers, so the
same code records task outputs, workflow-return declarations and raw container outputs, locally and in pods.
"""

from __future__ import annotations

import json
import typing

from flytekit import task
from flytekit.types.file import FlyteFile

from .recording import MANIFEST_VERSION, record_files

__all__ = ["MANIFEST_VERSION", "file_uri", "record_artifacts"]


def file_uri(f: typing.Any) -> str:
    """Where a file value lives: the remote object it came from, else its local path."""
    if isinstance(f, FlyteFile):
        src = f.remote_source
        return str(src) if src else str(f.path)
    return str(f)


@task
def record_artifacts(files: typing.List[FlyteFile], manifest: str) -> str:
    """Record the artifact files of this execution; returns the records as a JSON array."""
    records = record_files(json.loads(manifest), [file_uri(f) for f in files])
    return json.dumps([r.as_dict() for r in records])


record_artifacts._artifacts_internal = True  # type: ignore[attr-defined]
