"""The probe of an S3 server's abilities, on every S3 server of the run (moto, and Ceph's RADOS gateway with
ARTIFACTS_TEST_CEPH): its answers are checked against what the server does when asked directly, and it runs once
per process and endpoint however many calls need it."""

import os
import uuid

import botocore.exceptions
import pytest
from fault_proxy import FaultProxy
from flows.dataset_exporter import make_record

from flytekitplugins.artifacts.backends import hash_uri
from flytekitplugins.artifacts.backends.s3 import abilities
from flytekitplugins.artifacts.backends.s3.backend import S3Backend
from flytekitplugins.artifacts.errors import ArtifactValueError
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore


def _refused(call) -> bool:
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"] in ("PreconditionFailed", "412")
    return False


def what_the_server_does(client, bucket):
    """The three abilities, found by asking the server directly (not through the plugin's probe)."""
    key = f"direct/{uuid.uuid4().hex}"
    client.put_object(Bucket=bucket, Key=key, Body=b"first", ChecksumAlgorithm="SHA256")
    keeps = bool(client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED").get("ChecksumSHA256"))
    put = _refused(lambda: client.put_object(Bucket=bucket, Key=key, Body=b"second", IfNoneMatch="*"))
    up = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    part = client.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=b"third")
    complete = _refused(lambda: client.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=up, IfNoneMatch="*",
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}))
    body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    # What a server that ignores the condition does: the existing object is replaced.
    assert body == (b"first" if complete else b"third")
    return abilities.ServerAbilities(keeps, put, complete)


@pytest.fixture
def fresh_probe():
    abilities.reset()
    yield
    abilities.reset()


def test_the_probe_finds_what_the_server_does(fresh_probe, s3_root, s3_bucket, moto_client):
    backend = S3Backend(s3_root)
    assert backend.abilities() == what_the_server_does(moto_client, s3_bucket)
    # Nothing of the probe is left in the store.
    listed = moto_client.list_objects_v2(Bucket=s3_bucket, Prefix="store/")
    assert listed.get("KeyCount", 0) == 0


def test_the_probe_runs_once_for_many_calls(fresh_probe, s3_endpoint, s3_root, tmp_path, monkeypatch):
    proxy = FaultProxy(s3_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    try:
        store = ArtifactStore(s3_root)
        before = abilities.probes_run
        records = [make_record(store, tmp_path / f"src{i}", f"e{i}", "data.bin", os.urandom(1000 + i))
                   for i in range(5)]
        for rec in records:
            hash_uri(rec.uri)
        backend = S3Backend(s3_root)
        for i in range(20):
            assert backend.write_once(f"records/{i}.json", b"{}") is True
        assert abilities.probes_run == before + 1
        probe_keys = {p.split("?")[0] for _, p, _ in proxy.passed if ".tmp-probe-" in p}
        assert len(probe_keys) == 1
    finally:
        proxy.close()


@pytest.mark.moto_only  # a header dropped from a signed request is only let through by moto
def test_a_server_that_overwrites_on_conditional_writes_gets_a_clear_error(fresh_probe, s3_endpoint, s3_root,
                                                                            monkeypatch):
    proxy = FaultProxy(s3_endpoint, unconditional=True)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    try:
        backend = S3Backend(s3_root)
        with pytest.raises(ArtifactValueError, match="overwrites an existing key on PutObject with If-None-Match"):
            backend.write_once("records/a.json", b"first")
        assert not backend.exists("records/a.json")
    finally:
        proxy.close()

