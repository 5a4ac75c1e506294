"""A Domino seed flow pod by pod: packaged with ``pyflyte package`` and run with ``cluster_harness`` against moto's
S3, Domino's ``/workflow`` paths on as in a pod; the seed's flows run locally in ``integration/local/test_domino.py``.
"""

import os
import uuid

import cluster_harness as harness
from example_checks import MEASUREMENTS, SEED_TRAINING, check_seed_content
from repo_paths import REPO

from flytekitplugins.artifacts import ArtifactStore
from flytekitplugins.artifacts.domino import paths


def test_seed_flow_runs_pod_by_pod_with_workflow_paths_on(s3_endpoint, s3_bucket, tmp_path):
    """In a pod (FLYTE_INTERNAL_EXECUTION_ID set) the paths are on without any setting; each task finds its
    DominoJobTask again by compiling the workflow, and the scripts read and write under the Domino folder."""
    out = tmp_path / "flows.tgz"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLYTE_")}
    harness.pyflyte_package(REPO, "examples.domino.training", str(out), "ghcr.io/example/domino:1", env=env)
    pkg = harness.load_package(str(out))
    s3 = harness.S3(s3_endpoint, s3_bucket)
    root = f"s3://{s3_bucket}/artifacts"
    base = tmp_path / "workflow"
    cluster = harness.Cluster(s3, REPO, env={"FLYTE_ARTIFACTS_ROOT": root, paths.BASE_ENV: str(base)})
    execution_id = "e" + uuid.uuid4().hex[:19]
    result = cluster.run(pkg, "examples.domino.training.training_workflow", {"data_path": MEASUREMENTS}, execution_id)
    assert "prep: read 60 rows" in result.nodes["n0"].log
    assert os.listdir(base) == []
    recs = {(r.artifact, r.type, r.filename): r for r in ArtifactStore(root).records(execution_id)}
    assert set(recs) == set(SEED_TRAINING)
    for key, (node_id, output, _) in SEED_TRAINING.items():
        assert recs[key].uri == harness.blob_uri(result.nodes[node_id].outputs.literals[output])
        local = tmp_path / key[2]
        local.write_bytes(s3.get(recs[key].uri))
        check_seed_content(key, str(local))
