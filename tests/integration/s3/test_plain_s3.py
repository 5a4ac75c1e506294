"""The store on an S3-compatible server without the newer S3 features (Ceph's RADOS gateway, older MinIO): no
SHA-256 checksums in any answer and no conditional CompleteMultipartUpload. moto plays that server behind the fault
proxy's ``plain`` mode, which strips every checksum from its answers and drops ``If-None-Match`` on completions."""

import hashlib
import os

import pytest
from fault_proxy import FaultProxy
from flows.dataset_exporter import make_record

from flytekitplugins.artifacts.backends import IntegrityError, blob_key, hash_uri
from flytekitplugins.artifacts.backends.s3.backend import S3Backend
from flytekitplugins.artifacts.backends.s3.client import CHECKSUMS_ENV, SHA256_META
from flytekitplugins.artifacts.errors import ArtifactValueError
from flytekitplugins.artifacts.ops.datasets import DatasetCatalog, ExportItem
from flytekitplugins.artifacts.ops.verify import verify_store
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def plain(s3_endpoint, s3_root, monkeypatch):
    """Every request of the code under test goes through a proxy that hides moto's checksums."""
    proxy = FaultProxy(s3_endpoint, plain=True)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    yield proxy
    proxy.close()


def gets_of(proxy: FaultProxy, key: str):
    return [p for m, p, _ in proxy.passed if m == "GET" and p.split("?")[0].endswith(key)]


@pytest.mark.moto_only  # a header dropped from a signed request is only let through by moto
def test_the_proxy_hides_checksums_and_ignores_conditional_completion(plain, s3_bucket):
    import boto3

    client = boto3.session.Session().client("s3", endpoint_url=plain.url)
    client.put_object(Bucket=s3_bucket, Key="k", Body=b"old", ChecksumAlgorithm="SHA256")
    head = client.head_object(Bucket=s3_bucket, Key="k", ChecksumMode="ENABLED")
    assert "ChecksumSHA256" not in head and head["ContentLength"] == 3
    up = client.create_multipart_upload(Bucket=s3_bucket, Key="k")
    part = client.upload_part(Bucket=s3_bucket, Key="k", UploadId=up["UploadId"], PartNumber=1, Body=b"new")
    client.complete_multipart_upload(Bucket=s3_bucket, Key="k", UploadId=up["UploadId"], IfNoneMatch="*",
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert client.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"new"


def test_a_good_object_is_read_as_good(plain, s3_root, tmp_path):
    store = ArtifactStore(s3_root)
    data = os.urandom(300_000)
    rec = make_record(store, tmp_path / "src", "e1", "data.bin", data)
    assert hash_uri(rec.uri) == (len(data), sha(data))
    report = verify_store(ArtifactStore(s3_root))
    assert report.ok and report.objects == 1 and report.problems == []


def test_a_damaged_blob_of_the_right_size_is_replaced(plain, s3_root, s3_bucket, moto_client, tmp_path):
    data = b"the real bytes"
    key = blob_key(sha(data))
    # Damaged bytes at the blob's address, of the right size: nothing in a HEAD answer tells them apart.
    moto_client.put_object(Bucket=s3_bucket, Key=f"store/{key}", Body=b"the real bytez")
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    backend = S3Backend(s3_root)
    assert backend.put_file_blob(str(path))[0] == key
    assert moto_client.get_object(Bucket=s3_bucket, Key=f"store/{key}")["Body"].read() == data
    head = moto_client.head_object(Bucket=s3_bucket, Key=f"store/{key}")
    assert head["Metadata"][SHA256_META] == sha(data)
    # The same file again: the checked metadata says the blob holds it, so it is not copied again.
    plain.passed.clear()
    assert backend.put_file_blob(str(path))[0] == key
    assert not [p for m, p, _ in plain.passed if m == "PUT" and p.split("?")[0].endswith(key)]


def test_an_s3_store_exports_into_an_s3_dataset(plain, s3_root, s3_bucket, moto_client, tmp_path):
    store = ArtifactStore(s3_root)
    catalog = DatasetCatalog(store)
    ds = catalog.create("copied", f"s3://{s3_bucket}/datasets/copied")
    data = os.urandom(1 << 20)
    rec = make_record(store, tmp_path / "src", "e1", "data.bin", data)
    snap = catalog.export(ds, [ExportItem("data.bin", rec)], run_key="r", source={}).snapshot
    dest = f"datasets/copied/{snap.file('data.bin').key}"
    assert moto_client.get_object(Bucket=s3_bucket, Key=dest)["Body"].read() == data
    # No SHA256 came back with the server-side copy, so the copy was read back and hashed.
    assert gets_of(plain, dest)


def test_a_changed_source_of_the_right_size_never_lands(plain, s3_root, s3_bucket, moto_client, tmp_path):
    store = ArtifactStore(s3_root)
    catalog = DatasetCatalog(store)
    ds = catalog.create("copied", f"s3://{s3_bucket}/datasets/copied")
    rec = make_record(store, tmp_path / "src", "e1", "data.bin", b"real bytes")
    bucket, _, key = rec.uri[len("s3://"):].partition("/")
    moto_client.put_object(Bucket=bucket, Key=key, Body=b"fake bytes")
    with pytest.raises(IntegrityError, match="no longer matches its record"):
        catalog.export(ds, [ExportItem("data.bin", rec)], run_key="r", source={})
    assert catalog.snapshots(ds) == []
    listed = moto_client.list_objects_v2(Bucket=s3_bucket, Prefix="datasets/copied/")
    assert [o["Key"] for o in listed.get("Contents", []) if "/snapshots/" in o["Key"] or "/files/" in o["Key"]] == []


def test_verify_finds_a_damaged_blob_and_repairs_it(plain, s3_root, s3_bucket, moto_client, tmp_path):
    store = ArtifactStore(s3_root)
    catalog = DatasetCatalog(store)
    ds = catalog.create("copied", f"s3://{s3_bucket}/datasets/copied")
    data = b"x" * 5000
    rec = make_record(store, tmp_path / "src", "e1", "data.bin", data)
    catalog.export(ds, [ExportItem("data.bin", rec)], run_key="r", source={})
    bucket, _, key = rec.uri[len("s3://"):].partition("/")
    moto_client.put_object(Bucket=bucket, Key=key, Body=b"y" * 5000)
    report = verify_store(ArtifactStore(s3_root))
    assert [(p.kind, p.where) for p in report.problems] == [("damaged-bytes", rec.uri)]
    repaired = verify_store(ArtifactStore(s3_root), repair=True)
    assert repaired.ok and repaired.problems[0].repaired
    assert moto_client.get_object(Bucket=bucket, Key=key)["Body"].read() == data
    assert verify_store(ArtifactStore(s3_root)).problems == []


def test_records_stay_write_once(plain, s3_root):
    backend = S3Backend(s3_root)
    assert backend.write_once("records/a.json", b"first") is True
    assert backend.write_once("records/a.json", b"second") is False
    assert backend.read_bytes("records/a.json") == b"first"


def test_server_checksums_can_be_ignored_by_configuration(s3_endpoint, s3_root, s3_bucket, moto_client, tmp_path,
                                                           monkeypatch, s3_setting):
    # moto reports checksums; told to ignore them, the export reads its copy back instead of trusting them.
    proxy = FaultProxy(s3_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    s3_setting(CHECKSUMS_ENV, "ignore")
    try:
        store = ArtifactStore(s3_root)
        catalog = DatasetCatalog(store)
        ds = catalog.create("copied", f"s3://{s3_bucket}/datasets/copied")
        rec = make_record(store, tmp_path / "src", "e1", "data.bin", b"some bytes")
        snap = catalog.export(ds, [ExportItem("data.bin", rec)], run_key="r", source={}).snapshot
        assert gets_of(proxy, f"datasets/copied/{snap.file('data.bin').key}")
    finally:
        proxy.close()


def test_a_bad_checksum_setting_is_one_clear_error(s3_root, s3_setting, tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"data")
    s3_setting(CHECKSUMS_ENV, "maybe")
    with pytest.raises(ArtifactValueError, match=f"{CHECKSUMS_ENV}='maybe' is not a choice: use 'auto'"):
        S3Backend(s3_root).put_file_blob(str(path))
