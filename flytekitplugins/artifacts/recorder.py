"""The recorder node's task: records the artifact files of this execution, once, after all their producers.

``record_artifacts`` is an ordinary module-level task, so a pod loads it from its serialized loader arguments
like any other task; the plugin adds one node running it to every workflow that declares artifact files (see
``flyte/wiring.py``). Its inputs are the files and a manifest saying which declaration each file answers, so the
same code records task outputs, workflow-return declarations and raw container outputs, locally and in pods.
"""

from __future__ import annotations

import json
import logging
import typing

from flytekit import Deck, task
from flytekit.types.file import FlyteFile

from .inspection import stored_summary
from .recording import MANIFEST_VERSION, record_files
from .run_page import run_page_html
from .store import ArtifactStore

__all__ = ["MANIFEST_VERSION", "file_uri", "record_artifacts"]


def file_uri(f: typing.Any) -> str:
    """Where a file value lives: the remote object it came from, else its local path."""
    if isinstance(f, FlyteFile):
        src = f.remote_source
        return str(src) if src else str(f.path)
    return str(f)


def _artifacts_deck(store: ArtifactStore, records: typing.Sequence[typing.Any]) -> None:
    # The page is a view of what was recorded: a failure to build it is logged, never fails the recording.
    try:
        page = run_page_html(records, {(r.artifact, r.filename): stored_summary(store, r) for r in records})
    except Exception as exc:
        logging.getLogger(__name__).warning("artifacts Deck page not rendered: %s", exc)
        return
    Deck("Artifacts", page)


@task(enable_deck=True)
def record_artifacts(files: typing.List[FlyteFile], manifest: str) -> str:
    """Record the artifact files of this execution; returns the records as a JSON array.

    Its Deck page ("Artifacts") lists every file recorded, grouped by type, with its summary.
    """
    store = ArtifactStore()
    records = record_files(json.loads(manifest), [file_uri(f) for f in files], store)
    _artifacts_deck(store, records)
    return json.dumps([r.as_dict() for r in records])


record_artifacts._artifacts_internal = True  # type: ignore[attr-defined]
