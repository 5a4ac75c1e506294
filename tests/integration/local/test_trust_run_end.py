"""A run is succeeded only when everything it promised is durable: a full disk while its index is written fails it."""

import errno
import os
import subprocess
import sys

import pytest

from flytekitplugins.artifacts.store import index
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")


def test_a_full_disk_while_the_index_is_written_fails_the_run_and_repair_never_publishes_it(monkeypatch):
    from flows import core

    real = index.add_entries

    def disk_full_at_the_file_entries(backend, prefixes, name, data, workers=1, **kwargs):
        if any(p.startswith("index/files/") for p in prefixes):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(backend, prefixes, name, data, workers, **kwargs)

    monkeypatch.setattr(index, "add_entries", disk_full_at_the_file_entries)
    with pytest.raises(OSError, match="No space left"):
        core.training(text="never published")
    monkeypatch.setattr(index, "add_entries", real)

    store = ArtifactStore()
    assert store.executions() == []  # not even the run's entry written before the disk filled
    (run,) = store.executions(include_all=True)
    assert run["status"] == "failed"
    assert store.backend.list_children("index/executions") == []
    r = subprocess.run([CLI, "verify", "--repair", "--json"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert ArtifactStore().executions() == []
    listed = subprocess.run([CLI, "executions", "--all"], capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0 and "failed" in listed.stdout
