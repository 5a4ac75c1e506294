import os
import subprocess
import sys

from repo_paths import EXAMPLES

from flytekitplugins.artifacts.ops.datasets import DatasetCatalog
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore


def test_make_demo_script_runs_the_clinical_flow(artifacts_root, tmp_path):
    env = {**os.environ, "FLYTE_ARTIFACTS_ROOT": artifacts_root}
    r = subprocess.run([sys.executable, os.path.join(EXAMPLES, "demo.py")], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "MINI01 ADaM" in r.stdout and "snapshot 1: 3 files" in r.stdout
    assert f"flyte-artifacts --root {artifacts_root} ui --open" in r.stdout
    store = ArtifactStore()
    recs = store.records(store.latest_execution())
    assert {r.filename for r in recs} == {"adae.xpt", "adsl.xpt", "advs.xpt", "safety_tfl.pdf"}
    snap = DatasetCatalog().snapshot("adam")
    assert sorted(f.path for f in snap.files) == ["adae.xpt", "adsl.xpt", "advs.xpt"]
    # The dataset sits beside the store it was given, not in the repository's own .demo/ folder.
    location = DatasetCatalog().get("adam").uri
    assert location == os.path.join(os.path.dirname(artifacts_root), "datasets", "adam")
