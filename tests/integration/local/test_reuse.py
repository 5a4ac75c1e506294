"""Reuse and lineage, locally: queries in workflows, as input defaults and in scripts; versions, tags, lineage."""

import json
import os
import subprocess

import pytest
from flows import files, reuse
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import ArtifactFileQuery, ArtifactNotFoundError, ArtifactStore
from flytekitplugins.artifacts.store.lineage import lineage_of
from flytekitplugins.artifacts.store.selector import RecordSelector, select_record
from flytekitplugins.artifacts.store.versions import newest_execution, run_status, set_tag, versions


def cli(*args, ok=True):
    proc = subprocess.run([os.path.join(os.path.dirname(os.sys.executable), "flyte-artifacts"), *args],
                          capture_output=True, text=True, timeout=120)
    if ok:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def read(path):
    with open(path) as f:
        return f.read()


def two_versions():
    reuse.produce(study="S1", version=1)
    reuse.produce(study="S1", version=2)
    return [v["execution_id"] for v in versions(ArtifactStore(), "ADaM")]  # newest first


@pytest.mark.compat
def test_flow_reads_newest_version_and_lineage_tells_the_story():
    new, old = two_versions()
    report = reuse.report(title="Week 1")
    assert read(report) == "Week 1\nADSL S1 v2\n"
    store = ArtifactStore()
    rec = select_record(store, RecordSelector("Safety Report", "report.txt"))
    story = lineage_of(store, rec)
    (adsl,) = [n for n in story["upstream"]["derived_from"] if n["kind"] == "file"]
    assert (adsl["artifact"], adsl["filename"], adsl["execution_id"]) == ("ADaM", "adsl.xpt", new)
    assert adsl["sha256"] == store.record(new, "ADaM", "adsl.xpt").sha256
    assert {(n["name"], n["value"]) for n in adsl["derived_from"] if n["kind"] == "input"} == {
        ("study", "S1"), ("version", 2)}
    assert {n["name"] for n in story["upstream"]["derived_from"] if n["kind"] == "input"} == {"title"}
    code = story["upstream"]["code"]
    assert code["source_file"] == "reuse.py" and len(code["source_sha256"]) == 64
    # Downstream: the ADaM version knows the report run used it; the older one was not used.
    used = lineage_of(store, store.record(new, "ADaM", "adsl.xpt"))["downstream"]
    assert [u["execution_id"] for u in used] == [rec.execution_id]
    assert used[0]["produced"][0]["filename"] == "report.txt"
    assert lineage_of(store, store.record(old, "ADaM", "adsl.xpt"))["downstream"] == []
    # Same-run upstream: adae.xpt was derived from adsl.xpt.
    adae = lineage_of(store, store.record(new, "ADaM", "adae.xpt"))["upstream"]
    assert [(n["artifact"], n["filename"]) for n in adae["derived_from"] if n["kind"] == "file"] == [
        ("ADaM", "adsl.xpt")]
    out = json.loads(cli("lineage", "Safety Report", "report.txt", "--json").stdout)
    assert out["file"]["execution_id"] == rec.execution_id
    text = cli("lineage", "Safety Report", "report.txt").stdout
    assert "ADaM/adsl.xpt" in text and new in text


@pytest.mark.compat
def test_tag_older_version_and_query_by_tag():
    new, old = two_versions()
    cli("tag", "ADaM", "approved", "--execution", old)
    assert read(reuse.report_approved()) == "Approved\nADSL S1 v1\n"
    assert read(reuse.ADaM.query("adsl.xpt", tag="approved").download()) == "ADSL S1 v1\n"
    rows = json.loads(cli("versions", "ADaM", "--json").stdout)
    assert [(r["execution_id"], r["tags"]) for r in rows] == [(new, []), (old, ["approved"])]
    # Moving the tag keeps its history; untag removes it.
    cli("tag", "ADaM", "approved", "--latest")
    assert read(reuse.ADaM.query("adsl.xpt", tag="approved").download()) == "ADSL S1 v2\n"
    from flytekitplugins.artifacts.store.versions import tag_history

    hist = tag_history(ArtifactStore(), "ADaM", "approved")
    assert [(h["execution_id"], h["previous"]) for h in hist] == [(new, old), (old, None)]
    out = cli("get", "ADaM", "adsl.xpt", "--tag", "approved", "-o", os.path.join(files.tempfile.mkdtemp(), "a"))
    assert new in out.stdout
    listed = json.loads(cli("list", "--artifact", "ADaM", "--tag", "approved", "--json").stdout)
    assert {r["execution_id"] for r in listed} == {new}
    cli("untag", "ADaM", "approved")
    with pytest.raises(ArtifactNotFoundError, match="has no tag 'approved'"):
        reuse.ADaM.query("adsl.xpt", tag="approved").record()
    arts = json.loads(cli("artifacts", "--json").stdout)
    assert [(a["artifact"], a["versions"], a["newest_execution"]) for a in arts][0] == ("ADaM", 2, new)


@pytest.mark.compat
def test_input_default_is_resolved_at_run_start_and_overridable():
    two_versions()
    assert read(reuse.report_default()) == "Default\nADSL S1 v2\n"
    reuse.produce(study="S1", version=3)  # the same workflow object: resolved again at the next run
    assert read(reuse.report_default()) == "Default\nADSL S1 v3\n"
    given = FlyteFile(files.write("mine.xpt", "my own\n"))
    assert read(reuse.report_default(adsl=given)) == "Default\nmy own\n"


@pytest.mark.compat
def test_query_outside_workflow_and_errors():
    new, old = two_versions()
    q = reuse.ADaM.query("adsl.xpt")
    assert isinstance(q, ArtifactFileQuery)
    assert q.record().execution_id == new
    assert read(reuse.ADaM.query("adsl.xpt", execution=old).download()) == "ADSL S1 v1\n"
    with pytest.raises(ArtifactNotFoundError) as e:
        reuse.ADaM.query("nope.xpt").record()
    msg = str(e.value)
    assert "'ADaM'" in msg and "'nope.xpt'" in msg and "newest succeeded run" in msg and new in msg
    assert "adsl.xpt" in msg
    with pytest.raises(ArtifactNotFoundError, match="workflow 'other'"):
        reuse.ADaM.query("adsl.xpt", workflow="other").record()
    with pytest.raises(ArtifactNotFoundError, match="no succeeded run|recorded no file"):
        reuse.Report.query("report.txt").download()


@pytest.mark.compat
def test_failed_run_is_never_newest():
    new, _ = two_versions()
    with pytest.raises(Exception, match="the run fails"):
        reuse.produce_then_fail(study="S1", version=9)
    store = ArtifactStore()
    failed = [e["execution_id"] for e in store.executions(include_all=True) if e["workflow"].endswith("produce_sub")]
    assert len(failed) == 1
    assert run_status(store, failed[0]) == "failed"  # the run's own status, written when it ended
    assert failed[0] not in {e["execution_id"] for e in store.executions()}
    assert select_record(store, RecordSelector("ADaM", "adsl.xpt")).execution_id == new
    assert newest_execution(store, "ADaM") == new
    assert read(reuse.report()) == "Safety\nADSL S1 v2\n"
    assert [v["execution_id"] for v in versions(store, "ADaM")][0] == new
    with pytest.raises(ArtifactNotFoundError, match="is failed"):
        select_record(store, RecordSelector("ADaM", "adsl.xpt", execution=failed[0]))
    latest = json.loads(cli("list", "--latest", "--artifact", "ADaM", "--json").stdout)
    assert {r["execution_id"] for r in latest} == {new}
    with pytest.raises(Exception, match="only a succeeded run"):
        set_tag(store, "ADaM", "x", failed[0])


def test_list_latest_artifact_means_newest_run_with_it():
    new, _ = two_versions()
    reuse.report()  # a newer run of another workflow
    latest = json.loads(cli("list", "--latest", "--artifact", "ADaM", "--json").stdout)
    assert {r["execution_id"] for r in latest} == {new} and len(latest) == 2


def test_lineage_tree_marks_unrecorded_missing_and_repeated_files(tmp_path):
    from flows.dataset_exporter import make_record

    from flytekitplugins.artifacts.store.lineage import note_query, upstream, write_lineage

    store = ArtifactStore()
    old = make_record(store, tmp_path, "e1", "old.csv", b"old", artifact="A")
    gone = make_record(store, tmp_path, "e0", "gone.csv", b"gone", artifact="A", put=False)
    made = make_record(store, tmp_path, "e2", "made.csv", b"made", artifact="A")
    part = make_record(store, tmp_path, "e2", "part.csv", b"part", artifact="A")
    derived = {"files": [["A", "part.csv"], ["A", "never.csv"], ["A", "part.csv"]],
               "inputs": ["n"], "queries": ["q_old", "q_gone", "q_none"]}
    manifest = {"workflow": "wf", "files": [{"derived_from": derived}, {}]}
    write_lineage(store, "e2", manifest, [made, part], {"n": {"type": "int", "value": 3}})
    note_query(store, "e2", "wf", "q_old", {"artifact": "A"}, old)
    note_query(store, "e2", "wf", "q_gone", {"artifact": "A"}, gone)

    tree = upstream(store, made, 1)
    assert tree["inputs_sha256"] and tree["code"]["commit"] is None
    kids = tree["derived_from"]
    assert kids[0] == {"kind": "input", "name": "n", "type": "int", "value": 3}
    assert (kids[1]["filename"], kids[1]["derived_from"]) == ("part.csv", [])
    assert kids[2] == {"kind": "file", "artifact": "A", "filename": "never.csv", "missing": True}
    assert kids[3]["filename"] == "part.csv" and kids[3]["repeated"] is True
    # Of the queries only the one that resolved e1's file remains (the gone version and the undocumented one do not).
    assert len(kids) == 5 and kids[4]["execution_id"] == "e1"
    assert kids[4]["via_query"] == {"node_id": "q_old", "selector": {"artifact": "A"}}
    assert kids[4]["lineage"].startswith("not recorded")
    # Depth 0: the inputs only.
    assert [k["kind"] for k in upstream(store, made, 0)["derived_from"]] == ["input"]


def test_lineage_shows_the_status_of_later_runs_and_links_only_to_what_the_page_shows():
    from starlette.testclient import TestClient

    from flytekitplugins.artifacts.store import keys
    from flytekitplugins.artifacts.ui.app import create_app

    new, _ = two_versions()
    reuse.report(title="Week 1")
    store = ArtifactStore()
    consumer = select_record(store, RecordSelector("Safety Report", "report.txt")).execution_id
    run_key = keys.run_key(consumer)
    doc = json.loads(store.backend.read_bytes(run_key))
    store.backend.write(run_key, json.dumps({**doc, "status": "failed"}).encode())
    adsl = store.record(new, "ADaM", "adsl.xpt")
    (use,) = lineage_of(store, adsl)["downstream"]
    assert use["status"] == "failed"
    text = " ".join(cli("lineage", "ADaM", "adsl.xpt").stdout.split())
    assert f"run {consumer} (" in text and ", failed) -> Safety Report/report.txt" in text
    client = TestClient(create_app(store), base_url="http://127.0.0.1")
    page = client.get("/lineage", params={"run": new, "artifact": "ADaM", "filename": "adsl.xpt"}).text
    assert f"run {consumer} (failed)" in page
    # Pruned since: shown as removed, and no link leads to a page that is not there.
    store.backend.delete(run_key)
    assert lineage_of(store, adsl)["downstream"][0]["status"] == "removed"
    page = client.get("/lineage", params={"run": new, "artifact": "ADaM", "filename": "adsl.xpt"}).text
    assert "no longer in the store" in page and f"run={consumer}" not in page and f"id={consumer}" not in page


def test_the_lineage_page_of_a_popular_file_reads_only_what_it_draws(monkeypatch):
    from starlette.testclient import TestClient

    from flytekitplugins.artifacts.store import lineage
    from flytekitplugins.artifacts.ui import lineage_graph
    from flytekitplugins.artifacts.ui.app import create_app

    new, _ = two_versions()
    store = ArtifactStore()
    adsl = store.record(new, "ADaM", "adsl.xpt")
    for i in range(300):  # 300 later runs read it through a query
        lineage.note_query(store, f"consumer-{i:03d}", "wf.tfl", "n0", {"execution": None}, adsl)
    uses, total = lineage.downstream_page(store, adsl, 5)
    assert total == 300
    assert [u["execution_id"] for u in uses] == [f"consumer-{i:03d}" for i in (299, 298, 297, 296, 295)]
    assert len(lineage.downstream(store, adsl)) == 300  # the whole list, for the CLI and --json
    read = []
    real = lineage.lineage_docs
    monkeypatch.setattr(lineage, "lineage_docs", lambda s, eid: read.append(eid) or real(s, eid))
    page = TestClient(create_app(store), base_url="http://127.0.0.1").get(
        "/lineage", params={"run": new, "artifact": "ADaM", "filename": "adsl.xpt", "depth": "1"}).text
    drawn = page.count('class="node run')
    consumers_read = [eid for eid in read if eid.startswith("consumer-")]
    assert 0 < drawn < lineage_graph.MAX_NODES and len(consumers_read) == drawn  # one read per box drawn, not 300
    assert f"the newest {drawn:,} of the 300 later runs that used it are drawn (and {300 - drawn:,} more)" in page
