"""Run status pod by pod: a run's files become visible only once every node of the run has succeeded, and a pod
with no store root fails loudly. Serialized with ``pyflyte package`` and run with ``cluster_harness``."""

import json
import os
import subprocess
import uuid

import cluster_harness as harness
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGED = (HERE, "cluster_status_flows", "ghcr.io/example/flows:1.0", "flows.tgz")  # for the `package` fixture
cli = harness.cli


def test_recorder_runs_after_a_failing_sibling_and_nothing_becomes_visible(package, s3_endpoint, s3_bucket, tmp_path):
    wf = package.workflow("cluster_status_flows.failing_sibling_workflow")
    nodes = {n.id: n for n in wf.nodes}
    check = [i for i, n in nodes.items() if n.task_node.reference_id.name == "cluster_status_flows.failing_check"][0]
    # The check shares no data with the recorder: only the added dependency orders them.
    assert check in nodes["artifacts-recorder"].upstream_node_ids
    s3 = harness.S3(s3_endpoint, s3_bucket)
    root = f"s3://{s3_bucket}/artifacts"
    cluster = harness.Cluster(s3, HERE, env={"FLYTE_ARTIFACTS_ROOT": root})
    with pytest.raises(harness.NodeFailed, match="quality check failed"):
        cluster.run(package, "cluster_status_flows.failing_sibling_workflow", {}, "f" + uuid.uuid4().hex[:19])
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **s3.env()}
    # Nothing at all was written under the store's prefix: every read says there is no store there.
    for args in (["list", "--json"], ["executions", "--all", "--json"]):
        proc = subprocess.run([os.path.join(harness.BIN, "flyte-artifacts"), "--root", root, *args], env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1 and proc.stdout == "" and "there is no artifact store" in proc.stderr, proc


def test_a_succeeded_run_is_visible_with_its_status(package, s3_endpoint, s3_bucket, tmp_path):
    s3 = harness.S3(s3_endpoint, s3_bucket)
    root = f"s3://{s3_bucket}/artifacts"
    cluster = harness.Cluster(s3, HERE, env={"FLYTE_ARTIFACTS_ROOT": root})
    eid = "s" + uuid.uuid4().hex[:19]
    cluster.run(package, "cluster_status_flows.data_only_workflow", {}, eid)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **s3.env()}
    (run,) = json.loads(cli(["--root", root, "executions", "--json"], env))
    assert (run["execution_id"], run["status"]) == (eid, "succeeded")
    assert [r["filename"] for r in json.loads(cli(["--root", root, "list", "--latest", "--json"], env))] == ["data.csv"]


def test_a_pod_without_a_store_root_fails_the_recorder(package, s3_endpoint, s3_bucket):
    s3 = harness.S3(s3_endpoint, s3_bucket)
    cluster = harness.Cluster(s3, HERE, env={})
    with pytest.raises(harness.NodeFailed, match="FLYTE_ARTIFACTS_ROOT is not set in this pod"):
        cluster.run(package, "cluster_status_flows.data_only_workflow", {}, "m" + uuid.uuid4().hex[:19])
