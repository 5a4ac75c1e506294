"""A run on an S3 store is succeeded only when everything it promised is durable: its records, its index entries
and the snapshots of its exports. Faults come from a proxy on 127.0.0.1 in front of the moto server: GET bodies cut
half way, PUTs of chosen keys refused."""

import json
import os
import subprocess
import sys

import pytest
from fault_proxy import FaultProxy

from flytekitplugins.artifacts.backends import read_uri_stream
from flytekitplugins.artifacts.ops.datasets import DatasetCatalog
from flytekitplugins.artifacts.ops.recording import record_files
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
ITEM = {"workflow": "wf", "node_id": "n0", "task": "t", "output_name": "o0", "artifact": "A", "type": "DATA",
        "filename": "data.csv"}


def faults(upstream: str, cut=lambda path: False, deny=lambda path: False, cuts: int = 1) -> FaultProxy:
    """A proxy cutting the first ``cuts`` GET bodies whose path ``cut`` accepts, and refusing (403) every PUT whose
    path ``deny`` accepts."""
    left = [cuts]

    def fault(method, path):
        if method == "PUT" and deny(path):
            return "denied"
        if method == "GET" and left[0] > 0 and cut(path):
            left[0] -= 1
            return "cut"
        return None

    return FaultProxy(upstream, fault)


def cli(*args, env=None):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300, env=env)


def test_a_stream_read_of_an_s3_object_resumes_where_the_body_was_cut(s3_endpoint, s3_bucket, moto_client,
                                                                       monkeypatch):
    data = b"".join(b"%08d\n" % i for i in range(200_000))  # 1.8 MB, read in pieces as a copy does
    moto_client.put_object(Bucket=s3_bucket, Key="raw/big.txt", Body=data)
    proxy = faults(s3_endpoint, cut=lambda path: path.endswith("/raw/big.txt") or "/raw/big.txt?" in path, cuts=3)
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        with read_uri_stream(f"s3://{s3_bucket}/raw/big.txt") as f:
            pieces = []
            while True:
                piece = f.read(64 << 10)
                if not piece:
                    break
                pieces.append(piece)
    finally:
        proxy.close()
    assert b"".join(pieces) == data
    assert len(proxy.faults) == 3
    # The fourth request (the last resumption) went through: four GETs in all, never the whole object again.
    assert len([p for m, p, _ in proxy.passed if m == "GET" and "big.txt" in p]) == 1


def test_a_stream_that_is_always_cut_is_one_clear_error(s3_endpoint, s3_bucket, moto_client, monkeypatch):
    from flytekitplugins.artifacts.errors import ArtifactError

    moto_client.put_object(Bucket=s3_bucket, Key="raw/cut.txt", Body=b"x" * 100_000)
    monkeypatch.setattr("flytekitplugins.artifacts.backends.s3.client.time.sleep", lambda s: None)
    proxy = faults(s3_endpoint, cut=lambda path: "/raw/cut.txt" in path, cuts=1000)
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        with pytest.raises(ArtifactError) as e:
            with read_uri_stream(f"s3://{s3_bucket}/raw/cut.txt") as f:
                f.read()
    finally:
        proxy.close()
    message = str(e.value)
    assert "\n" not in message and f"s3://{s3_bucket}/raw/cut.txt" in message and "6 in a row" in message


def test_a_pod_recorder_whose_index_write_fails_ends_the_run_failed_and_unindexed(s3_endpoint, s3_root,
                                                                                   task_output, monkeypatch):
    uri, data = task_output
    monkeypatch.setenv("FLYTE_INTERNAL_EXECUTION_ID", "podrun1")
    proxy = faults(s3_endpoint, cut=lambda path: "/store/executions/" in path,
                   deny=lambda path: "/index/files/" in path, cuts=2)
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        with pytest.raises(Exception, match="access denied") as e:
            record_files({"files": [ITEM]}, [uri])
    finally:
        proxy.close()
    assert "\n" not in str(e.value)
    assert any(what == "denied" for _, _, what in proxy.faults)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.delenv("FLYTE_INTERNAL_EXECUTION_ID")
    store = ArtifactStore()
    assert store.run_status("podrun1") == "failed"  # not back to "running"
    assert store.executions() == []
    # No entry left in any index folder (a folder's "newest" pointer may stay: it names an entry that is gone).
    assert [k for k in store.backend.list("index") if not k.startswith("index/newest/")] == []
    assert cli("list", "--json").stdout.strip() in ("", "[]")
    r = cli("verify", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["problems"] == []
    r = cli("verify", "--repair", "--json")
    assert r.returncode == 0 and ArtifactStore().executions() == []  # repair never publishes it


def test_a_local_run_whose_snapshot_cannot_commit_fails_and_stays_invisible(s3_endpoint, s3_root, s3_bucket,
                                                                            monkeypatch):
    from flows import exports

    catalog = DatasetCatalog(ArtifactStore())
    ds = catalog.create("models", f"s3://{s3_bucket}/published/models")
    proxy = faults(s3_endpoint, cut=lambda path: "/store/executions/" in path,
                   deny=lambda path: "/published/models/snapshots/" in path and path.split("?")[0].endswith(".json"),
                   cuts=3)
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        with pytest.raises(Exception, match="access denied") as e:
            exports.training(text="never committed")
    finally:
        proxy.close()
    # flytekit puts the node's name above the error; the error itself is one line naming the manifest it could not
    # write.
    cause = str(e.value).strip().splitlines()[-1]
    assert "access denied" in cause and "published/models/snapshots/1.json" in cause, str(e.value)
    assert any(what == "cut" for _, _, what in proxy.faults)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    store = ArtifactStore()
    (run,) = store.executions(include_all=True)
    assert run["status"] == "failed" and store.executions() == []
    assert catalog.snapshots(ds) == []
    r = cli("verify", "--repair", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert ArtifactStore().executions() == []
