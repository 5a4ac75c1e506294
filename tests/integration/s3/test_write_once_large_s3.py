"""Write-once for objects that go up in parts, on every S3 server of the run: completed under a create-lock, and
with If-None-Match where the server honours it (moto; not Ceph's RADOS gateway, nor moto behind the fault proxy's
``plain`` mode)."""

import os
import threading

import pytest
from fault_proxy import FaultProxy

from flytekitplugins.artifacts.backends.s3 import abilities, large_once
from flytekitplugins.artifacts.backends.s3.backend import S3Backend
from flytekitplugins.artifacts.errors import ArtifactValueError

#: Over the 16 MiB multipart threshold: two parts.
BIG = (16 << 20) + 4096


@pytest.fixture(params=["direct", pytest.param("plain", marks=pytest.mark.moto_only)])
def server(request, s3_endpoint, monkeypatch):
    """The run's S3 server behind a proxy that relays everything (``direct``), or that drops If-None-Match on
    completions and hides checksums (``plain``: a header dropped from a signed request is only let through by
    moto)."""
    abilities.reset()
    proxy = FaultProxy(s3_endpoint, plain=request.param == "plain")
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    yield proxy
    proxy.close()
    abilities.reset()


def lock_requests(proxy):
    return [(m, p) for m, p, _ in proxy.passed if "/tmp/locks/" in p]


def test_two_writers_racing_a_large_object_one_stays(server, s3_root, s3_bucket, moto_client):
    datas = [os.urandom(BIG), os.urandom(BIG)]
    results = [None, None]
    start = threading.Barrier(2)

    def write(i):
        backend = S3Backend(s3_root)
        start.wait()
        results[i] = backend.write_once("records/big.bin", datas[i])

    threads = [threading.Thread(target=write, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    first = datas[results.index(True)]
    stored = moto_client.get_object(Bucket=s3_bucket, Key="store/records/big.bin")["Body"].read()
    assert stored == first
    # A third writer, later, is refused too, and the first bytes stay.
    assert S3Backend(s3_root).write_once("records/big.bin", os.urandom(BIG)) is False
    assert moto_client.get_object(Bucket=s3_bucket, Key="store/records/big.bin")["Body"].read() == first
    # Both asked for the lock, one completed under it, and nothing is left behind.
    assert len([m for m, _ in lock_requests(server) if m == "PUT"]) >= 2
    assert len([p for m, p, _ in server.passed if m == "POST" and "uploadId=" in p and "big.bin" in p]) == 1
    assert moto_client.list_objects_v2(Bucket=s3_bucket, Prefix="store/tmp/locks/").get("KeyCount", 0) == 0
    assert moto_client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []


def test_a_large_object_is_written_once_and_read_back_whole(server, s3_root):
    backend = S3Backend(s3_root)
    data = os.urandom(BIG)
    assert backend.write_once("datasets/x/snapshots/1.json", data) is True
    assert backend.read_bytes("datasets/x/snapshots/1.json") == data
    assert backend.write_once("datasets/x/snapshots/1.json", data) is False


def test_a_lock_left_by_a_killed_writer_is_taken_over_once_stale(server, s3_root, s3_bucket, moto_client,
                                                                 monkeypatch):
    backend = S3Backend(s3_root)
    creation = large_once._LockedCreation(backend, backend._full("records/big.bin"), "killed", backend.abilities())
    moto_client.put_object(Bucket=s3_bucket, Key=f"{creation.lock_base}.0", Body=b"left by a killed writer")
    monkeypatch.setattr(large_once, "LOCK_STALE_SECONDS", 0)
    data = os.urandom(BIG)
    assert backend.write_once("records/big.bin", data) is True
    assert backend.read_bytes("records/big.bin") == data
    assert any(p.split("?")[0].endswith(f"{creation.lock_base}.1") for _, p in lock_requests(server))


def test_a_lock_held_too_long_is_one_error_naming_the_server_and_the_lock(server, s3_root, s3_bucket, moto_client,
                                                                         monkeypatch):
    backend = S3Backend(s3_root)
    creation = large_once._LockedCreation(backend, backend._full("records/big.bin"), "busy", backend.abilities())
    moto_client.put_object(Bucket=s3_bucket, Key=f"{creation.lock_base}.0", Body=b"another writer")
    monkeypatch.setattr(large_once, "LOCK_WAIT_SECONDS", 0.5)
    with pytest.raises(ArtifactValueError, match=r"completed under a create-lock.*delete that lock if no writer is "
                                                 r"running") as err:
        backend.write_once("records/big.bin", os.urandom(BIG))
    assert f"s3://{s3_bucket}/{creation.lock_base}.0" in str(err.value)
    # Where the server lacks conditional completion, the error says so (the server's missing feature, not the file).
    blamed = "ignores If-None-Match on CompleteMultipartUpload" in str(err.value)
    assert blamed == (not backend.abilities().conditional_complete)
    assert not backend.exists("records/big.bin")
    assert moto_client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []
