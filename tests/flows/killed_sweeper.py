"""A sweeper that stops for good at one point of a launch, for tests that SIGKILL it there:

    python -m flows.killed_sweeper FLOWS_FILE MARKER_FILE [claim|launched]

``claim`` (the default): right after its first claim, before ``launched.json``. ``launched``: right after it wrote
``launched.json``, before the run starts. It writes the ledger entry's name into MARKER_FILE, then waits to be
killed. Tests call :func:`kill_at`, which starts it, waits for the marker and kills it."""

import os
import signal
import subprocess
import sys
import time

from flytekitplugins.artifacts.ops import triggers
from flytekitplugins.artifacts.ops.trigger_files import declared_in
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore


def _stop(name):
    with open(sys.argv[2], "w") as f:
        f.write(name)
    time.sleep(600)


def stop_after_claim(store, trig, name, result, *rest):
    _stop(name)


def stop_after_launched(store):
    real = store.backend.write_once

    def write_once(key, data):
        won = real(key, data)
        if won and key.endswith("/launched.json"):
            _stop(key.rsplit("/", 2)[-2])
        return won

    store.backend.write_once = write_once


def kill_at(flows_file, marker, env, stage="claim"):
    """Run this sweeper in a child process, SIGKILL it once it stopped at ``stage``; the ledger entry's name."""
    proc = subprocess.Popen([sys.executable, "-m", "flows.killed_sweeper", str(flows_file), str(marker), stage],
                            env=env, stderr=subprocess.PIPE)
    try:
        while not marker.exists() or not marker.read_text():
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.02)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    return marker.read_text()


if __name__ == "__main__":
    store = ArtifactStore()
    if (sys.argv[3:] or ["claim"])[0] == "launched":
        stop_after_launched(store)
    else:
        triggers._launch_one = stop_after_claim
    triggers.sweep(store, declared_in([sys.argv[1]])[0], from_beginning=True)
