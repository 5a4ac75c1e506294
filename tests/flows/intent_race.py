"""A gc in another process while a real run is between storing its files' bytes and writing their records.

:func:`run_with_gc_in_between` runs ``flows.core.reports`` (two files from one task) in a child process whose store
stops after keeping the first file's bytes, until the parent has run ``flyte-artifacts gc --grace 0s``; then the
run goes on. Shared by the local and the S3 tests.
"""

import json
import os
import subprocess
import sys
import time

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = r"""
import os, sys, time
sys.path.insert(0, sys.argv[1])
ready, go = sys.argv[2], sys.argv[3]
from flytekitplugins.artifacts.store import artifact_store

real = artifact_store.ArtifactStore.put_local_file
kept = []

def held_after_the_first(self, path, *args, **kwargs):
    out = real(self, path, *args, **kwargs)
    kept.append(out)
    if len(kept) == 1:
        open(ready, "w").close()
        until = time.monotonic() + 300
        while not os.path.exists(go) and time.monotonic() < until:
            time.sleep(0.02)
    return out

artifact_store.ArtifactStore.put_local_file = held_after_the_first
from flows import core
core.reports(a="first file", b="second file")
"""


def _wait_for(path: str, proc: subprocess.Popen) -> None:
    until = time.monotonic() + 300
    while not os.path.exists(path):
        if proc.poll() is not None or time.monotonic() > until:
            out, err = proc.communicate()
            raise AssertionError(f"the run ended before storing its first file: {err[-2000:]}")
        time.sleep(0.02)


def run_with_gc_in_between(tmp_path) -> dict:
    """Run the flow with a gc in the middle; returns gc's --json answer (the child run must succeed)."""
    ready, go = str(tmp_path / "ready"), str(tmp_path / "go")
    proc = subprocess.Popen([sys.executable, "-c", CHILD, TESTS, ready, go], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(ready, proc)
        gc = subprocess.run([CLI, "gc", "--grace", "0s", "--json"], capture_output=True, text=True, timeout=300)
        assert gc.returncode == 0, gc.stderr
    finally:
        open(go, "w").close()
        out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-2000:]
    return json.loads(gc.stdout)


def records_after_the_race(tmp_path) -> list:
    """Run the flow with a gc in the middle and check what holds on any store: gc removed no blob, the run has both
    records, its intent is gone and ``verify`` passes; returns the records, whose bytes the caller checks."""
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
    from flytekitplugins.artifacts.store.keys import INTENTS

    out = run_with_gc_in_between(tmp_path)
    assert [r for r in out["removed"] if r["kind"] == "blob"] == []
    store = ArtifactStore()
    (run,) = store.executions()
    recs = store.records(run["execution_id"])
    assert sorted(r.filename for r in recs) == ["t_ae_rel tfl report", "t_vscat.pdf"]
    assert store.backend.list_files(INTENTS) == []  # the intent went once the records were written
    verify = subprocess.run([CLI, "verify", "--json"], capture_output=True, text=True, timeout=300)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    return recs
