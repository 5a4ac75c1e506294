"""Pod by pod against S3 through a fault proxy: a run is succeeded only when everything it promised is durable. The
export nodes run after the recorder and the last one ends the run; a snapshot that cannot be committed, or an index
that cannot be written, fails the run, which then stays out of every listing and is never repaired into view."""

import json
import os
import subprocess
import sys
import uuid

import cluster_harness as harness
import pytest
from repo_paths import TESTS

sys.path.insert(0, os.path.join(TESTS, "integration", "s3"))
from fault_proxy import FaultProxy  # noqa: E402

WORKFLOW = "flows.exports.training"
PACKAGED = (TESTS, "flows.exports", "ghcr.io/example/flows:1", "flows.tgz")


def faults(upstream: str, deny, cut_where, cuts: int = 2) -> FaultProxy:
    left = [cuts]

    def fault(method, path):
        if method == "PUT" and deny(path):
            return "denied"
        if method == "GET" and left[0] > 0 and cut_where(path):
            left[0] -= 1
            return "cut"
        return None

    return FaultProxy(upstream, fault)


def store_cli(root, env, *args):
    return subprocess.run([os.path.join(harness.BIN, "flyte-artifacts"), "--root", root, *args], env=env,
                          capture_output=True, text=True, timeout=300)


def through(s3_endpoint, s3_bucket, proxy):
    s3 = harness.S3(s3_endpoint, s3_bucket)
    root = f"s3://{s3_bucket}/artifacts"
    # Only the store's own calls (boto3, AWS_*) go through the proxy; flytekit's data layer uses FLYTE_AWS_ENDPOINT.
    cluster = harness.Cluster(s3, TESTS, env={"FLYTE_ARTIFACTS_ROOT": root, "AWS_ENDPOINT_URL": proxy.url})
    return cluster, root


def check_hidden(root, s3, tmp_path, eid):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **s3.env()}
    (run,) = json.loads(store_cli(root, env, "executions", "--all", "--json").stdout)
    assert (run["execution_id"], run["status"]) == (eid, "failed")
    assert json.loads(store_cli(root, env, "executions", "--json").stdout) == []
    listed = store_cli(root, env, "list", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == []
    verified = store_cli(root, env, "verify", "--json")
    assert verified.returncode == 0 and json.loads(verified.stdout)["problems"] == [], verified.stdout
    repaired = store_cli(root, env, "verify", "--repair", "--json")
    assert repaired.returncode == 0
    assert json.loads(store_cli(root, env, "executions", "--json").stdout) == []


def test_the_last_export_node_ends_the_run(package, s3_endpoint, s3_bucket, tmp_path, monkeypatch):
    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    wf = package.workflow(WORKFLOW)
    nodes = {n.id: n for n in wf.nodes}
    assert "artifacts-recorder" in nodes["artifacts-export"].upstream_node_ids
    bound = {b.var: b.binding for b in nodes["artifacts-recorder"].inputs}
    manifest = json.loads(bound["manifest"].scalar.primitive.string_value)
    assert manifest["ends_run"] is False  # the recorder leaves the run to the export node
    request = json.loads({b.var: b.binding for b in nodes["artifacts-export"].inputs}["request"]
                         .scalar.primitive.string_value)
    assert request["ends_run"] is True
    proxy = faults(s3_endpoint, deny=lambda path: False, cut_where=lambda path: "/artifacts/executions/" in path)
    try:
        cluster, root = through(s3_endpoint, s3_bucket, proxy)
        monkeypatch.setenv("FLYTE_ARTIFACTS_ROOT", root)
        catalog = DatasetCatalog(ArtifactStore(root))
        ds = catalog.create("models", f"s3://{s3_bucket}/published/models")
        eid = "t" + uuid.uuid4().hex[:19]
        result = cluster.run(package, WORKFLOW, {"text": "pod"}, eid)
        store = ArtifactStore(root)
        assert result.order[-1] == "artifacts-export"
        assert [(r["execution_id"], r["status"]) for r in store.executions()] == [(eid, "succeeded")]
        assert [s.number for s in catalog.snapshots(ds)] == [1]
    finally:
        proxy.close()
    assert any(what == "cut" for _, _, what in proxy.faults)  # cut bodies were read again, and the run succeeded


def test_a_snapshot_that_cannot_commit_fails_the_run_pod_by_pod(package, s3_endpoint, s3_bucket, tmp_path,
                                                                 monkeypatch):
    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    proxy = faults(s3_endpoint, deny=lambda path: "/published/models/snapshots/" in path
                   and path.split("?")[0].endswith(".json"), cut_where=lambda path: "/artifacts/executions/" in path)
    try:
        cluster, root = through(s3_endpoint, s3_bucket, proxy)
        monkeypatch.setenv("FLYTE_ARTIFACTS_ROOT", root)
        catalog = DatasetCatalog(ArtifactStore(root))
        ds = catalog.create("models", f"s3://{s3_bucket}/published/models")
        eid = "u" + uuid.uuid4().hex[:19]
        with pytest.raises(harness.NodeFailed) as e:
            cluster.run(package, WORKFLOW, {"text": "pod"}, eid)
    finally:
        proxy.close()
    message = str(e.value)
    assert "artifacts-export" in message
    assert any("access denied (AccessDenied)" in x and "snapshots/1.json" in x for x in message.splitlines())
    assert any(what == "denied" for _, _, what in proxy.faults)
    assert catalog.snapshots(ds) == []
    check_hidden(root, cluster.s3, tmp_path, eid)


def test_a_recorder_whose_index_write_fails_fails_the_run_pod_by_pod(package, s3_endpoint, s3_bucket, tmp_path):
    proxy = faults(s3_endpoint, deny=lambda path: "/artifacts/index/files/" in path,
                   cut_where=lambda path: "/artifacts/executions/" in path)
    try:
        cluster, root = through(s3_endpoint, s3_bucket, proxy)
        eid = "v" + uuid.uuid4().hex[:19]
        # No export can run: the dataset is missing. The recorder ends the run here (no export node ends it).
        with pytest.raises(harness.NodeFailed) as e:
            cluster.run(package, "flows.exports.inner", {"text": "pod"}, eid)
    finally:
        proxy.close()
    assert "artifacts-recorder" in str(e.value) and "access denied (AccessDenied)" in str(e.value)
    check_hidden(root, cluster.s3, tmp_path, eid)
