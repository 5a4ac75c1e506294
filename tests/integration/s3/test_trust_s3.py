"""S3 faults against the moto server: a proxy on 127.0.0.1 that cuts responses short, in front of real S3 calls."""

import hashlib

import boto3
import pytest
from fault_proxy import FaultProxy

from flytekitplugins.artifacts.backends import hash_uri
from flytekitplugins.artifacts.backends.s3.client import IncompleteRead
from flytekitplugins.artifacts.ops.recording import record_files
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore


def cutting(upstream: str, match, cuts: int) -> FaultProxy:
    """A proxy whose first ``cuts`` GETs of a path ``match`` accepts get the full Content-Length header but only half
    of the body before the connection is closed."""
    left = [cuts]

    def cut(method, path):
        if method == "GET" and left[0] > 0 and match(path):
            left[0] -= 1
            return "cut"
        return None

    return FaultProxy(upstream, cut)


def through(monkeypatch, proxy):
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)


ITEM = {"workflow": "wf", "node_id": "n0", "task": "t", "output_name": "o0", "artifact": "A", "type": "DATA",
        "filename": "data.csv"}


def test_a_short_read_is_retried_and_the_record_is_right(s3_endpoint, s3_root, task_output, monkeypatch):
    uri, data = task_output
    proxy = cutting(s3_endpoint, lambda path: "/raw/" in path, 2)
    try:
        through(monkeypatch, proxy)
        monkeypatch.setenv("FLYTE_INTERNAL_EXECUTION_ID", "exec1")
        (rec,) = record_files({"files": [ITEM]}, [uri])
    finally:
        proxy.close()
    assert len(proxy.faults) == 2
    assert (rec.size, rec.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_reads_that_keep_failing_record_nothing(s3_endpoint, s3_root, task_output, monkeypatch):
    uri, data = task_output
    proxy = cutting(s3_endpoint, lambda path: "/raw/" in path, 100)
    monkeypatch.setattr("flytekitplugins.artifacts.backends.s3.client.time.sleep", lambda s: None)
    try:
        through(monkeypatch, proxy)
        monkeypatch.setenv("FLYTE_INTERNAL_EXECUTION_ID", "exec2")
        with pytest.raises(IncompleteRead, match="could not read .* whole in 6 attempts.*nothing was recorded"):
            record_files({"files": [ITEM]}, [uri])
    finally:
        proxy.close()
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    store = ArtifactStore(s3_root)
    assert not store.has_execution("exec2") and store.backend.list("executions") == []


def test_hash_checks_the_checksum_s3_keeps(s3_endpoint, s3_bucket, monkeypatch):
    client = boto3.session.Session().client("s3", endpoint_url=s3_endpoint)
    data = b"checked bytes"
    client.put_object(Bucket=s3_bucket, Key="k", Body=data, ChecksumAlgorithm="SHA256")
    assert hash_uri(f"s3://{s3_bucket}/k") == (len(data), hashlib.sha256(data).hexdigest())


def test_get_and_datasets_get_retry_a_short_read(s3_endpoint, s3_root, s3_bucket, task_output, monkeypatch, tmp_path):
    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog, ExportItem

    uri, data = task_output
    monkeypatch.setenv("FLYTE_INTERNAL_EXECUTION_ID", "exec3")
    (rec,) = record_files({"files": [ITEM]}, [uri])
    catalog = DatasetCatalog(ArtifactStore())
    ds = catalog.create("cut", f"s3://{s3_bucket}/datasets/cut")
    catalog.export(ds, [ExportItem("data.csv", rec)], run_key="r", source={})
    proxy = cutting(s3_endpoint, lambda path: "/raw/" in path or "/datasets/cut/snapshots/1/" in path, 2)
    try:
        through(monkeypatch, proxy)
        ArtifactStore().download(rec, str(tmp_path / "a.csv"))
        catalog.download(ds, "data.csv", str(tmp_path / "b.csv"))
    finally:
        proxy.close()
    assert len(proxy.faults) == 2
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes() == data


def test_get_when_every_read_is_cut_says_so_in_one_line_and_writes_nothing(s3_endpoint, s3_root, task_output,
                                                                             monkeypatch, tmp_path):
    import os
    import subprocess
    import sys

    uri, data = task_output
    monkeypatch.setenv("FLYTE_INTERNAL_EXECUTION_ID", "exec4")
    (rec,) = record_files({"files": [ITEM]}, [uri])
    monkeypatch.delenv("FLYTE_INTERNAL_EXECUTION_ID")
    proxy = cutting(s3_endpoint, lambda path: "/raw/" in path, 1000)
    out = tmp_path / "out" / "data.csv"
    try:
        env = {**os.environ, "AWS_ENDPOINT_URL": proxy.url}
        cli = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
        r = subprocess.run([cli, "get", "A", "data.csv", "-e", "exec4", "-o", str(out)], env=env,
                           capture_output=True, text=True, timeout=120)
    finally:
        proxy.close()
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("error: could not read 'A'/'data.csv' at ") and uri in line
    # The first request and each request for the rest broke off (each giving half of what was left, until six in a
    # row gave nothing more).
    assert f"{len(proxy.faults)} attempts broke off" in line and len(proxy.faults) >= 6
    assert not out.exists() and (not out.parent.exists() or list(out.parent.iterdir()) == [])  # nothing written


def test_every_s3_read_of_the_store_retries_a_cut_body(s3_endpoint, s3_root, task_output, monkeypatch):
    uri, data = task_output
    monkeypatch.setenv("FLYTE_INTERNAL_EXECUTION_ID", "exec5")
    (rec,) = record_files({"files": [ITEM]}, [uri])
    proxy = cutting(s3_endpoint, lambda path: "/records/" in path or "/execution.json" in path, 3)
    try:
        through(monkeypatch, proxy)
        store = ArtifactStore()
        assert store.record("exec5", "A", "data.csv") == rec  # record and run documents: cut, read again
        assert store.run_status("exec5") == "succeeded"
    finally:
        proxy.close()
    assert len(proxy.faults) == 3


def test_an_s3_read_that_is_always_cut_is_one_clear_error(s3_endpoint, s3_root, task_output, monkeypatch):
    from flytekitplugins.artifacts.errors import ArtifactError

    uri, data = task_output
    monkeypatch.setenv("FLYTE_INTERNAL_EXECUTION_ID", "exec6")
    record_files({"files": [ITEM]}, [uri])
    monkeypatch.setattr("flytekitplugins.artifacts.backends.s3.backend.time.sleep", lambda s: None)
    proxy = cutting(s3_endpoint, lambda path: "/records/" in path, 1000)
    try:
        through(monkeypatch, proxy)
        with pytest.raises(ArtifactError, match="could not read s3://.*/records/.* whole in 6 attempts"):
            ArtifactStore().backend.read_bytes("executions/exec6/records/A/data.csv.json")
    finally:
        proxy.close()
