"""The pages that show what the store records besides files: run status, previews, tags, diffs and lineage; the
run page a page of files at a time; and what the app keeps between requests."""

import os
import time
import urllib.parse

from flows import ui as flows
from markupsafe import escape
from ui_helpers import SCRIPT_FILE, SCRIPT_NAME, local_client

from flytekitplugins.artifacts.store import versions
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record
from flytekitplugins.artifacts.store.keys import execution_prefix
from flytekitplugins.artifacts.ui.app import create_app


def esc(text: str) -> str:
    return str(escape(text))


def link(path, **params):
    return esc(f"{path}?{urllib.parse.urlencode(params)}")


def test_runs_page_shows_succeeded_runs_by_default_and_others_on_request(client, study):
    page = client.get("/").text
    assert study.failed not in page and "flows.ui.broken" not in page
    assert page.count('<span class="status status-succeeded">succeeded</span>') == 5
    assert '<option value="succeeded" selected>' in page
    every = client.get("/", params={"status": "all"}).text
    assert study.failed in every and '<span class="status status-failed">failed</span>' in every
    assert '<option value="all" selected>' in every and 'href="/">Clear</a>' in every
    failed = client.get("/", params={"status": "failed"}).text
    assert study.failed in failed and study.first not in failed
    assert "No run matches these filters" in client.get("/", params={"status": "running"}).text
    r = client.get("/", params={"status": "lost"})
    assert r.status_code == 404 and "status &#39;lost&#39; is not one of" in r.text


def test_run_page_shows_the_status(client, study):
    page = client.get("/run", params={"id": study.failed}).text
    assert '<span class="status status-failed">failed</span>' in page and "its files are not versions" in page
    page = client.get("/run", params={"id": study.second}).text
    assert '<span class="status status-succeeded">succeeded</span>' in page


def test_a_file_without_a_stored_summary_gets_a_note_and_nothing_is_computed(client, study):
    page = client.get("/run", params={"id": study.scripted}).text
    assert "No preview: the store has no summary of this file" in page
    assert study.store.summary(study.store.record(study.scripted, SCRIPT_NAME, SCRIPT_FILE)) is None


def test_preview_of_a_hostile_csv_is_escaped(client, study):
    page = client.get("/run", params={"id": study.hostile}).text
    assert esc("<script>alert(3)</script>") in page and "<script" not in page


def test_file_page_shows_details_preview_tags_and_links(client, study):
    versions.set_tag(study.store, "Study Data", "approved", study.first)
    params = {"run": study.first, "artifact": "Study Data", "filename": "data.csv"}
    page = client.get("/run/file", params=params).text
    rec = study.store.record(study.first, "Study Data", "data.csv")
    assert rec.sha256 in page and '<span class="tag">approved</span>' in page and "<th>subject</th>" in page
    assert link("/lineage", **params) in page and link("/file", **params) in page
    assert "Diff with the previous version" not in page  # the oldest version
    newer = client.get("/run/file", params={**params, "run": study.second}).text
    assert link("/diff", artifact="Study Data", filename="data.csv", old=study.first, new=study.second) in newer
    # Tags show on the artifact page's versions too.
    versions_page = client.get("/artifact", params={"name": "Study Data"}).text
    assert '<span class="tag">approved</span>' in versions_page
    assert '<form class="filters" method="get" action="/diff">' in versions_page


def test_diff_of_two_tables_shows_rows_and_statistics(client, study):
    r = client.get("/diff", params={"artifact": "Study Data", "filename": "data.csv", "old": study.first,
                                    "new": study.second})
    assert r.status_code == 200
    page = r.text
    assert '<p class="verdict changed">Changed</p>' in page
    assert "<tr><th>Rows</th><td>2</td><td>3</td><td>+1</td></tr>" in page
    assert "Changed statistics" in page and "<code>note</code>" in page


def test_diff_of_other_files_and_of_files_without_summaries(client, study):
    page = client.get("/diff", params={"artifact": "Figures", "filename": "summary.pdf", "old": study.first,
                                       "new": study.second}).text
    assert "<th>sha256</th>" in page and "changed" in page and "Changed statistics" not in page
    params = {"artifact": SCRIPT_NAME, "filename": SCRIPT_FILE, "old": study.scripted, "new": study.scripted}
    page = client.get("/diff", params=params).text
    assert "No changes" in page and "has no stored summary: only its size and sha256 are compared" in page
    assert "<script" not in page and "<svg" not in page
    r = client.get("/diff", params={**params, "old": "nope"})
    assert r.status_code == 404


def test_lineage_page_draws_upstream_and_downstream_as_links(client, study):
    page = client.get("/lineage", params={"run": study.second, "artifact": "Study Data", "filename": "data.csv"}).text
    assert '<svg class="lineage"' in page and "<script" not in page
    # Downstream: the consumer's two files, one of them under a hostile name, shown as text.
    report = link("/lineage", run=study.consumer, artifact="Study Report", filename="report.txt", depth=3)
    hostile = link("/lineage", run=study.consumer, artifact=flows.HOSTILE_DERIVED, filename="derived.txt", depth=3)
    assert f'href="{report}"' in page and f'href="{hostile}"' in page
    assert esc(flows.HOSTILE_DERIVED) in page and "<svg onload" not in page
    # Upstream of the consumer's report: both files it read through queries, in other runs.
    page = client.get("/lineage", params={"run": study.consumer, "artifact": "Study Report",
                                          "filename": "report.txt", "depth": "1"}).text
    assert link("/lineage", run=study.second, artifact="Study Data", filename="data.csv", depth=1) in page
    assert link("/lineage", run=study.hostile, artifact=flows.HOSTILE_NAME, filename=flows.HOSTILE_FILE,
                depth=1) in page
    assert "<img src=x" not in page and "<b onmouseover" not in page
    for bad in ("0", "9", "x"):
        r = client.get("/lineage", params={"run": study.second, "artifact": "Study Data", "filename": "data.csv",
                                           "depth": bad})
        assert r.status_code == 404 and "is not a number from 1 to 5" in r.text


def _record(store, eid, artifact, type_, filename, when="2026-01-01T00:00:00.000Z", pending=False):
    return store.add_record(Record(eid, "p", "d", "wf", "n0", "t", "o0", artifact, type_, filename, "csv",
                                   "/nonexistent", 1, "0" * 64, when), pending=pending)


def test_run_page_shows_a_page_of_files_at_a_time(artifacts_root):
    store = ArtifactStore()
    for i in range(250):
        _record(store, "big", f"A{i % 3}", ("DATA", "MODEL", "REPORT")[i % 3], f"f{i:03d}.csv")
    c = local_client(create_app(store))
    first = c.get("/run", params={"id": "big"}).text
    assert first.count('<td data-label="File" class="name">') == 100
    assert "files 1–100 of 250 · page 1 of 3" in first and 'rel="next" href="/run?id=big&amp;page=2"' in first
    assert '<details class="summary"' not in first and "No preview" in first
    last = c.get("/run", params={"id": "big", "page": 3}).text
    assert last.count('<td data-label="File" class="name">') == 50 and 'rel="next"' not in last
    assert 'href="/run?id=big&amp;page=2#a-3"' in first  # the third artifact starts on page 2
    assert c.get("/run", params={"id": "big", "page": 4}).status_code == 404
    runs = c.get("/").text
    row = runs[runs.index("big</a>"):]
    row = row[: row.index("</tr>")]
    assert [c.split(">", 1)[1].split("<")[0] for c in row.split('<td class="num" data-label=')[1:]] == \
        ["84", "83", "83", "3"]


def test_a_running_run_shows_new_files_and_a_removed_run_is_gone(artifacts_root):
    store = ArtifactStore()
    _record(store, "going", "A", "DATA", "a.csv", pending=True)
    c = local_client(create_app(store))
    assert '<span class="status status-running">running</span>' in c.get("/run", params={"id": "going"}).text
    _record(store, "going", "A", "DATA", "b.csv", pending=True)
    assert "b.csv" in c.get("/run", params={"id": "going"}).text
    store.finish_run("going", "succeeded")
    assert "b.csv" in c.get("/run", params={"id": "going"}).text
    assert "b.csv" in c.get("/run", params={"id": "going"}).text  # kept now, and still right
    os.unlink(os.path.join(store.root, *execution_prefix("going").split("/"), "execution.json"))
    assert c.get("/run", params={"id": "going"}).status_code == 404


def test_the_kept_list_of_runs_sees_a_new_run(artifacts_root):
    store = ArtifactStore()
    _record(store, "r1", "A", "DATA", "a.csv")
    index = os.path.join(store.root, "index", "executions")
    past = time.time() - 5
    os.utime(index, (past, past))  # old enough to be kept
    c = local_client(create_app(store))
    assert "r1</a>" in c.get("/").text
    assert c.app.state.ui.reads._listing is not None  # the listing was kept
    time.sleep(0.01)
    _record(store, "r2", "A", "DATA", "a.csv")
    page = c.get("/").text
    assert "r2</a>" in page and "r1</a>" in page


def test_a_kept_run_page_is_served_again_and_dropped_with_its_run(artifacts_root, tmp_path):
    from flytekitplugins.artifacts.ops.inspection import summarize_recorded

    store = ArtifactStore()
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n")
    uri, size, digest = store.put_local_file(str(path))
    rec = store.add_record(Record("kept", "p", "d", "wf", "n0", "t", "o0", "A", "DATA", "t.csv", "csv", uri, size,
                                  digest, "2026-01-01T00:00:00.000Z"))
    summarize_recorded(store, rec)
    c = local_client(create_app(store))
    first = c.get("/run", params={"id": "kept"}).text
    assert "<th>a</th>" in first and c.app.state.ui.reads.pages.get(("run", "kept", 1)) == first
    assert c.get("/run", params={"id": "kept"}).text == first
    os.unlink(os.path.join(store.root, *execution_prefix("kept").split("/"), "execution.json"))
    assert c.get("/run", params={"id": "kept"}).status_code == 404
