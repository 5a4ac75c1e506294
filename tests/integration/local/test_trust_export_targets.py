"""An export into a dataset that does not exist is refused before the first task runs: a real local flow whose first
task writes a marker file, run in-process and with ``pyflyte run``."""

import os
import subprocess
import sys

import pytest
from repo_paths import TESTS

from flytekitplugins.artifacts.errors import ArtifactNotFoundError
from flytekitplugins.artifacts.ops.datasets import DatasetCatalog
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

BIN = os.path.dirname(sys.executable)


def test_a_local_run_into_a_missing_dataset_never_runs_its_first_task(tmp_path):
    from flows import export_preflight

    marker = tmp_path / "marker.txt"
    with pytest.raises(ArtifactNotFoundError) as e:
        export_preflight.preflight(marker=str(marker))
    message = str(e.value)
    assert "\n" not in message
    assert "exports into a dataset that does not exist, so nothing was run" in message
    assert f"datasets create NAME --uri FOLDER|s3://BUCKET/PREFIX --id {export_preflight.DATASET_ID}" in message
    assert not marker.exists()
    assert ArtifactStore().executions(include_all=True) == []


def test_pyflyte_run_into_a_missing_dataset_never_runs_its_first_task_then_runs_once_it_exists(tmp_path):
    from flows import export_preflight

    marker = tmp_path / "marker.txt"
    cmd = [os.path.join(BIN, "pyflyte"), "run", os.path.join(TESTS, "flows", "export_preflight.py"), "preflight",
           "--marker", str(marker)]
    env = {**os.environ, "PYTHONPATH": TESTS}
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=str(tmp_path))
    assert r.returncode != 0 and not marker.exists(), r.stdout + r.stderr
    # pyflyte wraps the error to the terminal's width: compare with the line breaks undone
    assert f"--id {export_preflight.DATASET_ID}" in " ".join((r.stdout + r.stderr).split())
    DatasetCatalog(ArtifactStore()).create("cleaned", str(tmp_path / "cleaned"), dataset_id=export_preflight.DATASET_ID)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert marker.read_text() == "the first task ran\n"
    (snap,) = DatasetCatalog(ArtifactStore()).snapshots(export_preflight.DATASET_ID)
    assert [f.path for f in snap.files] == ["clean.csv"]
