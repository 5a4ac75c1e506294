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

from ...ops.inspection import stored_summary
from ...ops.recording import MANIFEST_VERSION, describe_input, record_files
from ...ops.run_page import run_page_html
from ...store.artifact_store import ArtifactStore, store_for_run
from ...store.identity import current_identity

__all__ = ["MANIFEST_VERSION", "INPUT_KINDS", "file_uri", "record_artifacts"]

#: The kinds of workflow inputs lineage captures, and the recorder input that carries each (a list, in the order of
#: the manifest's ``inputs[kind]`` names). Inputs of other types are named in the manifest, not captured.
INPUT_KINDS = {"str": "str_inputs", "int": "int_inputs", "float": "float_inputs", "bool": "bool_inputs",
               "file": "file_inputs"}


def file_uri(f: typing.Any) -> str:
    """Where a file value lives: the remote object it came from, else its local path."""
    if isinstance(f, FlyteFile):
        src = f.remote_source
        return str(src) if src else str(f.path)
    return str(f)


def _artifacts_deck(store: ArtifactStore, records: typing.Sequence[typing.Any]) -> None:
    # The page is a view of what was recorded: a failure to build it is logged, never fails the recording.
    try:
        summaries = {(r.artifact, r.filename): stored_summary(store, r) for r in records}
        pending = {key for key, summary in summaries.items() if summary is None}
        if pending:
            from ...ops.background_summaries import summary_pending

            pending = {(r.artifact, r.filename) for r in records
                       if (r.artifact, r.filename) in pending and summary_pending(store, r)}
        page = run_page_html(records, summaries, pending)
    except Exception as exc:
        logging.getLogger(__name__).warning("artifacts Deck page not rendered: %s", exc)
        return
    Deck("Artifacts", page)


# Only the Artifacts page: flytekit's default pages add a `pip list` subprocess (about a second) to every run.
@task(enable_deck=True, deck_fields=())
def record_artifacts(
    files: typing.List[FlyteFile],
    manifest: str,
    str_inputs: typing.Optional[typing.List[str]] = None,
    int_inputs: typing.Optional[typing.List[int]] = None,
    float_inputs: typing.Optional[typing.List[float]] = None,
    bool_inputs: typing.Optional[typing.List[bool]] = None,
    file_inputs: typing.Optional[typing.List[FlyteFile]] = None,
) -> str:
    """Record the artifact files of this execution and the run's lineage; returns the records as a JSON array.

    Its Deck page ("Artifacts") lists every file recorded, grouped by type, with its summary.
    """
    m = json.loads(manifest)
    given = {"str": str_inputs, "int": int_inputs, "float": float_inputs, "bool": bool_inputs, "file": file_inputs}
    inputs = {}
    for kind, names in (m.get("inputs") or {}).items():
        if kind == "other":
            inputs.update({n: {"type": t, "captured": False} for n, t in names.items()})
            continue
        for name, value in zip(names, given.get(kind) or []):
            inputs[name] = describe_input(kind, file_uri(value) if kind == "file" else value)
    store = store_for_run(current_identity().local)
    records = record_files(m, [file_uri(f) for f in files], store, inputs=inputs)
    _artifacts_deck(store, records)
    return json.dumps([r.as_dict() for r in records])


record_artifacts._artifacts_internal = True  # type: ignore[attr-defined]
