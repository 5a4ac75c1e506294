"""The training example the cluster way: packaged with ``pyflyte package`` and run pod by pod against moto's S3
(see ``cluster_harness.py``); its local runs are in ``integration/local/test_examples.py``."""

import hashlib
import os
import uuid

import cluster_harness as harness
from example_checks import EXPECTED, check_content
from repo_paths import REPO

from flytekitplugins.artifacts import ArtifactStore


def test_training_example_runs_pod_by_pod(s3_endpoint, s3_bucket, tmp_path):
    """Command tasks created inside the workflow body are found again in each pod (the resolver compiles the
    workflow there), run their scripts from the shipped source, and their outputs are recorded in an S3 store."""
    out = tmp_path / "examples.tgz"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLYTE_")}
    harness.pyflyte_package(REPO, "examples.training", str(out), "ghcr.io/example/examples:1", env=env)
    pkg = harness.load_package(str(out))
    prep = pkg.task("examples.training.training_workflow.Prep data")
    args = list(prep.container.args)
    assert args[args.index("--resolver") + 1] == "flytekitplugins.artifacts.flyte.command.command_task_resolver"
    assert args[args.index("--") + 1 :] == [
        "workflow", "examples.training", "training_workflow", "examples.training.training_workflow.Prep data"
    ]

    s3 = harness.S3(s3_endpoint, s3_bucket)
    root = f"s3://{s3_bucket}/artifacts"
    cluster = harness.Cluster(s3, REPO, env={"FLYTE_ARTIFACTS_ROOT": root})
    execution_id = "e" + uuid.uuid4().hex[:19]
    inputs = {"data_path": "data/measurements.csv"}
    result = cluster.run(pkg, "examples.training.training_workflow", inputs, execution_id)
    assert "prep: read 60 rows" in result.nodes["n0"].log
    # The pod compiles the workflow to find the task; that happens outside the task's execution context.
    assert "not supposed to nest" not in result.nodes["n0"].log + result.nodes["n1"].log

    store = ArtifactStore(root)
    recs = {(r.artifact, r.type, r.filename): r for r in store.records(execution_id)}
    assert set(recs) == set(EXPECTED["training.py"][1])
    for key, (node_id, output, _) in EXPECTED["training.py"][1].items():
        r = recs[key]
        assert r.uri == harness.blob_uri(result.nodes[node_id].outputs.literals[output])
        data = s3.get(r.uri)
        assert hashlib.sha256(data).hexdigest() == r.sha256
        local = tmp_path / key[2]
        local.write_bytes(data)
        check_content(key, str(local))
