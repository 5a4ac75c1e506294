"""S3 faults against the moto server: a proxy on 127.0.0.1 that cuts responses short, in front of real S3 calls."""

import hashlib
import http.client
import http.server
import threading
import urllib.parse

import boto3
import pytest

from flytekitplugins.artifacts.backends import hash_uri
from flytekitplugins.artifacts.backends.s3.client import IncompleteRead
from flytekitplugins.artifacts.ops.recording import record_files
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore


class CuttingProxy:
    """Relays requests to moto; the first ``cuts`` GETs of a matching path get the full Content-Length header but
    only half of the body before the connection is closed."""

    def __init__(self, upstream: str, match, cuts: int):
        self.upstream = urllib.parse.urlparse(upstream)
        self.match = match
        self.left = cuts
        self.cut = 0
        lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _relay(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("expect", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                with lock:
                    cut = self.command == "GET" and proxy.left > 0 and proxy.match(self.path) and len(data) > 1
                    if cut:
                        proxy.left -= 1
                        proxy.cut += 1
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                if cut:
                    self.send_header("Connection", "close")
                self.end_headers()
                if self.command == "HEAD":
                    return
                if cut:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _relay

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def through(monkeypatch, proxy):
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)


ITEM = {"workflow": "wf", "node_id": "n0", "task": "t", "output_name": "o0", "artifact": "A", "type": "DATA",
        "filename": "data.csv"}


def test_a_short_read_is_retried_and_the_record_is_right(s3_endpoint, s3_root, task_output, monkeypatch):
    uri, data = task_output
    proxy = CuttingProxy(s3_endpoint, lambda path: "/raw/" in path, cuts=2)
    try:
        through(monkeypatch, proxy)
        monkeypatch.setenv("FLYTE_INTERNAL_EXECUTION_ID", "exec1")
        (rec,) = record_files({"files": [ITEM]}, [uri])
    finally:
        proxy.close()
    assert proxy.cut == 2
    assert (rec.size, rec.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_reads_that_keep_failing_record_nothing(s3_endpoint, s3_root, task_output, monkeypatch):
    uri, data = task_output
    proxy = CuttingProxy(s3_endpoint, lambda path: "/raw/" in path, cuts=100)
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
    proxy = CuttingProxy(s3_endpoint, lambda path: "/raw/" in path or "/datasets/cut/snapshots/1/" in path, cuts=2)
    try:
        through(monkeypatch, proxy)
        ArtifactStore().download(rec, str(tmp_path / "a.csv"))
        catalog.download(ds, "data.csv", str(tmp_path / "b.csv"))
    finally:
        proxy.close()
    assert proxy.cut == 2
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes() == data
