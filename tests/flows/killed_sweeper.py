"""A sweeper that stops for good right after its first claim, for tests that SIGKILL it there:

    python -m flows.killed_sweeper FLOWS_FILE MARKER_FILE

It writes the claimed ledger entry's name into MARKER_FILE, then waits to be killed."""

import sys
import time

from flytekitplugins.artifacts.ops import triggers
from flytekitplugins.artifacts.ops.trigger_files import declared_in
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore


def stop_after_claim(store, trig, name, result):
    with open(sys.argv[2], "w") as f:
        f.write(name)
    time.sleep(600)


if __name__ == "__main__":
    triggers._launch_one = stop_after_claim
    triggers.sweep(ArtifactStore(), declared_in([sys.argv[1]])[0], from_beginning=True)
