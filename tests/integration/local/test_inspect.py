"""Inspection: summaries computed at record time by real local runs, DataFrame outputs, `show`, `diff`,
`datasets diff`, the recorder's Deck page, and a task with its own Deck."""

import glob
import json
import os
import subprocess
import sys
import typing

import pandas as pd
import pytest
from flows import inspect_flows as flows
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from repo_paths import REPO

from flytekitplugins.artifacts.ops.inspection import stored_summary, summary_of
from flytekitplugins.artifacts.ops.run_page import run_page_html
from flytekitplugins.artifacts.ops.summaries import summarize
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")


def cli(*args, check=True, env=None):
    full = dict(os.environ, **(env or {}))
    r = subprocess.run([CLI, *args], capture_output=True, text=True, env=full, timeout=120)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def latest_records(store: ArtifactStore) -> typing.Dict[str, Record]:
    return {r.filename: r for r in store.records(store.latest_execution())}


def local_bytes(store: ArtifactStore, record: Record, tmp_path) -> str:
    dest = str(tmp_path / record.filename)
    store.download(record, dest)
    return dest


# ---- the Deck bug -----------------------------------------------------------------------------------------------


def test_task_with_its_own_deck_returns_an_artifact_file():
    # Used to fail: flytekit's Renderable check matched the transformer inside Annotated and called to_html(value).
    out = flows.decked(text="deck me")
    with open(out) as f:
        assert f.read() == "deck me"
    assert set(latest_records(ArtifactStore())) == {"notes.txt"}


def test_to_html_answers_both_call_shapes(tmp_path):
    t = flows.Tfl.File(name="notes.txt")
    path = tmp_path / "notes.txt"
    path.write_text("x")
    ctx = FlyteContextManager.current_context()
    via_engine = TypeEngine.to_html(ctx, str(path), t)
    transformer = TypeEngine.get_transformer(t)
    assert via_engine == transformer.to_html(ctx, str(path), t) == transformer.to_html(str(path))
    with pytest.raises(TypeError, match="to_html takes"):
        transformer.to_html(ctx, str(path))


# ---- summaries of real files, checked against pandas ------------------------------------------------------------


def read_xpt(path):
    import pyreadstat

    return pyreadstat.read_xport(path)[0]


def _check_table(summary, frame):
    assert summary["kind"] == "table"
    assert summary["rows"] == len(frame) and summary["column_count"] == len(frame.columns)
    cols = {c["name"]: c for c in summary["columns"]}
    assert list(cols) == list(frame.columns)
    for name in frame.columns:
        col, values = cols[name], frame[name]
        assert col["nulls"] == int(values.isna().sum()), name
        assert col["distinct"] == int(values.nunique()), name
        if pd.api.types.is_numeric_dtype(values):
            assert col["min"] == pytest.approx(float(values.min()))
            assert col["max"] == pytest.approx(float(values.max()))
            assert col["mean"] == pytest.approx(float(values.mean()))
        else:
            top_value, top_count = col["top"][0]
            assert top_count == int(values.value_counts().iloc[0])
            assert values.value_counts()[top_value] == top_count
    assert len(summary["preview"]) == min(20, len(frame))


def test_study_files_get_summaries_that_match_pandas(tmp_path):
    flows.study(n=254, pages=3)
    store = ArtifactStore()
    recs = latest_records(store)
    expected = flows.study_frame(254)
    for name in ("adsl.csv", "adsl.parquet", "adsl.xpt"):
        summary = stored_summary(store, recs[name])
        assert summary is not None, name
        assert summary["sha256"] == recs[name].sha256 and summary["size"] == recs[name].size
        # Compare with what pandas reads from the very bytes that were recorded.
        path = local_bytes(store, recs[name], tmp_path)
        frame = {"csv": pd.read_csv, "parquet": pd.read_parquet, "xpt": read_xpt}[name.split(".")[1]](path)
        _check_table(summary, frame)
        assert summary["rows"] == 254 and summary["columns"][1]["nulls"] == int(expected["AGE"].isna().sum())
    pdf = stored_summary(store, recs["t_vscat.pdf"])
    assert (pdf["kind"], pdf["pages"]) == ("pdf", 3)
    png = stored_summary(store, recs["f_age.png"])
    assert (png["kind"], png["width"], png["height"]) == ("image", 300, 200)
    assert png["thumbnail"]["media_type"] == "image/png"


def test_summary_lives_beside_the_record_not_inside_it(artifacts_root):
    flows.study(n=10, pages=1)
    store = ArtifactStore()
    rec = latest_records(store)["adsl.csv"]
    folder = os.path.join(artifacts_root, "executions", rec.execution_id)
    assert os.path.exists(os.path.join(folder, "summaries", "ADaM", "adsl.csv.json"))
    with open(os.path.join(folder, "records", "ADaM", "adsl.csv.json")) as f:
        assert "columns" not in json.load(f)


def test_a_file_that_cannot_be_parsed_gets_a_summary_saying_why():
    flows.unparsable()
    store = ArtifactStore()
    summary = stored_summary(store, latest_records(store)["weights.parquet"])
    assert summary["kind"] == "table" and "error" in summary and summary["size"] == len("this is not parquet")


def test_summaries_can_be_turned_off_and_show_computes_them(monkeypatch):
    monkeypatch.setenv("FLYTE_ARTIFACTS_SUMMARIES", "0")
    flows.study(n=12, pages=1)
    store = ArtifactStore()
    rec = latest_records(store)["adsl.parquet"]
    assert store.summary(rec) is None
    summary, source = summary_of(store, rec)
    assert source == "computed" and summary["rows"] == 12 and summary["sha256"] == rec.sha256
    r = cli("show", "ADaM", "adsl.parquet", env={"COLUMNS": "80"})
    assert "computed now from the verified bytes" in r.stdout
    assert json.loads(cli("show", "ADaM", "adsl.parquet", "--json").stdout)["summary_source"] == "computed"


def test_a_summary_failure_never_fails_the_run(monkeypatch):
    import flytekitplugins.artifacts.ops.inspection as inspection

    def boom(*args, **kwargs):
        raise RuntimeError("summariser broke")

    monkeypatch.setattr(inspection, "summarize_uri", boom)
    flows.study(n=5, pages=1)
    store = ArtifactStore()
    recs = latest_records(store)
    assert len(recs) == 5 and all(store.summary(r) is None for r in recs.values())


# ---- DataFrames as values -----------------------------------------------------------------------------------------


def test_dataframe_and_arrow_outputs_are_written_recorded_and_read_back_equal(tmp_path):
    adsl, adae, rows = flows.frames(n=40)
    assert rows == 40
    store = ArtifactStore()
    recs = latest_records(store)
    expected = flows.study_frame(40)
    pd.testing.assert_frame_equal(pd.read_parquet(local_bytes(store, recs["adsl.parquet"], tmp_path)), expected)
    pd.testing.assert_frame_equal(pd.read_csv(local_bytes(store, recs["adae.csv"], tmp_path)), expected)
    assert stored_summary(store, recs["adsl.parquet"])["rows"] == 40
    assert os.path.basename(str(adsl)) == "adsl.parquet"


def test_a_frame_for_a_type_without_writer_says_how_to_fix():
    with pytest.raises(Exception, match="register_format"):
        flows.wrong_frame()


# ---- CLI ---------------------------------------------------------------------------------------------------------


def test_show_fits_80_columns_and_reads_the_stored_summary():
    flows.study(n=254, pages=2)
    r = cli("show", "ADaM", "adsl.csv", "--rows", "5", env={"COLUMNS": "80"})
    lines = r.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), "\n".join(line for line in lines if len(line) > 80)
    text = r.stdout
    assert "table · csv" in text and "254 rows × 5 columns" in text and "First 5 rows" in text
    assert "USUBJID" in text and "S-0000" in text and "S-0005" not in text
    for name in ("t_vscat.pdf", "f_age.png"):
        out = cli("show", "TFL", name, env={"COLUMNS": "80"}).stdout
        assert all(len(line) <= 80 for line in out.splitlines())
    assert "2 pages" in cli("show", "TFL", "t_vscat.pdf").stdout
    assert "300 × 200 px" in cli("show", "TFL", "f_age.png").stdout
    shown = json.loads(cli("show", "ADaM", "adsl.xpt", "--json").stdout)
    assert shown["summary_source"] == "stored" and shown["summary"]["rows"] == 254
    assert shown["record"]["filename"] == "adsl.xpt" and len(shown["summary"]["preview"]) == 10  # the default
    for n in (0, 3):  # --rows holds for --json too, and the stored summary keeps its 20 rows
        cut = json.loads(cli("show", "ADaM", "adsl.xpt", "--json", "--rows", str(n)).stdout)["summary"]
        assert len(cut["preview"]) == n and cut["rows"] == 254
    many = json.loads(cli("show", "ADaM", "adsl.xpt", "--json", "--rows", "500").stdout)["summary"]
    assert len(many["preview"]) == 20


def test_show_imports_neither_pandas_nor_pyarrow_nor_flytekit():
    flows.study(n=30, pages=1)
    r = cli("show", "ADaM", "adsl.parquet", env={"PYTHONPROFILEIMPORTTIME": "1"})
    loaded = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in r.stderr.splitlines()
              if line.startswith("import time:")}
    assert not loaded & {"pandas", "pyarrow", "flytekit", "boto3"}, loaded & {"pandas", "pyarrow", "flytekit"}


def test_show_errors_name_the_fix():
    flows.study(n=3, pages=1)
    r = cli("show", "ADaM", "nope.csv", "--execution", ArtifactStore().latest_execution(), check=False)
    assert r.returncode == 1 and "has no file 'nope.csv'" in r.stderr and "adsl.csv" in r.stderr


def test_diff_of_two_versions_of_a_table():
    flows.versioned(n=20, extra=False)
    first = ArtifactStore().latest_execution()
    flows.versioned(n=25, extra=True)
    second = ArtifactStore().latest_execution()
    d = json.loads(cli("diff", "ADaM", "adsl.parquet", "--from", first, "--to", second, "--json").stdout)
    assert d["changed"] and d["rows"]["old"] == 20 and d["rows"]["new"] == 25 and d["rows"]["change"] == 5
    assert [c["name"] for c in d["columns_added"]] == ["TRTDUR"]
    assert [c["name"] for c in d["columns_removed"]] == ["WEIGHT"]
    assert [(c["name"], c["old"]) for c in d["columns_retyped"]] == [("AGE", "float64")]
    assert d["sha256"]["changed"] and (d["from"]["execution_id"], d["to"]["execution_id"]) == (first, second)
    text = cli("diff", "ADaM", "adsl.parquet", "--from", first, env={"COLUMNS": "80"}).stdout
    assert "+ column TRTDUR" in text and "- column WEIGHT" in text and "rows: 20 -> 25 (+5)" in text
    assert all(len(line) <= 80 for line in text.splitlines())
    same = json.loads(cli("diff", "ADaM", "adsl.parquet", "--from", second, "--to", second, "--json").stdout)
    assert not same["changed"]


def test_diff_of_a_file_that_is_not_a_table():
    flows.study(n=5, pages=1)
    first = ArtifactStore().latest_execution()
    flows.study(n=5, pages=4)
    d = json.loads(cli("diff", "TFL", "t_vscat.pdf", "--from", first, "--json").stdout)
    assert d["changed"] and d["facts"]["pages"] == {"old": 1, "new": 4, "change": 3}
    assert d["size"]["old"] < d["size"]["new"] and d["sha256"]["changed"]


def test_datasets_diff_lists_added_removed_and_changed(tmp_path):
    cli("datasets", "create", "adam", "--uri", str(tmp_path / "adam-ds"))
    flows.study(n=10, pages=1)
    cli("export", "--latest", "-a", "ADaM", "-f", "adsl.csv", "-f", "adsl.xpt", "-d", "adam")
    flows.study(n=11, pages=1)
    cli("export", "--latest", "-a", "ADaM", "-f", "adsl.csv", "-f", "adsl.parquet", "-d", "adam")
    d = json.loads(cli("datasets", "diff", "adam", "1", "2", "--json").stdout)
    assert (d["from"], d["to"], d["dataset"]["name"]) == (1, 2, "adam")
    assert [f["path"] for f in d["added"]] == ["adsl.parquet"]
    assert [f["path"] for f in d["removed"]] == ["adsl.xpt"]
    assert [f["path"] for f in d["changed"]] == ["adsl.csv"] and d["unchanged"] == 0
    text = cli("datasets", "diff", "adam", "1", "latest", env={"COLUMNS": "80"}).stdout
    assert "1 added, 1 removed, 1 changed, 0 unchanged" in text
    assert all(len(line) <= 80 for line in text.splitlines())
    r = cli("datasets", "diff", "adam", "1", "7", check=False)
    assert r.returncode == 1 and "no snapshot 7" in r.stderr


# ---- Deck pages ---------------------------------------------------------------------------------------------------


def _record(**kw):
    base = dict(execution_id="local-x", project="p", domain="d", workflow="w", node_id="n0", task="t",
                output_name="o0", artifact="A", type="DATA", filename="f.csv", file_type="csv", uri="/x",
                size=3, sha256="ab" * 32, created_at="now")
    base.update(kw)
    return Record(**base)


def test_run_page_groups_by_type_and_escapes_everything(tmp_path):
    path = tmp_path / "evil.csv"
    path.write_text('name,note\n<script>alert(1)</script>,"<b>x</b>"\n')
    recs = [
        _record(artifact="Zed <report>", type="REPORT", filename="r.pdf", file_type="pdf"),
        _record(artifact="<img src=x onerror=alert(1)>", filename="evil.csv"),
        _record(artifact="Model & co", type="MODEL", filename="m.pt", file_type="pt"),
    ]
    page = run_page_html(recs, {(recs[1].artifact, "evil.csv"): summarize(str(path))})
    assert page.index(">DATA<") < page.index(">MODEL<") < page.index(">REPORT<")
    assert "<script>" not in page and "<img src=x" not in page and "<b>x</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "Model &amp; co" in page
    assert "ab" * 32 in page and "no summary stored" in page
    assert run_page_html([]).count("No artifact files") == 1


def _deck_of_latest_run():
    eid = ArtifactStore().latest_execution()
    sandbox = FlyteContextManager.current_context().file_access.local_sandbox_dir
    pages = []
    for p in glob.glob(os.path.join(sandbox, "**", "deck.html"), recursive=True):
        with open(p, encoding="utf-8") as f:
            text = f.read()
        if eid in text and "artifact-run" in text:
            pages.append(text)
    assert len(pages) == 1
    return pages[0]


def test_recorder_writes_an_artifacts_deck_locally():
    flows.study(n=8, pages=1)
    page = _deck_of_latest_run()
    for name in ("adsl.csv", "adsl.parquet", "adsl.xpt", "t_vscat.pdf", "f_age.png"):
        assert name in page
    assert page.index(">DATA<") < page.index(">REPORT<")
    assert "data:image/png;base64," in page and "USUBJID" in page


def test_a_deck_drawn_before_background_summaries_land_says_they_are_pending(monkeypatch):
    """With summaries in the background (the default for a local run), each file's block on the Deck page has its
    summary or says it is pending and how to see it, never that none is stored."""
    from flytekitplugins.artifacts.ops.background_summaries import wait_for_summaries

    monkeypatch.setenv("FLYTE_ARTIFACTS_SUMMARIES", "background")
    flows.study(n=8, pages=1)
    page = _deck_of_latest_run()
    assert "no summary stored" not in page
    blocks = page.split('<div class="file">')[1:]
    assert len(blocks) == 5
    for block in blocks:
        if '<div class="artifact-summary">' not in block:
            assert "summary pending" in block and "flyte-artifacts show" in block
    assert wait_for_summaries(ArtifactStore(), ArtifactStore().latest_execution())


def test_register_format_example_in_the_docs_runs(tmp_path):
    with open(os.path.join(REPO, "docs", "inspect.md")) as f:
        doc = f.read()
    block = doc.split("<!-- register_format example -->\n```python\n", 1)[1].split("```", 1)[0]
    script = tmp_path / "params_flow.py"
    script.write_text(block)
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1] == "2"
    store = ArtifactStore()
    (rec,) = store.records(store.latest_execution())
    assert (rec.artifact, rec.filename) == ("Model Params", "params.json")
    assert stored_summary(store, rec)["kind"] == "text"
