"""The ETag pin on server-side copies, on every S3 server of the run. Exports copy a record's bytes with
``CopySourceIfMatch`` set to the ETag read just before; moto and Ceph's RADOS gateway ignore a wrong one, so the
copy is checked afterwards against the pinned source. Here the source is replaced while the copy request is on
its way (the fault proxy swaps it as it relays the request), in one request and part by part."""

import os

import pytest
from fault_proxy import FaultProxy
from flows.dataset_exporter import make_record

from flytekitplugins.artifacts.backends import IntegrityError
from flytekitplugins.artifacts.backends.s3 import client as s3client
from flytekitplugins.artifacts.ops.datasets import DatasetCatalog, ExportItem
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore


def replacing_the_source_mid_copy(moto_client, holder):
    """A fault function that, on the first copy request into a snapshot, replaces the source with other bytes of
    the same size (the object then has a new ETag), then lets the request through."""

    def fault(method, path):
        if method == "PUT" and "/datasets/copied/snapshots/" in path and not holder.get("done") and "uri" in holder:
            bucket, _, key = holder["uri"][len("s3://"):].partition("/")
            moto_client.put_object(Bucket=bucket, Key=key, Body=bytes(b ^ 0xFF for b in holder["data"]))
            holder["done"] = path
        return None

    return fault


@pytest.mark.parametrize("how", ["one request", "part by part"])
def test_a_source_replaced_mid_copy_never_lands(how, s3_endpoint, s3_root, s3_bucket, moto_client, tmp_path,
                                                monkeypatch):
    holder = {}
    if how == "part by part":
        # Objects over the single-copy limit are copied in parts (UploadPartCopy): the limit is lowered so a
        # 20 MiB object takes three parts.
        monkeypatch.setattr(s3client, "MAX_SINGLE_COPY", 8 << 20)
    data = os.urandom(20 << 20 if how == "part by part" else 300_000)
    proxy = FaultProxy(s3_endpoint, fault=replacing_the_source_mid_copy(moto_client, holder))
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    try:
        store = ArtifactStore(s3_root)
        catalog = DatasetCatalog(store)
        ds = catalog.create("copied", f"s3://{s3_bucket}/datasets/copied")
        rec = make_record(store, tmp_path / "src", "e1", "data.bin", data)
        assert rec.uri.startswith("s3://")
        holder.update(uri=rec.uri, data=data)
        with pytest.raises(IntegrityError, match="was replaced while it was copied") as err:
            catalog.export(ds, [ExportItem("data.bin", rec)], run_key="r", source={})
        assert "nothing was committed" in str(err.value)
        assert holder.get("done"), "the copy request was never seen"
        if how == "part by part":
            assert "uploadId=" in holder["done"]
    finally:
        proxy.close()
    assert catalog.snapshots(ds) == []
    listed = moto_client.list_objects_v2(Bucket=s3_bucket, Prefix="datasets/copied/snapshots/")
    assert listed.get("KeyCount", 0) == 0


def test_an_unchanged_source_is_copied_and_checked(s3_endpoint, s3_root, s3_bucket, moto_client, tmp_path,
                                                   monkeypatch):
    monkeypatch.setattr(s3client, "MAX_SINGLE_COPY", 8 << 20)
    store = ArtifactStore(s3_root)
    catalog = DatasetCatalog(store)
    ds = catalog.create("copied", f"s3://{s3_bucket}/datasets/copied")
    data = os.urandom(20 << 20)
    rec = make_record(store, tmp_path / "src", "e1", "data.bin", data)
    snap = catalog.export(ds, [ExportItem("data.bin", rec)], run_key="r", source={}).snapshot
    got = moto_client.get_object(Bucket=s3_bucket, Key=f"datasets/copied/{snap.file('data.bin').key}")
    assert got["Body"].read() == data
