"""The artifact store on S3, against moto's S3 server over real HTTP (see the fixtures in tests/conftest.py)."""

import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading

import boto3
import botocore.exceptions
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.awsrequest import AWSResponse
from botocore.httpsession import URLLib3Session

from flytekitplugins.artifacts.backends import blob_key, open_backend, read_uri_stream
from flytekitplugins.artifacts.backends.s3 import backend as s3mod
from flytekitplugins.artifacts.backends.s3 import client as s3client
from flytekitplugins.artifacts.backends.s3.backend import S3Backend
from flytekitplugins.artifacts.backends.s3.client import open_s3_uri, s3_client
from flytekitplugins.artifacts.errors import ArtifactError, ArtifactNotFoundError, ArtifactValueError
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record

BIN = os.path.dirname(sys.executable)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record(execution_id="exec-1", artifact="My Data", filename="data.csv", data=b"a,b\n1,2\n", **over) -> Record:
    fields = dict(
        execution_id=execution_id,
        project="flytesnacks",
        domain="development",
        workflow="wf.training",
        node_id="n0",
        task="wf.prep",
        output_name="o0",
        artifact=artifact,
        type="DATA",
        filename=filename,
        file_type="csv",
        uri=f"s3://elsewhere/{filename}",
        size=len(data),
        sha256=sha(data),
        created_at="2026-01-01T00:00:00.000Z",
        code_version="abc123",
    )
    fields.update(over)
    return Record(**fields)


def raw_client(endpoint):
    return boto3.session.Session().client("s3", endpoint_url=endpoint)


def all_keys(endpoint, bucket):
    pages = raw_client(endpoint).get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(o["Key"] for p in pages for o in p.get("Contents", []))


class UploadParts:
    """Counts UploadPart requests the client really sends."""

    def __init__(self):
        self.count = 0
        s3_client().meta.events.register("before-call.s3.UploadPart", self)

    def __call__(self, **kwargs):
        self.count += 1

    def close(self):
        s3_client().meta.events.unregister("before-call.s3.UploadPart", self)


# ---- roots --------------------------------------------------------------------------------------------------


def test_open_backend_dispatches_s3_roots(s3_root, s3_bucket):
    backend = open_backend(s3_root + "/")
    assert isinstance(backend, S3Backend)
    assert (backend.bucket, backend.prefix, backend.root) == (s3_bucket, "store", s3_root)
    assert backend.uri("executions/x/execution.json") == f"{s3_root}/executions/x/execution.json"
    whole = S3Backend(f"s3://{s3_bucket}")
    assert whole.prefix == "" and whole.uri("a/b") == f"s3://{s3_bucket}/a/b"


@pytest.mark.parametrize(
    "root, says",
    [
        ("s3://", "names no bucket"),
        ("s3:///prefix", "names no bucket"),
        ("s3://Bad_Bucket!", "not a valid S3 bucket name"),
        ("s3://ab", "not a valid S3 bucket name"),
        ("s3://192.168.1.1/x", "not a valid S3 bucket name"),
        ("s3://good-bucket/a/../b", "not a plain relative path"),
    ],
)
def test_bad_roots_are_refused_with_the_fix(root, says):
    with pytest.raises(ArtifactValueError) as e:
        ArtifactStore(root)
    assert says in str(e.value) and root.rstrip("/") in str(e.value)
    assert "s3://" in str(e.value)


def test_keys_cannot_escape_the_prefix(s3_root):
    backend = S3Backend(s3_root)
    with pytest.raises(ArtifactValueError, match="not a plain relative path"):
        backend.write("../outside", b"x")


def test_unreachable_endpoint_is_one_clear_error(s3_root, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", dead)
    # Only to keep the test short: the default retries a dead endpoint for a while before giving up.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    with pytest.raises(ArtifactValueError) as e:
        ArtifactStore(s3_root).executions()
    msg = str(e.value)
    assert "cannot reach the S3 endpoint" in msg and dead in msg and s3_root in msg and "AWS_ENDPOINT_URL" in msg
    assert "\n" not in msg


def test_missing_bucket_is_one_clear_error(s3_endpoint):
    root = "s3://no-such-bucket-here/store"
    with pytest.raises(ArtifactValueError) as e:
        ArtifactStore(root).latest_execution()
    assert "does not exist" in str(e.value) and root in str(e.value) and "FLYTE_ARTIFACTS_ROOT" in str(e.value)


def test_cli_reports_a_missing_bucket_in_one_line(s3_endpoint):
    r = subprocess.run(
        [os.path.join(BIN, "flyte-artifacts"), "--root", "s3://no-such-bucket-here/x", "executions", "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 1
    assert "does not exist" in r.stderr and "Traceback" not in r.stderr + r.stdout
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_client_honours_the_endpoint_and_retries(s3_endpoint):
    client = s3_client()
    assert client.meta.endpoint_url == s3_endpoint
    retries = client.meta.config.retries
    assert retries["mode"] in ("standard", "adaptive") and retries["total_max_attempts"] >= 5
    assert s3_client() is client


# ---- Backend primitives -------------------------------------------------------------------------------------


def test_write_once_creates_exactly_once(s3_root, s3_endpoint, s3_bucket):
    backend = S3Backend(s3_root)
    assert backend.write_once("a/b.json", b"first") is True
    assert backend.write_once("a/b.json", b"second") is False
    assert backend.read_bytes("a/b.json") == b"first"
    assert all_keys(s3_endpoint, s3_bucket) == ["store/a/b.json"]


def test_write_once_has_a_single_winner_under_concurrency(s3_root):
    backend = S3Backend(s3_root)
    results = {}
    barrier = threading.Barrier(8)

    def writer(i):
        barrier.wait()
        results[i] = backend.write_once("race.json", f"writer {i}".encode())

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [i for i, created in results.items() if created]
    assert len(results) == 8 and len(winners) == 1
    assert backend.read_bytes("race.json") == f"writer {winners[0]}".encode()


def test_write_once_counts_a_resent_put_as_its_own(s3_root):
    """botocore resends a PUT whose connection dropped after the server stored it: still 'I created it'."""
    backend = S3Backend(s3_root)
    client = s3_client()
    sent = []

    def deliver_then_drop(request, **kwargs):
        if not sent:
            response = URLLib3Session().send(request)
            sent.append(response.status_code)
            raise botocore.exceptions.ConnectionClosedError(endpoint_url=request.url)
        return None

    client.meta.events.register("before-send.s3.PutObject", deliver_then_drop)
    try:
        assert backend.write_once("resent.json", b"mine") is True
    finally:
        client.meta.events.unregister("before-send.s3.PutObject", deliver_then_drop)
    assert sent == [200]
    assert backend.read_bytes("resent.json") == b"mine"
    assert backend.write_once("resent.json", b"mine") is False


class _Raw:
    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **kwargs):
        yield self._body


def s3_error(request, status: int, code: str) -> AWSResponse:
    body = f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode()
    return AWSResponse(request.url, status, {"Content-Type": "application/xml"}, _Raw(body))


def test_write_once_retries_a_conflicting_concurrent_write(s3_root):
    """S3 answers 409 ConditionalRequestConflict while another conditional write to the key is in flight."""
    backend = S3Backend(s3_root)
    client = s3_client()
    conflicts = []

    def conflict_twice(request, **kwargs):
        if len(conflicts) < 2:
            conflicts.append(1)
            return s3_error(request, 409, "ConditionalRequestConflict")
        return None

    client.meta.events.register("before-send.s3.PutObject", conflict_twice)
    try:
        assert backend.write_once("contended.json", b"data") is True
    finally:
        client.meta.events.unregister("before-send.s3.PutObject", conflict_twice)
    assert len(conflicts) == 2 and backend.read_bytes("contended.json") == b"data"


def test_write_once_refuses_endpoints_without_conditional_writes(s3_root):
    backend = S3Backend(s3_root)
    client = s3_client()
    handler = lambda request, **kwargs: s3_error(request, 501, "NotImplemented")  # noqa: E731
    client.meta.events.register("before-send.s3.PutObject", handler)
    try:
        with pytest.raises(ArtifactValueError, match="conditional writes"):
            backend.write_once("x.json", b"data")
    finally:
        client.meta.events.unregister("before-send.s3.PutObject", handler)
    assert not backend.exists("x.json")


def test_access_denied_is_one_clear_error(s3_root):
    client = s3_client()
    handler = lambda request, **kwargs: s3_error(request, 403, "AccessDenied")  # noqa: E731
    client.meta.events.register("before-send.s3.ListObjectsV2", handler)
    try:
        with pytest.raises(ArtifactValueError) as e:
            ArtifactStore(s3_root).executions()
    finally:
        client.meta.events.unregister("before-send.s3.ListObjectsV2", handler)
    msg = str(e.value)
    assert "access denied" in msg and s3_root in msg and "AWS_PROFILE" in msg and "\n" not in msg


def test_read_exists_write_delete(s3_root):
    backend = S3Backend(s3_root)
    assert backend.exists("p.json") is False
    with pytest.raises(ArtifactNotFoundError) as e:
        backend.read_bytes("p.json")
    assert "p.json" in str(e.value) and s3_root in str(e.value)
    backend.write("p.json", b"1")
    backend.write("p.json", b"2")
    assert backend.exists("p.json") and backend.read_bytes("p.json") == b"2"
    backend.delete("p.json")
    backend.delete("p.json")
    assert not backend.exists("p.json")


def test_list_is_recursive_sorted_and_paginated(s3_root, s3_endpoint, s3_bucket):
    backend = S3Backend(s3_root)
    keys = [f"many/{i:04d}.json" for i in range(1005)] + ["many/sub/deep/x", "manyother/y"]
    client = raw_client(s3_endpoint)
    for k in keys:
        client.put_object(Bucket=s3_bucket, Key=f"store/{k}", Body=b"")
    # Outside the root's prefix, so never listed.
    client.put_object(Bucket=s3_bucket, Key="storefront/many/z", Body=b"")
    listed = backend.list("many")
    assert listed == sorted(k for k in keys if k.startswith("many/"))
    assert len(listed) == 1006
    assert backend.list("") == sorted(keys)
    assert backend.list("nothing-here") == []


def test_list_children_names_files_and_folders(s3_root):
    backend = S3Backend(s3_root)
    for k in ["idx/b_2", "idx/a_1", "idx/folder/x", "idx/folder/y", "idx/zz/deeper/q", "idxother/no"]:
        backend.write(k, b"")
    assert backend.list_children("idx") == ["a_1", "b_2", "folder", "zz"]
    assert backend.list_children("idx/zz") == ["deeper"]
    assert backend.list_children("missing") == []
    assert backend.list_children("") == ["idx", "idxother"]


def test_open_s3_uri_streams_any_object(s3_root, s3_endpoint, s3_bucket):
    data = os.urandom(3 << 20)
    raw_client(s3_endpoint).put_object(Bucket=s3_bucket, Key="pod/outputs/model.pt", Body=data)
    uri = f"s3://{s3_bucket}/pod/outputs/model.pt"
    with open_s3_uri(uri) as stream:
        assert stream.read() == data
    with read_uri_stream(uri) as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == sha(data)
    with pytest.raises(ArtifactNotFoundError, match="missing.bin"):
        open_s3_uri(f"s3://{s3_bucket}/pod/missing.bin")


# ---- content-addressed blobs --------------------------------------------------------------------------------


def test_put_local_file_is_content_addressed(s3_root, s3_endpoint, s3_bucket, tmp_path):
    store = ArtifactStore(s3_root)
    data = b"col\nhello\n" * 1000
    one, two, other = tmp_path / "one.csv", tmp_path / "two.csv", tmp_path / "other.csv"
    one.write_bytes(data)
    two.write_bytes(data)
    other.write_bytes(data + b"!")
    seen = []
    uri1, size1, sha1 = store.put_local_file(str(one), progress=seen.append)
    uri2, size2, sha2 = store.put_local_file(str(two))
    uri3, _, sha3 = store.put_local_file(str(other))
    assert (size1, sha1) == (size2, sha2) == (len(data), sha(data))
    assert uri1 == uri2 == f"{s3_root}/{blob_key(sha(data))}"
    assert sha3 == sha(data + b"!") and uri3 != uri1
    assert sum(seen) == len(data)
    # Identical bytes are stored once, and no staging object is left behind.
    assert all_keys(s3_endpoint, s3_bucket) == sorted(
        ["store/" + blob_key(sha(data)), "store/" + blob_key(sha(data + b"!"))]
    )
    assert store.backend.read_bytes(blob_key(sha1)) == data


@pytest.mark.moto_only  # the RADOS gateway keeps no SHA256 checksums
def test_blob_carries_its_sha256_as_an_s3_checksum(s3_root, s3_endpoint, s3_bucket, tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"checked by S3 itself")
    key, _, digest = S3Backend(s3_root).put_file_blob(str(path))
    head = raw_client(s3_endpoint).head_object(Bucket=s3_bucket, Key=f"store/{key}", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == base64.b64encode(bytes.fromhex(digest)).decode()


def test_blob_carries_its_checked_sha256_in_its_metadata(s3_root, s3_endpoint, s3_bucket, tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"checked before the write")
    key, _, digest = S3Backend(s3_root).put_file_blob(str(path))
    head = raw_client(s3_endpoint).head_object(Bucket=s3_bucket, Key=f"store/{key}")
    assert head["Metadata"][s3client.SHA256_META] == digest == sha(b"checked before the write")


def test_a_damaged_blob_is_replaced(s3_root, s3_endpoint, s3_bucket, tmp_path):
    data = b"the real bytes"
    key = blob_key(sha(data))
    # A blob whose stored checksum shows its bytes do not match its address.
    raw_client(s3_endpoint).put_object(
        Bucket=s3_bucket, Key=f"store/{key}", Body=b"the real bytez", ChecksumAlgorithm="SHA256"
    )
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    backend = S3Backend(s3_root)
    assert backend.put_file_blob(str(path))[0] == key
    assert backend.read_bytes(key) == data


def test_a_large_file_goes_up_in_parts_and_is_read_once(s3_root, s3_endpoint, s3_bucket, tmp_path, monkeypatch):
    data = os.urandom(20 << 20)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    store = ArtifactStore(s3_root)
    store.backend.transfer_config = TransferConfig(
        multipart_threshold=5 << 20, multipart_chunksize=5 << 20, max_concurrency=4,
        preferred_transfer_client="classic",
    )
    reads = []
    real_reader = s3mod.HashingReader

    class CountingReader(real_reader):
        def read(self, n=-1):
            buf = super().read(n)
            reads.append(len(buf))
            return buf

    monkeypatch.setattr(s3mod, "HashingReader", CountingReader)
    parts = UploadParts()
    try:
        seen = []
        uri, size, digest = store.put_local_file(str(path), progress=seen.append)
    finally:
        parts.close()
    assert (size, digest) == (len(data), sha(data))
    assert parts.count >= 4
    assert sum(reads) == len(data)
    assert sum(seen) == len(data)
    assert uri == f"{s3_root}/{blob_key(digest)}"
    dest = tmp_path / "back.bin"
    store.backend.download(blob_key(digest), str(dest))
    assert dest.read_bytes() == data
    assert all_keys(s3_endpoint, s3_bucket) == ["store/" + blob_key(digest)]


def test_blobs_over_the_single_copy_limit_are_copied_in_parts(s3_root, s3_endpoint, s3_bucket, tmp_path, monkeypatch):
    data = os.urandom(12 << 20)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    monkeypatch.setattr(s3client, "MAX_SINGLE_COPY", 5 << 20)
    copies = []
    client = s3_client()
    handler = lambda **kw: copies.append(kw["model"].name)  # noqa: E731
    client.meta.events.register("before-call.s3.UploadPartCopy", handler)
    client.meta.events.register("before-call.s3.CopyObject", handler)
    try:
        key, size, digest = S3Backend(s3_root).put_file_blob(str(path))
    finally:
        client.meta.events.unregister("before-call.s3.UploadPartCopy", handler)
        client.meta.events.unregister("before-call.s3.CopyObject", handler)
    assert copies and set(copies) == {"UploadPartCopy"}
    assert S3Backend(s3_root).read_bytes(key) == data and digest == sha(data)


@pytest.mark.parametrize("refresh", ["same bytes", "precondition failed", "other bytes"])
def test_an_old_object_that_changes_while_it_is_refreshed_is_uploaded_again(s3_root, s3_endpoint, s3_bucket, tmp_path,
                                                                           monkeypatch, refresh):
    """An object a dead attempt left is copied onto itself to make it young; if it changed meanwhile (the copy's
    ETag precondition fails, or S3 hashes other bytes) it is not trusted, and the file is uploaded again."""
    from flytekitplugins.artifacts.backends import Transfer
    from flytekitplugins.artifacts.backends.s3 import upload as s3upload

    data = b"a,b\n1,2\n"
    path = tmp_path / "data.csv"
    path.write_bytes(data)
    backend = open_backend(s3_root)
    # What the dead attempt left: an upload carries its SHA256 (and the checked sha256 in its metadata).
    raw_client(s3_endpoint).put_object(Bucket=s3_bucket, Key="store/snap/1/data.csv", Body=data,
                                       ChecksumAlgorithm="SHA256", Metadata={s3client.SHA256_META: sha(data)})
    monkeypatch.setattr(s3upload, "REFRESH_AFTER_SECONDS", 0)
    real_copy, refreshed, readers = s3upload.copy_server_side, [], []

    def copy(client, source, bucket, key, size, concurrency, extra_args=None):
        if (extra_args or {}).get("MetadataDirective") == "REPLACE":
            refreshed.append(key)
            if refresh == "precondition failed":
                raise botocore.exceptions.ClientError({"Error": {"Code": "PreconditionFailed"}}, "CopyObject")
            if refresh == "other bytes":
                return base64.b64encode(hashlib.sha256(b"other").digest()).decode()
        return real_copy(client, source, bucket, key, size, concurrency, extra_args)

    class CountedReader(s3upload._VerifyingReader):
        def __init__(self, *args):
            super().__init__(*args)
            readers.append(self)

    monkeypatch.setattr(s3upload, "copy_server_side", copy)
    monkeypatch.setattr(s3upload, "_VerifyingReader", CountedReader)
    done = []
    backend.import_files([(Transfer(str(path), len(data), sha(data)), "snap/1/data.csv")], read_uri_stream,
                         done.append)
    assert refreshed == ["store/snap/1/data.csv"] and sum(done) == len(data)
    assert len(readers) == (0 if refresh == "same bytes" else 1)
    assert backend.read_bytes("snap/1/data.csv") == data


def test_download_is_atomic(s3_root, tmp_path):
    backend = S3Backend(s3_root)
    backend.write("files/x.bin", b"payload")
    dest = tmp_path / "out" / "x.bin"
    seen = []
    backend.download("files/x.bin", str(dest), progress=seen.append)
    assert dest.read_bytes() == b"payload" and sum(seen) == len(b"payload")

    # A failed download leaves the previous file untouched and no partial file next to it.
    dest.write_bytes(b"previous")
    with pytest.raises(ArtifactNotFoundError, match="missing.bin"):
        backend.download("files/missing.bin", str(dest))
    assert dest.read_bytes() == b"previous"
    assert sorted(os.listdir(dest.parent)) == ["x.bin"]


def test_download_interrupted_midway_leaves_nothing(s3_root, tmp_path):
    backend = S3Backend(s3_root)
    backend.transfer_config = TransferConfig(
        multipart_threshold=5 << 20, multipart_chunksize=5 << 20, max_concurrency=2, num_download_attempts=1,
        preferred_transfer_client="classic",
    )
    backend.write("files/big.bin", os.urandom(12 << 20))
    client = s3_client()
    gets = []

    def fail_second_range(**kwargs):
        gets.append(1)
        if len(gets) == 2:
            raise ConnectionResetError("connection dropped")

    client.meta.events.register("before-call.s3.GetObject", fail_second_range)
    dest = tmp_path / "dl" / "big.bin"
    try:
        with pytest.raises(ArtifactError, match="connection dropped"):
            backend.download("files/big.bin", str(dest))
    finally:
        client.meta.events.unregister("before-call.s3.GetObject", fail_second_range)
    assert len(gets) >= 2
    assert not dest.exists() and os.listdir(dest.parent) == []


# ---- the record store on S3 ---------------------------------------------------------------------------------


def test_records_round_trip(s3_root):
    store = ArtifactStore(s3_root)
    a = store.add_record(record("exec-1", "My Data", "data.csv", b"one"))
    b = store.add_record(record("exec-1", "My Model", "model.pt", b"two", type="MODEL"))
    c = store.add_record(record("exec-2", "My Data", "data.csv", b"three"))
    assert [r.execution_id for r in store.records()] == ["exec-2", "exec-1", "exec-1"]
    assert store.records("exec-1") == [a, b]
    assert store.records(artifact="My Data") == [c, a]
    assert store.records(type="model") == [b]
    assert store.latest_execution() == "exec-2"
    assert [e["execution_id"] for e in store.executions()] == ["exec-2", "exec-1"]
    assert store.record("exec-1", "My Model", "model.pt") == b
    # Another process (a fresh store object) reads the same thing.
    assert ArtifactStore(s3_root).records("exec-2") == [c]


def test_records_are_write_once(s3_root):
    store = ArtifactStore(s3_root)
    first = store.add_record(record(data=b"same"))
    again = store.add_record(record(data=b"same", created_at="2026-01-02T00:00:00.000Z"))
    assert again == first
    assert len(store.executions()) == 1 and store.records("exec-1") == [first]
    with pytest.raises(ArtifactValueError, match="write-once"):
        store.add_record(record(data=b"different"))
    assert store.record("exec-1", "My Data", "data.csv").sha256 == sha(b"same")


def test_missing_records_are_reported(s3_root):
    store = ArtifactStore(s3_root)
    with pytest.raises(ArtifactNotFoundError, match="no executions yet"):
        store.latest_execution()
    store.add_record(record())
    with pytest.raises(ArtifactNotFoundError, match="no execution 'nope'"):
        store.records("nope")
    with pytest.raises(ArtifactNotFoundError, match="other.csv"):
        store.record("exec-1", "My Data", "other.csv")


# ---- a real flow writing to S3, read back by another process ------------------------------------------------

FLOW = '''
import os
import tempfile

from flytekit import task, workflow
from flytekitplugins.artifacts import Artifact, DATA, MODEL

Data = Artifact(name="My Data", type=DATA)
Model = Artifact(name="My Model", type=MODEL)


@task
def prep(text: str) -> Data.File(name="data.csv"):
    p = os.path.join(tempfile.mkdtemp(), "data.csv")
    with open(p, "w") as f:
        f.write("col\\n" + text + "\\n")
    return p


@task
def train(text: str) -> Model.File(name="model.pt"):
    p = os.path.join(tempfile.mkdtemp(), "model.pt")
    with open(p, "w") as f:
        f.write("model of " + text)
    return p


@workflow
def wf(text: str) -> Model.File(name="model.pt"):
    prep(text=text)
    return train(text=text)


if __name__ == "__main__":
    wf(text="over s3")
'''


def test_a_flow_records_to_s3_and_another_process_lists_it(s3_root, s3_endpoint, s3_bucket, tmp_path):
    flow = tmp_path / "flow.py"
    flow.write_text(FLOW)
    env = {**os.environ, "FLYTE_ARTIFACTS_ROOT": s3_root}
    run = subprocess.run([sys.executable, str(flow)], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr

    cli = os.path.join(BIN, "flyte-artifacts")
    listed = subprocess.run([cli, "--root", s3_root, "list", "--json"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert listed.returncode == 0, listed.stderr
    recs = {r["filename"]: r for r in json.loads(listed.stdout)}
    assert set(recs) == {"data.csv", "model.pt"}
    assert recs["data.csv"]["artifact"] == "My Data" and recs["model.pt"]["type"] == "MODEL"
    assert recs["data.csv"]["sha256"] == sha(b"col\nover s3\n")
    assert recs["model.pt"]["size"] == len(b"model of over s3")
    eid = recs["data.csv"]["execution_id"]
    assert recs["model.pt"]["execution_id"] == eid

    runs = subprocess.run([cli, "--root", s3_root, "executions", "--json"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert runs.returncode == 0, runs.stderr
    assert [r["execution_id"] for r in json.loads(runs.stdout)] == [eid]

    # The bytes are kept in the bucket, content-addressed, where the records point.
    client = raw_client(s3_endpoint)
    for r in recs.values():
        assert r["uri"] == f"{s3_root}/{blob_key(r['sha256'])}"
        body = client.get_object(Bucket=s3_bucket, Key=f"store/{blob_key(r['sha256'])}")["Body"].read()
        assert sha(body) == r["sha256"]


def test_flytekit_aws_settings_are_used_when_aws_ones_are_absent(s3_root, s3_endpoint, monkeypatch):
    """Pods configured only with flytekit's FLYTE_AWS_* variables (as on the Flyte sandbox) reach the store."""
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    ArtifactStore(s3_root).backend.write("probe", b"x")
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("FLYTE_AWS_ENDPOINT", s3_endpoint)
    monkeypatch.setenv("FLYTE_AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("FLYTE_AWS_SECRET_ACCESS_KEY", "testing")
    assert ArtifactStore(s3_root).backend.read_bytes("probe") == b"x"
