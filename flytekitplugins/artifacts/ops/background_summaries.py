"""Summaries computed after their records, by a process of their own, so a local run does not wait for them.

A summary reads and parses the file (pandas for a table), which costs far more than keeping the file and its record:
200 small csv files took three times as long with their summaries computed inline. So for a local run into a local
store the recorder writes each file's bytes, makes them durable, writes the records, and then hands the summaries to
a background process (``python -m flytekitplugins.artifacts.ops.background_summaries ROOT EXECUTION``):

1. the recorder starts the process, then writes ``executions/<exec>/summaries-pending.json`` naming the files and
   the process (host and pid), in the same group commit as the records, before the run ends;
2. the process reads that document, computes each file's summary from the store's own copy of its bytes (never
   from the task's temp file, which flytekit deletes), writes them, syncs them together, and removes the document.

A record is never visible before its bytes are durable (nothing here changes that order); only its summary may
follow it. While the document names a file and its process is alive, ``show`` says "summary pending"; once the
process is gone without finishing (killed), the document no longer counts and ``show`` computes the summary from
the verified bytes, as for any record without one.

``FLYTE_ARTIFACTS_SUMMARIES`` chooses: unset or ``1`` (background for local runs into a local store, inline
elsewhere: a pod's process ends with its task), ``inline`` (always before the run ends), ``0``/``off`` (none).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import typing

from ..errors import ArtifactError, ArtifactNotFoundError
from ..store.artifact_store import ArtifactStore, Record
from ..store.durability import group_commit
from ..store.keys import summaries_pending_key
from ..store.runs import RUNNING, status_of
from .inspection import SUMMARIES_ENV

OFF, INLINE, BACKGROUND = "off", "inline", "background"
#: How long a fresh process waits for the document its recorder writes just after starting it.
DOCUMENT_WAIT_SECONDS = 30.0

# Processes started by this one: kept so they are reaped (a finished child left unreaped looks alive by its pid).
_STARTED: typing.List[subprocess.Popen] = []


def summary_mode() -> str:
    """``off``, ``inline`` or ``background``, from ``$FLYTE_ARTIFACTS_SUMMARIES``."""
    value = os.environ.get(SUMMARIES_ENV, "1").strip().lower()
    if value in ("0", "false", "off", "no"):
        return OFF
    if value == INLINE:
        return INLINE
    return BACKGROUND


def wants_background(store: ArtifactStore, local_run: bool) -> bool:
    """Whether this recording hands its summaries to a background process: a local run into a local store, with
    summaries in the default mode."""
    return local_run and store.backend.scheme == "file" and summary_mode() == BACKGROUND


def defer(store: ArtifactStore, execution_id: str, records: typing.Sequence[Record]) -> bool:
    """Start the process that summarises ``records`` and write the document naming them and it. False when the
    process could not be started (the caller then computes the summaries itself)."""
    if not records:
        return True
    for proc in list(_STARTED):
        if proc.poll() is not None:
            _STARTED.remove(proc)
    try:
        proc = start_worker(store.root, execution_id)
    except OSError:
        return False
    _STARTED.append(proc)
    doc = {"execution_id": execution_id, "files": [[r.artifact, r.filename] for r in records],
           "worker": {"host": socket.gethostname(), "pid": proc.pid}}
    store.backend.write(summaries_pending_key(execution_id), json.dumps(doc).encode())
    return True


def start_worker(root: str, execution_id: str) -> subprocess.Popen:
    """Start the process that summarises one run's pending files: detached (its own session, no terminal), so a
    Ctrl-C meant for the run does not stop it and it outlives the process that recorded the run."""
    argv = [sys.executable, "-m", __name__, root, execution_id]
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, close_fds=True)


def _pending_doc(store: ArtifactStore, execution_id: str) -> typing.Optional[dict]:
    try:
        doc = json.loads(store.backend.read_bytes(summaries_pending_key(execution_id)))
    except (ArtifactNotFoundError, ValueError, UnicodeDecodeError):
        return None
    return doc if isinstance(doc, dict) and isinstance(doc.get("files"), list) else None


def _alive(doc: dict) -> bool:
    worker = doc.get("worker")
    # A process on another host cannot be checked from here: it counts as alive.
    return isinstance(worker, dict) and status_of({"status": RUNNING, "owner": worker}) == RUNNING


def summary_pending(store: ArtifactStore, record: Record) -> bool:
    """Whether ``record``'s summary is still being computed by a background process that is alive."""
    doc = _pending_doc(store, record.execution_id)
    return doc is not None and [record.artifact, record.filename] in doc["files"] and _alive(doc)


def wait_for_summaries(store: ArtifactStore, execution_id: str, timeout: float = 120.0) -> bool:
    """Wait until the run's background summaries have landed (or their process is gone); False on ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        doc = _pending_doc(store, execution_id)
        if doc is None or not _alive(doc):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def summarize_pending(store: ArtifactStore, execution_id: str) -> int:
    """Compute and store every summary the run's pending document names, then remove it; returns how many files
    were summarised (a file with a summary for its bytes already is skipped)."""
    from .inspection import stored_summary, summarize_recorded

    deadline = time.monotonic() + DOCUMENT_WAIT_SECONDS
    doc = _pending_doc(store, execution_id)
    while doc is None and time.monotonic() < deadline:
        time.sleep(0.01)
        doc = _pending_doc(store, execution_id)
    if doc is None:
        return 0
    done = 0
    with group_commit(store):  # every summary synced in one batch, before the document goes
        for pair in doc["files"]:
            try:
                record = store.record(execution_id, *pair)
            except (ArtifactError, TypeError):
                continue  # pruned meanwhile, or a damaged document entry: nothing to summarise
            if stored_summary(store, record) is None and summarize_recorded(store, record, fresh=True) is not None:
                done += 1
    store.backend.delete(summaries_pending_key(execution_id))
    return done


def main(argv: typing.Sequence[str]) -> int:
    """``python -m flytekitplugins.artifacts.ops.background_summaries ROOT EXECUTION``: 0 when done, 1 on bad usage."""
    if len(argv) != 2:
        print("usage: python -m flytekitplugins.artifacts.ops.background_summaries ROOT EXECUTION", file=sys.stderr)
        return 1
    summarize_pending(ArtifactStore(argv[0]), argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
