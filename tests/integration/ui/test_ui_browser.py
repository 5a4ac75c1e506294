"""The web page in a real headless Chromium (Debian's package, driven by Playwright), over a store made by real
flows and served by uvicorn on 127.0.0.1. Screenshots of each page go to the test's temp folder."""

import hashlib
import shutil
import urllib.parse

import pytest
from flows import ui as flows
from ui_helpers import CHROMIUM, DESKTOP, PHONE, SCRIPT_NAME

from flytekitplugins.artifacts.ops.datasets import DatasetCatalog
from flytekitplugins.artifacts.ui import dot_layout

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (`make test` installs it with apt-get when it can)"
)


def shot(pg, tmp_path, name):
    path = tmp_path / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000
    return path


def test_runs_page_and_following_a_run(site, page, tmp_path):
    base, study = site
    page.goto(base + "/")
    assert page.title() == "Runs · Flyte artifacts"
    rows = page.locator("table.runs tbody tr")
    assert rows.count() == 5  # the failed run is not shown unless asked for
    assert rows.nth(3).locator("td").nth(0).inner_text() == study.second
    assert rows.nth(3).locator("td").nth(1).inner_text() == "succeeded"
    assert rows.nth(3).locator("td").nth(2).inner_text() == "flows.ui.study"
    assert [rows.nth(3).locator("td.num").nth(i).inner_text() for i in range(4)] == ["1", "0", "2", "2"]
    shot(page, tmp_path, "runs")
    page.get_by_role("link", name=study.second).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == f"Run {study.second}"
    assert [h.inner_text() for h in page.locator("section.type > h2").all()] == ["DATA", "REPORT"]
    assert page.get_by_role("link", name="Open PDF").count() == 1
    # The figure's thumbnail (from its stored summary) is shown inline, and it really loaded.
    img = page.locator("tr.preview img")
    assert img.count() == 1
    img.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('tr.preview img').complete")
    assert page.evaluate("document.querySelector('tr.preview img').naturalWidth") == 48
    shot(page, tmp_path, "run")


def test_download_link_downloads_the_recorded_bytes(site, page, tmp_path):
    base, study = site
    page.goto(base + "/run?" + urllib.parse.urlencode({"id": study.first}))
    rec = study.store.record(study.first, "Study Data", "data.csv")
    row = page.locator("table.files tr", has_text="data.csv")
    with page.expect_download() as info:
        row.get_by_role("link", name="Download").click()
    download = info.value
    assert download.suggested_filename == "data.csv"
    dest = tmp_path / "data.csv"
    download.save_as(str(dest))
    data = dest.read_bytes()
    assert hashlib.sha256(data).hexdigest() == rec.sha256 and data.startswith(b"subject,note\n1,first\n")


def test_pdf_link_is_served_for_the_viewer(site, page, tmp_path):
    base, study = site
    page.goto(base + "/run?" + urllib.parse.urlencode({"id": study.first}))
    href = page.get_by_role("link", name="Open PDF").get_attribute("href")
    # What the browser gets when it follows the link: a PDF, to be shown inline by its viewer.
    resp = page.request.get(base + href)
    assert resp.status == 200
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.headers["content-disposition"].startswith('inline; filename="summary.pdf"')
    rec = study.store.record(study.first, "Figures", "summary.pdf")
    assert hashlib.sha256(resp.body()).hexdigest() == rec.sha256


def test_escaped_names_show_as_text_and_run_nothing(site, page, tmp_path):
    base, study = site
    page.goto(base + "/run?" + urllib.parse.urlencode({"id": study.scripted}))
    assert page.locator("h1").inner_text() == f"Run {study.scripted}"
    assert page.locator("article.artifact h3 a").first.inner_text() == SCRIPT_NAME
    assert page.locator("script").count() == 0
    page.goto(base + "/run?" + urllib.parse.urlencode({"id": study.hostile}))
    assert page.locator("td.name").inner_text() == flows.HOSTILE_FILE
    assert page.locator("article.artifact h3 a").first.inner_text() == flows.HOSTILE_NAME
    assert page.locator("main img").count() == 0 and page.locator("main b").count() == 0
    page.locator("td.name").hover()
    shot(page, tmp_path, "hostile")
    page.goto(base + "/artifact?" + urllib.parse.urlencode({"name": SCRIPT_NAME}))
    assert page.locator("h1").inner_text().startswith(f"Artifact {SCRIPT_NAME}")
    page.goto(base + "/")
    assert page.get_by_text("wf.<i>hand</i>").count() == 1
    assert page.dialogs == []


def test_artifact_versions(site, page, tmp_path):
    base, study = site
    page.goto(base + "/run?" + urllib.parse.urlencode({"id": study.second}))
    page.get_by_role("link", name="Figures", exact=True).click()
    page.wait_for_load_state()
    versions = page.locator("section.version")
    assert versions.count() == 2
    assert versions.nth(0).locator("h2").inner_text() == study.second
    assert "files differ from the previous version" in versions.nth(0).inner_text()
    assert "first version" in versions.nth(1).inner_text()
    shot(page, tmp_path, "artifact")
    versions.nth(1).get_by_role("link", name=study.first).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == f"Run {study.first}"


def test_datasets_snapshots_files_and_manifest(site, page, tmp_path):
    base, study = site
    ds = DatasetCatalog(study.store).get("study")
    page.goto(base + "/")
    page.get_by_role("link", name="Datasets").click()
    page.wait_for_load_state()
    shot(page, tmp_path, "datasets")
    page.get_by_role("link", name="study", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Dataset study"
    assert page.locator("section.snapshot h2").inner_text() == "Files of snapshot #2"
    shot(page, tmp_path, "dataset")
    page.get_by_role("link", name="#1", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("section.snapshot h2").inner_text() == "Files of snapshot #1"
    with page.expect_download() as info:
        page.locator("section.snapshot").get_by_role("link", name="Download").click()
    dest = tmp_path / "snap.csv"
    info.value.save_as(str(dest))
    f = DatasetCatalog(study.store).snapshot(ds, 1).file("data.csv")
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == f.sha256
    page.locator("details.manifest summary").click()
    assert f'"sha256": "{f.sha256}"' in page.locator("details.manifest pre").inner_text()
    page.locator("section.snapshot").get_by_role("link", name=study.first).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == f"Run {study.first}"


def test_not_found_page(site, page, tmp_path):
    base, _ = site
    resp = page.goto(base + "/run?id=local-nope")
    assert resp.status == 404
    assert page.locator("p.error").inner_text() == "run 'local-nope' is not in this store"
    page.get_by_role("link", name="All runs").click()
    page.wait_for_load_state()
    assert page.title() == "Runs · Flyte artifacts"


def test_filters_work_without_javascript(site, browser, tmp_path):
    base, study = site
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    pg = context.new_page()
    try:
        pg.goto(base + "/")
        pg.get_by_label("Workflow").fill("hostile")
        pg.get_by_role("button", name="Filter").click()
        pg.wait_for_load_state()
        assert "workflow=hostile" in pg.url
        rows = pg.locator("table.runs tbody tr")
        assert rows.count() == 1 and rows.first.locator("td").first.inner_text() == study.hostile
        pg.get_by_role("link", name="Clear").click()
        pg.wait_for_load_state()
        assert pg.locator("table.runs tbody tr").count() == 5
    finally:
        context.close()


def test_phone_layout_fits_the_screen(site, browser, tmp_path):
    base, study = site
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    pg = context.new_page()
    try:
        for name, path in (("phone-runs", "/"), ("phone-run", "/run?" + urllib.parse.urlencode({"id": study.second}))):
            pg.goto(base + path)
            assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            # Table rows become labelled cards: the header row is hidden, the cells carry their labels.
            assert not pg.locator("thead").first.is_visible()
            shot(pg, tmp_path, name)
    finally:
        context.close()


def test_status_filter_shows_a_failed_run_on_request(site, browser, tmp_path):
    base, study = site
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    pg = context.new_page()
    try:
        pg.goto(base + "/")
        assert pg.get_by_role("link", name=study.failed).count() == 0
        pg.get_by_label("Status").select_option("all")
        pg.get_by_role("button", name="Filter").click()
        pg.wait_for_load_state()
        assert "status=all" in pg.url
        row = pg.locator("table.runs tbody tr", has_text=study.failed)
        assert row.locator("td").nth(1).inner_text() == "failed"
        shot(pg, tmp_path, "runs-all")
        row.get_by_role("link", name=study.failed).click()
        pg.wait_for_load_state()
        assert pg.locator(".facts .status").inner_text() == "failed"
    finally:
        context.close()


def test_previews_show_tables_from_stored_summaries(site, page, tmp_path):
    base, study = site
    page.goto(base + "/run?" + urllib.parse.urlencode({"id": study.second}))
    preview = page.locator("tr.preview", has_text="subject").first
    assert preview.is_visible()
    headers = preview.locator("thead th").all_inner_texts()
    assert "subject" in headers and "note" in headers
    assert preview.get_by_text("<b>bold</b>").count() >= 1 and preview.locator("b").count() == 0
    page.get_by_role("link", name="data.csv").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("data.csv")
    assert page.locator(".artifact-summary").is_visible()
    shot(page, tmp_path, "file")


def test_diff_between_two_chosen_versions(site, page, tmp_path):
    base, study = site
    page.goto(base + "/artifact?" + urllib.parse.urlencode({"name": "Study Data"}))
    page.get_by_label("File").select_option("data.csv")
    page.get_by_label("Old").select_option(study.first)
    page.get_by_label("New").select_option(study.second)
    page.get_by_role("button", name="Compare").click()
    page.wait_for_load_state()
    assert page.locator("p.verdict").inner_text() == "Changed"
    rows = page.locator("table.diff tr", has_text="Rows").locator("td").all_inner_texts()
    assert rows == ["2", "3", "+1"]
    assert page.locator("table.stats").is_visible()
    shot(page, tmp_path, "diff")


def test_lineage_graph_links_and_hostile_names(site, page, tmp_path):
    base, study = site
    page.goto(base + "/run?" + urllib.parse.urlencode({"id": study.second}))
    page.locator("table.files tr", has_text="data.csv").get_by_role("link", name="lineage").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Lineage of Study Data / data.csv"
    svg = page.locator("svg.lineage")
    assert svg.is_visible() and svg.locator("a.node").count() == 3
    texts = svg.locator("text.t").all_text_contents()
    assert any(t.startswith(flows.HOSTILE_DERIVED) for t in texts)
    shot(page, tmp_path, "lineage")
    svg.locator("a.node", has_text="Study Report").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Lineage of Study Report / report.txt"
    node = page.locator("svg.lineage a.node", has_text=flows.HOSTILE_NAME[:20])
    assert node.count() == 1
    node.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == f"Lineage of {flows.HOSTILE_NAME} / {flows.HOSTILE_FILE}"
    shot(page, tmp_path, "lineage-hostile")
    assert page.dialogs == [] and page.locator("script").count() == 0


GEOMETRY = """() => {
  const svg = document.querySelector('svg.lineage');
  const view = svg.viewBox.baseVal;
  const box = (b) => ({x: b.x, y: b.y, w: b.width, h: b.height});
  const at = (p, d) => { const q = p.getPointAtLength(d); return {x: q.x, y: q.y}; };
  return {
    width: view.width, height: view.height,
    edges: [...svg.querySelectorAll('path.edge')].map(p => {
      const n = p.getTotalLength();
      return {box: box(p.getBBox()), length: n, start: at(p, 0), end: at(p, n)};
    }),
    nodes: [...svg.querySelectorAll('.node')].map(g => ({
      rect: box(g.querySelector('rect').getBBox()),
      texts: [...g.querySelectorAll('text')].map(t => box(t.getBBox())),
    })),
    words: document.querySelectorAll('ul.lineage-list li').length,
  };
}"""


def _within(b, outer, slack=0.5):
    right, bottom = outer["x"] + outer["w"] + slack, outer["y"] + outer["h"] + slack
    return (b["x"] >= outer["x"] - slack and b["y"] >= outer["y"] - slack
            and b["x"] + b["w"] <= right and b["y"] + b["h"] <= bottom)


def _on_border(point, rect, slack=3.0):
    inside = _within({"x": point["x"], "y": point["y"], "w": 0, "h": 0}, rect, slack)
    near_edge = min(abs(point["x"] - rect["x"]), abs(point["x"] - rect["x"] - rect["w"]),
                    abs(point["y"] - rect["y"]), abs(point["y"] - rect["y"] - rect["h"])) <= slack
    return inside and near_edge


def _check_drawing(page, base, params, tmp_path, laid_out_by_dot=True):
    page.goto(base + "/lineage?" + urllib.parse.urlencode(params))
    assert ("plain columns" not in page.content()) is laid_out_by_dot
    g = page.evaluate(GEOMETRY)
    drawing = {"x": 0, "y": 0, "w": g["width"], "h": g["height"]}
    assert g["nodes"] and len(g["edges"]) == g["words"] > 0  # every edge named in words is drawn
    for node in g["nodes"]:
        assert _within(node["rect"], drawing)
        for text in node["texts"]:
            assert text["w"] > 0 and _within(text, node["rect"])  # the label is not clipped by its box
    rects = [n["rect"] for n in g["nodes"]]
    for e in g["edges"]:
        assert e["length"] > 10 and _within(e["box"], drawing)
        assert any(_on_border(e["start"], r) for r in rects) and any(_on_border(e["end"], r) for r in rects)
    shot(page, tmp_path, f"lineage-{'dot' if laid_out_by_dot else 'columns'}-{params['filename'][:8]}")
    return g


@pytest.mark.skipif(dot_layout.dot_program() is None, reason="Graphviz's dot is not installed (make browser does)")
def test_lineage_laid_out_by_graphviz_draws_every_edge_and_label_inside_the_drawing(site, page, tmp_path):
    base, study = site
    for params in ({"run": study.consumer, "artifact": "Study Report", "filename": "report.txt", "depth": 3},
                   {"run": study.second, "artifact": "Study Data", "filename": "data.csv", "depth": 3},
                   {"run": study.hostile, "artifact": flows.HOSTILE_NAME, "filename": flows.HOSTILE_FILE}):
        _check_drawing(page, base, params, tmp_path)


def test_boxes_with_notes_are_wide_enough_by_graphviz_and_without_it(site, page, tmp_path, monkeypatch):
    """A copy of the study store where the record of a file made downstream is gone: its box says "not recorded in
    this run" after the run's id, a line longer than a plain box; drawn by dot, and in plain columns without it."""
    from ui_helpers import serve

    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
    from flytekitplugins.artifacts.store.keys import record_key
    from flytekitplugins.artifacts.ui.app import create_app

    _, study = site
    copy = tmp_path / "store-copy"
    shutil.copytree(study.store.root, copy)
    gone = copy / record_key(study.consumer, "Study Report", "report.txt")
    gone.chmod(0o644)
    gone.unlink()
    params = {"run": study.second, "artifact": "Study Data", "filename": "data.csv", "depth": 3}
    with serve(create_app(ArtifactStore(str(copy)))) as base:
        shown = _check_drawing(page, base, params, tmp_path, laid_out_by_dot=dot_layout.dot_program() is not None)
        assert "not recorded in this run" in page.content()
        assert max(n["rect"]["w"] for n in shown["nodes"]) > 250  # wider than a plain box, to hold its note
        monkeypatch.setattr(dot_layout, "dot_program", lambda: None)
        _check_drawing(page, base, params, tmp_path, laid_out_by_dot=False)
        assert "Graphviz's dot is not installed" in page.content()
