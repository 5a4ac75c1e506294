"""The web page's routes, through Starlette's test client, over stores made by real flows."""

import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from flows import ui as flows
from markupsafe import escape
from ui_helpers import SCRIPT_FILE, SCRIPT_NAME, local_client, serve

from flytekitplugins.artifacts.ops.datasets import DatasetCatalog
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record
from flytekitplugins.artifacts.ui import serve as ui_serve
from flytekitplugins.artifacts.ui.app import create_app


def esc(text: str) -> str:
    """``text`` as the page's templates escape it."""
    return str(escape(text))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def link(path, **params):
    return f"{path}?{urllib.parse.urlencode(params)}"


def test_runs_page_lists_runs_newest_first_with_counts(client, study):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    ids = [study.hostile, study.second, study.first]
    positions = [page.index(esc(link("/run", id=i))) for i in ids]
    assert positions == sorted(positions)
    assert "flows.ui.study" in page and "flows.ui.hostile_names" in page
    # The study run: 1 DATA file, 0 MODEL, 2 REPORT files, 2 artifacts.
    row = page[page.index(study.second + "</a>"):]
    row = row[: row.index("</tr>")]
    cells = [c.split(">", 1)[1] for c in row.split('<td class="num" data-label=')[1:]]
    assert [c[: c.index("<")] for c in cells] == ["1", "0", "2", "2"]
    assert "Older" not in page and "Newer" not in page


def test_run_page_groups_files_by_type_with_their_details(client, study):
    page = client.get("/run", params={"id": study.second}).text
    assert page.index('id="type-data"') < page.index('id="type-report"') and 'id="type-model"' not in page
    rec = study.store.record(study.second, "Figures", "summary.pdf")
    for text in ("Study Data", "Figures", "data.csv", "plot.png", "summary.pdf", rec.sha256, "flows.ui.figures",
                 "flows.ui.prep", "flows.ui.study", "Open PDF", f"{rec.size} bytes"):
        assert text in page, text
    # Previews come from the stored summaries: the table's columns and cells (escaped), the image's thumbnail.
    assert '<div class="artifact-summary">' in page and "<th>subject</th>" in page and esc("<b>bold</b>") in page
    assert '<img alt="thumbnail" src="data:image/png;base64,' in page and "No preview" not in page
    assert esc(link("/artifact", name="Study Data")) in page
    # No script anywhere, and the policy forbids any.
    assert "<script" not in page and "script-src" not in r_headers(client, study)
    assert "default-src 'none'" in r_headers(client, study)


def r_headers(client, study):
    return client.get("/run", params={"id": study.second}).headers["content-security-policy"]


@pytest.mark.parametrize("filename, ctype, disposition", [
    ("summary.pdf", "application/pdf", "inline"),
    ("plot.png", "image/png", "inline"),
    ("data.csv", "text/csv; charset=utf-8", "attachment"),
])
def test_downloads_are_the_recorded_bytes_with_a_safe_type(client, study, filename, ctype, disposition):
    artifact = "Study Data" if filename == "data.csv" else "Figures"
    rec = study.store.record(study.first, artifact, filename)
    r = client.get("/file", params={"run": study.first, "artifact": artifact, "filename": filename})
    assert r.status_code == 200
    assert sha(r.content) == rec.sha256 and len(r.content) == rec.size
    assert r.headers["content-type"] == ctype
    assert r.headers["content-disposition"].startswith(f'{disposition}; filename="{filename}"')
    assert r.headers["x-content-type-options"] == "nosniff"
    head = client.head("/file", params={"run": study.first, "artifact": artifact, "filename": filename})
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(rec.size)


def test_a_pdf_that_the_flow_made_is_a_pdf(client, study):
    body = client.get("/file", params={"run": study.first, "artifact": "Figures", "filename": "summary.pdf"}).content
    assert body.startswith(b"%PDF-1.4") and b"Safety summary" in body


def test_html_and_svg_files_never_go_out_as_pages(client, study):
    r = client.get("/file", params={"run": study.scripted, "artifact": SCRIPT_NAME, "filename": SCRIPT_FILE})
    assert r.status_code == 200 and r.headers["content-type"] == "text/plain; charset=utf-8"
    params = {"run": study.hostile, "artifact": flows.HOSTILE_NAME, "filename": flows.HOSTILE_FILE}
    r = client.get("/file", params=params)
    assert r.headers["content-disposition"].startswith("attachment; ")
    # The quoted name cannot be closed early by a quote in the filename; the exact name travels encoded.
    plain, encoded = r.headers["content-disposition"].split("; ")[1:]
    assert plain == 'filename="<b onmouseover=_alert(2)_>x.csv"'
    assert urllib.parse.unquote(encoded[len("filename*=UTF-8''"):]) == flows.HOSTILE_FILE
    assert r.content == b"a,b\n<script>alert(3)</script>,1\n"
    from flytekitplugins.artifacts.ui.serve import content_headers

    for name in ("page.html", "x.svg", "y.htm", "z.js", "noextension"):
        assert content_headers(name, "", 1)["content-type"] == "application/octet-stream"
        assert content_headers(name, "", 1)["content-disposition"].startswith("attachment")


def test_artifact_page_shows_versions_newest_first(client, study):
    page = client.get("/artifact", params={"name": "Figures"}).text
    assert page.index(study.second) < page.index(study.first)
    assert "2 versions" in page and "files differ from the previous version" in page and "first version" in page
    page = client.get("/artifact", params={"name": "Study Data"}).text
    assert "files differ from the previous version" in page


def test_datasets_snapshots_files_and_manifest(client, study):
    catalog = DatasetCatalog(study.store)
    ds = catalog.get("study")
    page = client.get("/datasets").text
    assert "study" in page and ds.id in page and esc(link("/dataset", id=ds.id)) in page
    assert "#2" in page
    page = client.get("/dataset", params={"id": ds.id}).text
    assert "Files of snapshot #2" in page and esc(link("/run", id=study.second)) in page
    assert esc(link("/run", id=study.first)) in page and "data.csv" in page
    page = client.get("/dataset", params={"id": "study", "snapshot": "1"}).text
    assert "Files of snapshot #1" in page
    manifest = client.get("/dataset/manifest", params={"id": ds.id, "snapshot": "1"})
    assert manifest.headers["content-type"] == "application/json"
    assert manifest.json() == catalog.snapshot(ds, 1).as_dict()
    f = catalog.snapshot(ds, 1).file("data.csv")
    r = client.get("/dataset/file", params={"id": ds.id, "snapshot": "1", "path": "data.csv"})
    assert r.status_code == 200 and sha(r.content) == f.sha256 and r.content.startswith(b"subject,note\n1,first")


@pytest.mark.parametrize("path, params, missing", [
    ("/run", {"id": "local-nope"}, "run 'local-nope' is not in this store"),
    ("/run", {}, "no id was given"),
    ("/artifact", {"name": "Nope"}, "artifact 'Nope' is not in this store"),
    ("/dataset", {"id": "nope"}, "dataset 'nope' is not in this store"),
    ("/dataset", {"id": "study", "snapshot": "9"}, "dataset 'study' has no snapshot 9"),
    ("/dataset", {"id": "study", "snapshot": "x"}, "is not a snapshot number"),
    ("/dataset/file", {"id": "study", "snapshot": "1", "path": "nope.csv"}, "has no file 'nope.csv'"),
    ("/", {"since": "yesterday"}, "is not a date"),
    ("/", {"page": "0"}, "is not a page number"),
    ("/no/such/page", {}, "there is no page at '/no/such/page'"),
])
def test_unknown_things_get_a_404_page_naming_them(client, path, params, missing):
    r = client.get(path, params=params)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert esc(missing) in r.text


def test_unknown_file_of_a_known_run_is_a_404(client, study):
    r = client.get("/file", params={"run": study.first, "artifact": "Figures", "filename": "nope.png"})
    assert r.status_code == 404 and "has no file &#39;nope.png&#39; in artifact &#39;Figures&#39;" in r.text


def test_names_and_values_are_escaped_everywhere(client, study):
    pages = [
        client.get("/").text,
        client.get("/run", params={"id": study.scripted}).text,
        client.get("/run", params={"id": study.hostile}).text,
        client.get("/artifact", params={"name": SCRIPT_NAME}).text,
        client.get("/artifact", params={"name": flows.HOSTILE_NAME}).text,
        client.get("/run", params={"id": "<script>alert(6)</script>"}).text,  # a 404 echoes the id
    ]
    raw = ["<script", "<img src=x", "<svg", "<b onmouseover", "<i>hand</i>"]
    for page in pages:
        for bad in raw:
            assert bad not in page
    assert esc(SCRIPT_NAME) in pages[1] and esc(SCRIPT_FILE) in pages[1]
    assert esc("wf.<i>hand</i>") in pages[0]
    assert esc(flows.HOSTILE_FILE) in pages[2] and esc(flows.HOSTILE_NAME) in pages[2]
    assert esc("<script>alert(6)</script>") in pages[5]


TRAVERSALS = ["..", "../..", "%2e%2e", "..%2f..%2fetc%2fpasswd", "../../../../etc/passwd", "/etc/passwd",
              "/", "blobs", "executions", "x\x00.json", "\x00", "..\\..\\etc\\passwd", "~/.ssh/id_rsa"]


@pytest.mark.parametrize("bad", TRAVERSALS)
def test_no_url_reaches_the_file_system(client, study, bad):
    queries = [
        ("/file", {"run": bad, "artifact": "Figures", "filename": "plot.png"}),
        ("/file", {"run": study.first, "artifact": bad, "filename": "plot.png"}),
        ("/file", {"run": study.first, "artifact": "Figures", "filename": bad}),
        ("/run", {"id": bad}),
        ("/artifact", {"name": bad}),
        ("/dataset", {"id": bad}),
        ("/dataset/file", {"id": "study", "snapshot": "1", "path": bad}),
        ("/dataset/manifest", {"id": bad, "snapshot": "1"}),
    ]
    for path, params in queries:
        r = client.get(path, params=params)
        assert r.status_code == 404, (path, params)
        assert "root:" not in r.text and "PRIVATE KEY" not in r.text


@pytest.mark.parametrize("raw", ["/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd",
                                 "/%2e%2e/%2e%2e/etc/passwd", "/static//etc/passwd", "/static/style.css%00.txt",
                                 "/file/../../etc/passwd"])
def test_raw_paths_with_traversal_over_real_http_are_refused(study, raw):
    with serve(create_app(study.store)) as base:
        host, port = base[len("http://"):].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", raw)  # sent as written, not normalised by a client
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
    assert resp.status in (400, 404) and b"root:" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_read_only(client, study, method):
    for path in ("/", "/run", "/file", "/dataset", "/dataset/file", "/static/style.css"):
        assert client.request(method, path, params={"id": study.first}).status_code == 405


def test_empty_store(tmp_path):
    c = local_client(create_app(ArtifactStore(str(tmp_path / "empty"))))
    assert "No runs in this store yet" in c.get("/").text
    assert "No datasets in this store yet" in c.get("/datasets").text
    css = c.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css") and b"@media" in css.content


def _write_runs(store, n):
    for i in range(n):
        day = f"2026-01-{1 + i // 10:02d}"
        wf = "flows.even" if i % 2 == 0 else "flows.odd"
        store.add_record(Record(f"run-{i:03d}", "p", "d", wf, "n0", "t", "o0", "A", "DATA", "a.csv", "csv",
                                "/nonexistent", 1, "0" * 64, f"{day}T00:00:{i % 60:02d}.000Z"))
        time.sleep(0.002)  # the index orders runs by the millisecond they were written


def test_runs_are_paginated_and_filtered(artifacts_root):
    store = ArtifactStore()
    _write_runs(store, 120)
    c = local_client(create_app(store))
    page1 = c.get("/").text
    assert "run-119" in page1 and "run-070" in page1 and "run-069" not in page1 and "runs 1–50" in page1
    assert 'rel="next" href="/?page=2"' in page1 and 'rel="prev"' not in page1
    page3 = c.get("/", params={"page": 3}).text
    assert "run-019" in page3 and "run-000" in page3 and "run-020" not in page3 and 'rel="next"' not in page3
    assert "runs 101–120" in page3
    assert "No runs on page 4" in c.get("/", params={"page": 4}).text
    odd = c.get("/", params={"workflow": "ODD"}).text  # a case-insensitive part of the name
    assert "run-119" in odd and "run-118" not in odd and 'rel="next" href="/?workflow=ODD&amp;page=2"' in odd
    odd2 = c.get("/", params={"workflow": "odd", "page": 2}).text
    assert "run-019" in odd2 and "run-001" in odd2 and 'rel="next"' not in odd2
    days = c.get("/", params={"since": "2026-01-03", "until": "2026-01-04"}).text
    shown = {f"run-{i:03d}" for i in range(120) if f"run-{i:03d}</a>" in days}
    assert shown == {f"run-{i:03d}" for i in range(20, 40)}
    assert "No run matches these filters" in c.get("/", params={"workflow": "nope"}).text


def test_store_executions_reads_one_page(artifacts_root):
    store = ArtifactStore()
    _write_runs(store, 7)
    everything = store.executions()
    assert [r["execution_id"] for r in everything] == [f"run-{i:03d}" for i in range(6, -1, -1)]
    assert store.executions(offset=2, limit=3) == everything[2:5]
    assert store.executions(offset=5) == everything[5:]
    assert store.executions(offset=9, limit=3) == []


def _damage(rec):
    os.chmod(rec.uri, 0o644)
    with open(rec.uri, "r+b") as f:
        f.write(b"X")


def _one_file(store, tmp_path, filename, data, type_="DATA"):
    """A record of run e1, artifact A, with ``data`` as ``filename``."""
    path = tmp_path / filename
    path.write_bytes(data)
    uri, size, digest = store.put_local_file(str(path))
    return store.add_record(Record("e1", "p", "d", "wf", "n0", "t", "o0", "A", type_, filename,
                                   filename.rsplit(".", 1)[-1], uri, size, digest, "2026-01-01T00:00:00.000Z"))


def test_damaged_small_file_gets_an_error_page_and_no_bytes(artifacts_root, tmp_path):
    store = ArtifactStore()
    rec = _one_file(store, tmp_path, "f.csv", b"good bytes\n")
    c = local_client(create_app(store))
    assert c.get("/file", params={"run": "e1", "artifact": "A", "filename": "f.csv"}).content == b"good bytes\n"
    _damage(rec)
    r = c.get("/file", params={"run": "e1", "artifact": "A", "filename": "f.csv"})
    assert r.status_code == 502 and "do not match the recorded sha256" in r.text and "ood bytes" not in r.text
    os.unlink(rec.uri)
    r = c.get("/file", params={"run": "e1", "artifact": "A", "filename": "f.csv"})
    assert r.status_code == 502 and "are missing" in r.text


def test_damaged_large_file_breaks_off_the_download(artifacts_root, tmp_path, monkeypatch):
    monkeypatch.setattr(ui_serve, "VERIFY_FIRST_LIMIT", 1024)
    monkeypatch.setattr(ui_serve, "CHUNK", 1000)
    store = ArtifactStore()
    rec, data = _big_record(store, tmp_path, 5000)
    query = urllib.parse.urlencode({"run": "e1", "artifact": "A", "filename": "big.bin"})
    with serve(create_app(store)) as base:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{base}/file?{query}", timeout=10) as resp:
            assert resp.read() == data  # streamed and checked on the way
        _damage(rec)
        with opener.open(f"{base}/file?{query}", timeout=10) as resp:
            assert resp.headers["content-length"] == "5000"
            with pytest.raises(http.client.IncompleteRead) as e:
                resp.read()
    assert len(e.value.partial) < 5000


def test_importing_the_command_does_not_import_the_web_stack():
    code = ("import sys; import flytekitplugins.artifacts.ui.command, flytekitplugins.artifacts.cli; "
            "print(sorted(m for m in ('starlette', 'uvicorn', 'jinja2', 'httpx') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_command_serves_the_store_on_loopback(study, tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    exe = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
    proc = subprocess.Popen([exe, "--root", study.store.root, "ui", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + 60
        while True:
            try:
                with opener.open(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                    page = resp.read().decode()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert study.first in page and resp.headers.get("server") is None
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0]
    assert f"at http://127.0.0.1:{port}/ (read-only" in out and study.store.root in out


def test_the_command_help():
    exe = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
    out = subprocess.run([exe, "ui", "--help"], capture_output=True, text=True, check=True).stdout
    for opt in ("--root", "--host", "--port", "--open", "127.0.0.1", "8265"):
        assert opt in out


def test_a_store_on_s3(s3_root, tmp_path):
    store = ArtifactStore(s3_root)
    path = tmp_path / "model.pt"
    path.write_bytes(b"weights\n")
    uri, size, digest = store.put_local_file(str(path))
    store.add_record(Record("e-s3", "p", "d", "wf.s3", "n0", "t", "o0", "M", "MODEL", "model.pt", "pt", uri, size,
                            digest, "2026-01-01T00:00:00.000Z"))
    missing = "s3://" + s3_root[len("s3://"):].split("/")[0] + "/nowhere/gone.bin"
    store.add_record(Record("e-s3", "p", "d", "wf.s3", "n0", "t", "o1", "M", "MODEL", "gone.bin", "bin", missing, 1,
                            "0" * 64, "2026-01-01T00:00:00.000Z"))
    c = local_client(create_app(store))
    assert "wf.s3" in c.get("/").text and "model.pt" in c.get("/run", params={"id": "e-s3"}).text
    r = c.get("/file", params={"run": "e-s3", "artifact": "M", "filename": "model.pt"})
    assert r.status_code == 200 and r.content == b"weights\n"
    r = c.get("/file", params={"run": "e-s3", "artifact": "M", "filename": "gone.bin"})
    assert r.status_code == 502 and "are missing" in r.text


def test_a_store_that_cannot_be_read_gets_an_error_page(s3_endpoint):
    c = local_client(create_app(ArtifactStore("s3://no-such-bucket-for-ui/store")), raise_server_exceptions=False)
    r = c.get("/")
    assert r.status_code == 500 and "The store could not be read" in r.text and "no-such-bucket-for-ui" in r.text


# ---- what a hostile web page or a damaged store can do --------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8265", "127.0.0.1.evil.example", "testserver", ""])
def test_a_host_the_page_does_not_serve_gets_400_and_nothing_else(study, host):
    # DNS rebinding: a site points its own name at 127.0.0.1; the browser then sends that name as the Host.
    with serve(create_app(study.store)) as base:
        port = urllib.parse.urlsplit(base).port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.putrequest("GET", "/", skip_host=True)
        conn.putheader("Host", host)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read().decode()
        conn.close()
    assert resp.status == 400, (host, resp.status)
    assert study.first not in body and "Invalid host header" in body
    assert resp.getheader("x-frame-options") == "DENY" and resp.getheader("x-content-type-options") == "nosniff"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST:8265", "[::1]:8265", "artifacts.example.org"])
def test_loopback_names_and_allowed_hosts_are_served_with_the_protective_headers(study, host):
    c = local_client(create_app(study.store, allowed_hosts=["artifacts.example.org"]))
    r = c.get("/", headers={"host": host})
    assert r.status_code == 200 and study.first in r.text
    for name, value in (("x-frame-options", "DENY"), ("x-content-type-options", "nosniff"),
                        ("referrer-policy", "no-referrer")):
        assert r.headers[name] == value
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


@pytest.mark.parametrize("bad", ["evil.example:80", "a/b", "*.example.org", "", "user@host"])
def test_a_bad_allowed_host_is_refused_naming_it(study, bad):
    with pytest.raises(ValueError, match="is not a host name"):
        create_app(study.store, allowed_hosts=[bad])


def test_the_command_answers_only_its_names(study):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    exe = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
    proc = subprocess.Popen([exe, "--root", study.store.root, "ui", "--port", str(port), "--allow-host",
                             "artifacts.example.org"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        statuses = {}
        for host in ("artifacts.example.org", "rebound.example"):
            while True:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    conn.request("GET", "/", headers={"Host": host})
                    statuses[host] = conn.getresponse().status
                    conn.close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
    assert statuses == {"artifacts.example.org": 200, "rebound.example": 400}
    bad = subprocess.run([exe, "--root", study.store.root, "ui", "--allow-host", "x.org:80"], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and "'x.org:80' is not a host name" in bad.stderr


def _big_record(store, tmp_path, size=3000):
    data = os.urandom(size)
    return _one_file(store, tmp_path, "big.bin", data, "MODEL"), data


@pytest.mark.parametrize("damage", ["truncated", "symlink", "longer"])
def test_a_large_copy_of_the_wrong_size_or_a_link_sends_not_one_byte(artifacts_root, tmp_path, monkeypatch, damage):
    monkeypatch.setattr(ui_serve, "VERIFY_FIRST_LIMIT", 1024)
    store = ArtifactStore()
    rec, data = _big_record(store, tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"root:x:0:0:secret\n" * 200)
    os.chmod(rec.uri, 0o644)
    if damage == "truncated":
        with open(rec.uri, "r+b") as f:
            f.truncate(2000)
    elif damage == "longer":
        with open(rec.uri, "ab") as f:
            f.write(b"more")
    else:
        os.unlink(rec.uri)
        os.symlink(secret, rec.uri)
    params = {"run": "e1", "artifact": "A", "filename": "big.bin"}
    c = local_client(create_app(store))
    r = c.get("/file", params=params)
    assert r.status_code == 502 and "nothing was sent" in r.text
    assert data[:64] not in r.content and b"secret" not in r.content
    head = c.head("/file", params=params)
    assert head.status_code == 502  # HEAD says what GET would


def test_downloads_carry_a_digest_the_client_can_check(artifacts_root, tmp_path, monkeypatch):
    monkeypatch.setattr(ui_serve, "VERIFY_FIRST_LIMIT", 1024)
    store = ArtifactStore()
    rec, data = _big_record(store, tmp_path)
    c = local_client(create_app(store))
    params = {"run": "e1", "artifact": "A", "filename": "big.bin"}
    r = c.get("/file", params=params)
    want = "sha-256=:" + __import__("base64").b64encode(hashlib.sha256(data).digest()).decode() + ":"
    assert r.status_code == 200 and r.content == data
    assert r.headers["repr-digest"] == want and r.headers["content-length"] == str(len(data))
    assert r.headers["etag"] == f'"{rec.sha256}"'
    head = c.head("/file", params=params)
    assert head.status_code == 200 and head.headers["repr-digest"] == want and head.content == b""


def test_head_of_a_damaged_small_file_answers_as_get_does(artifacts_root, tmp_path):
    store = ArtifactStore()
    rec = _one_file(store, tmp_path, "f.csv", b"good bytes\n")
    c = local_client(create_app(store))
    params = {"run": "e1", "artifact": "A", "filename": "f.csv"}
    assert c.head("/file", params=params).status_code == 200
    _damage(rec)  # same size, other bytes
    assert c.get("/file", params=params).status_code == 502
    assert c.head("/file", params=params).status_code == 502
    os.unlink(rec.uri)
    assert c.head("/file", params=params).status_code == 502


def test_the_dataset_page_shows_a_snapshots_run_that_did_not_succeed(artifacts_root, tmp_path):
    from flytekitplugins.artifacts.ops.datasets import ExportItem
    from flytekitplugins.artifacts.store import keys

    store = ArtifactStore()
    done = _one_file(store, tmp_path, "f.csv", b"a\n1\n")
    catalog = DatasetCatalog(store)
    ds = catalog.create("adsl", str(tmp_path / "ds"))
    catalog.export(ds, [ExportItem("f.csv", done)], run_key="r1", source={"execution_id": "e1"})
    c = local_client(create_app(store))
    page = c.get("/dataset", params={"id": ds.id}).text
    assert esc(link("/run", id="e1")) in page and "status-" not in page.split("<tbody>")[1].split("</tbody>")[0]
    run = json.loads(store.backend.read_bytes(keys.run_key("e1")))
    store.backend.write(keys.run_key("e1"), json.dumps({**run, "status": "failed"}).encode())
    page = c.get("/dataset", params={"id": ds.id}).text
    assert 'class="status status-failed">failed<' in page and esc(link("/run", id="e1")) in page
    store.backend.delete(keys.run_key("e1"))  # pruned since: no link to a page that is gone
    snapshots = c.get("/dataset", params={"id": ds.id}).text.split("<tbody>")[1].split("</tbody>")[0]
    assert 'class="status status-removed">removed<' in snapshots and esc(link("/run", id="e1")) not in snapshots
