"""Datasets on S3, against moto's server over real HTTP: uploads, server-side copies, checks, retries, processes."""

import base64
import hashlib
import json
import os
import signal
import subprocess
import time
import urllib.parse
import urllib.request

import pytest
from fault_proxy import FaultProxy
from flows import exports
from flows.dataset_exporter import exporter_cmd, make_record, run_exporter, run_released_together

from flytekitplugins.artifacts import ArtifactValueError
from flytekitplugins.artifacts.backends import IntegrityError
from flytekitplugins.artifacts.ops.datasets import DatasetCatalog, ExportItem
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def get(moto_client, uri: str) -> bytes:
    bucket, _, key = uri[len("s3://"):].partition("/")
    return moto_client.get_object(Bucket=bucket, Key=key)["Body"].read()


def keys(moto_client, bucket, prefix):
    out = []
    for page in moto_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        out.extend(o["Key"] for o in page.get("Contents", []))
    return out


class Recording:
    """moto's request recorder: what the exporter actually sent to S3."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def _call(self, path, method="POST"):
        req = urllib.request.Request(self.endpoint + path, method=method)
        with self.opener.open(req, timeout=10) as r:
            return r.read()

    def __enter__(self):
        self._call("/moto-api/recorder/reset-recording")
        self._call("/moto-api/recorder/start-recording")
        return self

    def __exit__(self, *exc):
        self._call("/moto-api/recorder/stop-recording")
        self.requests = []
        text = self._call("/moto-api/recorder/download-recording", "GET").decode("utf-8", "replace")
        # Entries are JSON objects one after another; a binary body can leave two without a newline between.
        decoder, i = json.JSONDecoder(), 0
        while True:
            while i < len(text) and text[i].isspace():
                i += 1
            if i >= len(text):
                break
            d, i = decoder.raw_decode(text, i)
            headers = {k.lower(): v for k, v in d.get("headers", {}).items()}
            self.requests.append((d["method"], urllib.parse.unquote(urllib.parse.urlparse(d["url"]).path), headers))


# ---- uploads from a local store -------------------------------------------------------------------------------


def test_local_files_into_an_s3_dataset(s3_bucket, moto_client, tmp_path):
    store = ArtifactStore()  # local store; the dataset is on S3
    catalog = DatasetCatalog(store)
    ds = catalog.create("s3-data", f"s3://{s3_bucket}/datasets/s3-data/")
    assert ds.uri == f"s3://{s3_bucket}/datasets/s3-data"
    big = os.urandom(40 << 20)  # above the multipart threshold: uploaded in parts, concurrently
    records = [
        make_record(store, tmp_path / "src", "e1", "big.bin", big),
        make_record(store, tmp_path / "src", "e1", "small.csv", b"a,b\n1,2\n"),
    ]
    seen = []
    # What the shared moto_client puts on the wire (moto's own recorder is not safe with large concurrent bodies).
    from flytekitplugins.artifacts.backends.s3.client import s3_client

    sent = []

    def capture(request, **kwargs):
        headers = {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        sent.append((request.method, urllib.parse.urlparse(request.url).path, headers))

    s3_client().meta.events.register("before-send.s3", capture)
    try:
        snap = catalog.export(ds, [ExportItem(r.filename, r) for r in records], run_key="r1", source={},
                              progress=seen.append).snapshot
    finally:
        s3_client().meta.events.unregister("before-send.s3", capture)
    # S3 is asked to check what it stores: the record's sha256 for a one-request upload, a SHA256 per part.
    small_put = [h for m, p, h in sent if m == "PUT" and p.endswith("/snapshots/1/small.csv")]
    assert [h.get("x-amz-checksum-sha256") for h in small_put] == [
        base64.b64encode(bytes.fromhex(records[1].sha256)).decode()
    ]
    parts = [h for m, p, h in sent if m == "PUT" and p.endswith("/snapshots/1/big.bin")]
    assert len(parts) == 3
    part = 16 << 20
    assert {h.get("x-amz-checksum-sha256") for h in parts} == {
        base64.b64encode(hashlib.sha256(big[i : i + part]).digest()).decode() for i in range(0, len(big), part)
    }
    assert snap.number == 1 and snap.bytes == len(big) + 8
    assert sum(seen) == snap.bytes
    assert get(moto_client, f"{ds.uri}/{snap.file('big.bin').key}") == big
    assert get(moto_client, f"{ds.uri}/{snap.file('small.csv').key}") == b"a,b\n1,2\n"
    manifest = json.loads(get(moto_client, f"{ds.uri}/snapshots/1.json"))
    assert manifest["files"][0]["sha256"] == sha(big)
    out = tmp_path / "big.out"
    catalog.download(ds, "big.bin", str(out))
    assert out.read_bytes() == big


def test_bytes_that_do_not_match_the_record_never_land(s3_bucket, moto_client, tmp_path):
    store = ArtifactStore()
    catalog = DatasetCatalog(store)
    ds = catalog.create("checked", f"s3://{s3_bucket}/checked")
    for size in (20 << 20, 1000):  # multipart and single-request uploads
        rec = make_record(store, tmp_path / "src", f"e{size}", "f.bin", os.urandom(size), put=False)
        with open(rec.uri, "r+b") as f:
            f.seek(size // 2)
            f.write(b"X")  # one byte changed after recording
        with pytest.raises(IntegrityError, match="no longer matches its record"):
            catalog.export(ds, [ExportItem("f.bin", rec)], run_key=f"r{size}", source={})
    assert catalog.snapshots(ds) == []
    assert keys(moto_client, s3_bucket, "checked/snapshots/") == []
    # The aborted multipart upload left nothing behind either.
    assert moto_client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []


def test_missing_bucket_is_refused_at_create(s3_endpoint):
    with pytest.raises(ArtifactValueError, match="does not exist"):
        DatasetCatalog().create("d", "s3://no-such-bucket-here/x")
    assert DatasetCatalog().list() == []


# ---- server-side copies from an S3 store ----------------------------------------------------------------------


@pytest.mark.moto_only  # moto's request recorder
def test_s3_store_to_s3_dataset_copies_server_side(s3_root, s3_bucket, s3_endpoint, moto_client, tmp_path):
    store = ArtifactStore()
    assert store.root == s3_root
    catalog = DatasetCatalog(store)
    ds = catalog.create("copied", f"s3://{s3_bucket}/datasets/copied")
    data = os.urandom(3 << 20)
    rec = make_record(store, tmp_path / "src", "e1", "data.bin", data)
    assert rec.uri.startswith(s3_root + "/blobs/")
    with Recording(s3_endpoint) as rec_log:
        snap = catalog.export(ds, [ExportItem("data.bin", rec)], run_key="r", source={}).snapshot
    dest_key = f"/{s3_bucket}/datasets/copied/{snap.file('data.bin').key}"
    src_key = rec.uri[len("s3://") :]
    writes = [(m, h) for m, p, h in rec_log.requests if p == dest_key and m == "PUT"]
    assert len(writes) == 1
    method, headers = writes[0]
    assert urllib.parse.unquote(headers["x-amz-copy-source"]).lstrip("/") == src_key
    assert headers.get("x-amz-checksum-algorithm") == "SHA256"
    # The bytes never passed through the exporter.
    assert not [p for m, p, _ in rec_log.requests if m == "GET" and p.lstrip("/") == src_key]
    assert get(moto_client, f"{ds.uri}/{snap.file('data.bin').key}") == data


def test_server_side_copy_checks_the_sha256_s3_computed(s3_root, s3_bucket, moto_client, tmp_path):
    store = ArtifactStore()
    catalog = DatasetCatalog(store)
    ds = catalog.create("copied", f"s3://{s3_bucket}/datasets/copied")
    rec = make_record(store, tmp_path / "src", "e1", "data.bin", b"real bytes")
    bucket, _, key = rec.uri[len("s3://") :].partition("/")
    moto_client.put_object(Bucket=bucket, Key=key, Body=b"fake bytes")  # same size, other content
    with pytest.raises(IntegrityError, match="no longer matches its record"):
        catalog.export(ds, [ExportItem("data.bin", rec)], run_key="r", source={})
    assert catalog.snapshots(ds) == []
    assert keys(moto_client, s3_bucket, "datasets/copied/snapshots/") == []


# ---- a workflow on S3 -----------------------------------------------------------------------------------------


def test_workflow_exports_into_an_s3_dataset_from_an_s3_store(s3_root, s3_bucket, moto_client):
    catalog = DatasetCatalog()
    ds = catalog.create("models", f"s3://{s3_bucket}/datasets/models")
    exports.training(text="on s3")
    exports.training(text="again")
    snaps = catalog.snapshots("models")
    assert [s.number for s in snaps] == [1, 2]
    assert get(moto_client, f"{ds.uri}/{snaps[1].file('model.pt').key}") == b"model of col\nagain\n"


# ---- throttling -----------------------------------------------------------------------------------------------


def test_throttled_uploads_are_retried_with_backoff(s3_bucket, s3_endpoint, moto_client, monkeypatch, tmp_path):
    store = ArtifactStore()
    catalog = DatasetCatalog(store)
    ds = catalog.create("throttled", f"s3://{s3_bucket}/throttled")
    records = [make_record(store, tmp_path / "src", "e", f"f{i}.bin", os.urandom(100_000)) for i in range(3)]
    left = [4]

    def slow_down(method, path):
        if left[0] and method == "PUT" and "/throttled/snapshots/" in path:
            left[0] -= 1
            return "slowdown"
        return None

    proxy = FaultProxy(s3_endpoint, slow_down)
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        snap = catalog.export(ds, [ExportItem(r.filename, r) for r in records], run_key="r", source={}).snapshot
    finally:
        proxy.close()
    assert len(proxy.faults) == 4
    assert snap.file_count == 3
    for r in records:
        assert sha(get(moto_client, f"{ds.uri}/{snap.file(r.filename).key}")) == r.sha256


# ---- processes ------------------------------------------------------------------------------------------------


def test_eight_concurrent_exports_into_s3(s3_root, s3_bucket, moto_client, tmp_path):
    store = ArtifactStore()
    catalog = DatasetCatalog(store)
    ds = catalog.create("busy", f"s3://{s3_bucket}/busy")
    go = tmp_path / "go"
    cmds, expect = [], {}
    for i in range(8):
        data = f"exporter {i}\n".encode() * 1000
        r = make_record(store, tmp_path / "src", f"exec-{i}", "data.csv", data)
        expect[f"run-{i}"] = data
        cmds.append(exporter_cmd(store.root, ds.name, [("data.csv", r)], f"run-{i}", go=str(go)))
    numbers = run_released_together(cmds, go)
    assert sorted(numbers) == list(range(1, 9))
    for s in catalog.snapshots(ds):
        assert get(moto_client, f"{ds.uri}/{s.file('data.csv').key}") == expect[s.run_key]


def test_kill_in_the_middle_of_an_s3_export(s3_bucket, moto_client, tmp_path):
    store = ArtifactStore()
    catalog = DatasetCatalog(store)
    ds = catalog.create("killed", f"s3://{s3_bucket}/killed")
    records = [make_record(store, tmp_path / "src", "e", f"part-{i}.bin", os.urandom(20 << 20)) for i in range(3)]
    paused = tmp_path / "paused"
    proc = subprocess.Popen(
        exporter_cmd(
            store.root, ds.name, [(r.filename, r) for r in records], "killed", pause_after=8 << 20, paused=str(paused)
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not paused.exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert catalog.snapshots(ds) == []
    # Files of the killed export may be in its folder, but no manifest makes it a snapshot.
    assert [k for k in keys(moto_client, s3_bucket, "killed/snapshots/") if k.endswith(".json")] == []
    other = make_record(store, tmp_path / "src", "e2", "next.csv", b"next")
    assert run_exporter(store.root, ds.name, [("next.csv", other)], "next") == {"number": 2, "reused": False}
    assert run_exporter(store.root, ds.name, [(r.filename, r) for r in records], "killed") == {
        "number": 1,
        "reused": False,
    }
    snap = catalog.snapshot(ds, 1)
    for r in records:
        assert sha(get(moto_client, f"{ds.uri}/{snap.file(r.filename).key}")) == r.sha256


def test_s3_store_into_a_local_dataset(s3_root, tmp_path):
    store = ArtifactStore()
    catalog = DatasetCatalog(store)
    ds = catalog.create("local", str(tmp_path / "local-ds"))
    data = os.urandom(20 << 20)
    rec = make_record(store, tmp_path / "src", "e1", "data.bin", data)
    assert rec.uri.startswith("s3://")
    snap = catalog.export(ds, [ExportItem("data.bin", rec)], run_key="r", source={}).snapshot
    with open(os.path.join(ds.uri, snap.file("data.bin").key), "rb") as f:
        assert f.read() == data
