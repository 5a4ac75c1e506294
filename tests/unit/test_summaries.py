"""File summaries: numbers checked against pandas, damaged files, budgets, rendering that fits and escapes."""

import ast
import base64
import datetime
import decimal
import io
import json
import os

import numpy as np
import pandas as pd
import pytest
from repo_paths import REPO
from rich.console import Console

from flytekitplugins.artifacts.errors import ArtifactValueError
from flytekitplugins.artifacts.ops.summaries import (
    Budget,
    diff_summaries,
    render_diff_text,
    render_html,
    render_text,
    summarize,
)
from flytekitplugins.artifacts.ops.summaries.jsonsafe import json_value

PACKAGE = os.path.join(REPO, "flytekitplugins", "artifacts", "ops", "summaries")


def sample_frame(n=57):
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            "age": rng.integers(18, 90, n).astype("float64"),
            "arm": rng.choice(["Placebo", "Drug A", "Drug B"], n),
            "score": rng.normal(10, 3, n),
        }
    )
    frame.loc[[i for i in (3, 9, 20) if i < n], "age"] = np.nan
    frame.loc[[i for i in (5, 6) if i < n], "arm"] = None
    return frame


def check_against(summary, frame):
    """The summary's counts and statistics equal what pandas computes on the same data."""
    assert summary["kind"] == "table", summary
    assert summary["rows"] == len(frame)
    assert summary["rows_exact"] is True
    assert summary["sampled"] is False
    assert summary["column_count"] == frame.shape[1]
    by_name = {c["name"]: c for c in summary["columns"]}
    assert list(by_name) == list(frame.columns)
    for name in frame.columns:
        col, series = by_name[name], frame[name]
        assert col["nulls"] == int(series.isna().sum()), name
        assert col["distinct"] == int(series.nunique()), name
        if pd.api.types.is_numeric_dtype(series):
            assert col["min"] == pytest.approx(float(series.min()))
            assert col["max"] == pytest.approx(float(series.max()))
            assert col["mean"] == pytest.approx(float(series.mean()))
        else:
            top = series.value_counts().head(len(col["top"]))
            assert [count for _, count in col["top"]] == [int(c) for c in top.values]
            assert col["top"][0][0] == top.index[0]
    assert len(summary["preview"]) == min(20, len(frame))
    assert summary["preview"][0][0] == int(frame["id"].iloc[0])
    json.dumps(summary, allow_nan=False)  # stored as strict JSON


@pytest.mark.parametrize("values", [
    np.array([3, -7, 2**62, 2**62, 0], dtype="int64"),
    np.array([0, 255, 7, 7], dtype="uint8"),
    np.array([0.0, -0.0, np.nan, 1.5, np.nan, 1.5]),
    np.array([np.inf, -np.inf, 1.0]),
    np.array([1.25, -3.5, 2.0], dtype="float32"),
    np.array([np.nan, np.nan]),
    pd.array([1, None, 3], dtype="Int64"),
    np.array([True, False, True]),
], ids=["int64", "uint8", "float-nan-zero", "inf", "float32", "all-nan", "nullable-int", "bool"])
def test_number_column_statistics_equal_pandas_own(values):
    """Plain numpy number columns take a shorter path than pandas' calls: it must give the very same numbers."""
    from flytekitplugins.artifacts.ops.summaries.jsonsafe import json_number
    from flytekitplugins.artifacts.ops.summaries.table_stats import column_stats

    series = pd.Series(values)
    stats = column_stats(series)
    present = series.dropna()
    assert stats["type"] == str(series.dtype)
    assert stats["nulls"] == int(series.isna().sum())
    assert stats["distinct"] == int(present.nunique())
    if series.dtype.kind in "iuf" and len(present):
        with np.errstate(invalid="ignore"):
            expected = float(present.astype("float64").mean())
        assert (stats["min"], stats["max"]) == (json_number(present.min()), json_number(present.max()))
        assert stats["mean"] == json_number(expected)
    json.dumps(stats, allow_nan=False)


@pytest.mark.parametrize("file_type", ["csv", "tsv", "parquet", "feather", "jsonl"])
def test_table_summary_numbers_match_pandas(tmp_path, file_type):
    frame = sample_frame()
    path = tmp_path / f"adsl.{file_type}"
    if file_type == "csv":
        frame.to_csv(path, index=False)
    elif file_type == "tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif file_type == "parquet":
        frame.to_parquet(path, index=False)
    elif file_type == "feather":
        frame.to_feather(path)
    else:
        frame.to_json(path, orient="records", lines=True)
    summary = summarize(path)
    assert summary["file_type"] == file_type and summary["size"] == os.path.getsize(path)
    check_against(summary, frame)


def test_xpt_summary_has_counts_and_labels(tmp_path):
    import pyreadstat

    frame = sample_frame().drop(columns=["arm"])
    path = tmp_path / "adsl.xpt"
    pyreadstat.write_xport(frame, str(path), column_labels=["Subject", "Age in years", "Score"])
    summary = summarize(path)
    check_against(summary, frame)
    labels = {c["name"]: c.get("label") for c in summary["columns"]}
    assert labels["age"] == "Age in years"


def test_declared_file_type_wins_over_the_extension(tmp_path):
    frame = sample_frame(10)
    path = tmp_path / "data without extension"
    frame.to_parquet(path)
    assert summarize(path)["kind"] == "binary"
    summary = summarize(path, "parquet")
    assert summary["file_type"] == "parquet" and summary["rows"] == 10


def test_parquet_row_count_comes_from_the_footer_when_sampled(tmp_path):
    frame = pd.DataFrame({"x": np.arange(5000), "y": np.arange(5000) % 7})
    path = tmp_path / "big.parquet"
    frame.to_parquet(path, row_group_size=1000)
    summary = summarize(path, budget=Budget(max_rows=1500))
    assert summary["rows"] == 5000 and summary["rows_exact"] is True
    assert summary["sampled"] is True and summary["sample_rows"] == 1500
    assert summary["read"]["rows"] == 1500 and summary["limits"]["max_rows"] == 1500
    x = {c["name"]: c for c in summary["columns"]}["x"]
    assert x["max"] == 1499  # statistics describe the sample, and say so
    assert any("first 1,500 rows" in note for note in summary["notes"])


def test_csv_larger_than_the_byte_budget_is_sampled(tmp_path):
    path = tmp_path / "big.csv"
    frame = pd.DataFrame({"n": np.arange(20000), "text": ["some words here"] * 20000})
    frame.to_csv(path, index=False)
    size = os.path.getsize(path)
    summary = summarize(path, budget={"max_bytes": 64 * 1024})
    assert summary["sampled"] is True
    assert summary["rows"] is None and summary["rows_exact"] is False
    assert 0 < summary["sample_rows"] < 20000
    assert summary["read"]["bytes"] <= 64 * 1024 < size
    n = {c["name"]: c for c in summary["columns"]}["n"]
    assert n["min"] == 0 and n["max"] == summary["sample_rows"] - 1  # whole rows only, none cut in half
    text = tmp_path / "big.log"
    text.write_text("line\n" * 100000)
    log = summarize(text, budget={"max_bytes": 4096})
    assert log["kind"] == "text" and log["sampled"] is True and log["lines_exact"] is False
    assert log["lines"] == 4096 // 5 and log["read"]["bytes"] == 4096


def test_csv_row_budget(tmp_path):
    path = tmp_path / "rows.csv"
    pd.DataFrame({"n": np.arange(1000)}).to_csv(path, index=False)
    summary = summarize(path, budget={"max_rows": 100})
    assert summary["sampled"] is True and summary["sample_rows"] == 100 and summary["rows"] is None
    whole = summarize(path, budget={"max_rows": 1000})
    assert whole["sampled"] is False and whole["rows"] == 1000


def test_spent_time_budget_skips_statistics_and_says_so(tmp_path):
    path = tmp_path / "t.csv"
    sample_frame().to_csv(path, index=False)
    summary = summarize(path, budget=Budget(max_seconds=1e-9))
    assert summary["rows"] == 57 and [c["name"] for c in summary["columns"]] == ["id", "age", "arm", "score"]
    assert all("nulls" not in c and c["type"] for c in summary["columns"])
    assert any("time budget spent" in note for note in summary["notes"])


def test_single_column_csv_is_a_table(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("patient id\nS-1\nS-2\n")
    summary = summarize(path)
    assert summary["kind"] == "table" and summary["rows"] == 2 and summary["columns"][0]["name"] == "patient id"


def test_damaged_files_give_error_summaries(tmp_path):
    frame = sample_frame()
    good = tmp_path / "good.parquet"
    frame.to_parquet(good)
    data = good.read_bytes()
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(data[: len(data) // 2])
    summary = summarize(bad)
    assert summary["kind"] == "table" and "parquet" in summary["error"]
    json.dumps(summary)

    png = tmp_path / "good.png"
    make_png(png)
    cut = tmp_path / "cut.png"
    cut.write_bytes(png.read_bytes()[:200])
    summary = summarize(cut)
    assert summary["kind"] == "image" and summary["error"]
    noise = tmp_path / "noise.png"
    noise.write_bytes(b"not an image at all" * 10)
    assert "cannot read image" in summarize(noise)["error"]
    pdf = tmp_path / "bad.pdf"
    pdf.write_bytes(b"hello")
    assert "not a PDF" in summarize(pdf)["error"]
    xpt = tmp_path / "bad.xpt"
    xpt.write_bytes(b"\x00" * 400)
    assert summarize(xpt)["error"]


def test_unparseable_csv_falls_back_to_text(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text('a,b\n1,"unterminated\n2,3\n' + "x" * 10)
    summary = summarize(path)
    assert summary["kind"] == "text" and "not read as a table" in summary["notes"][0]
    assert summary["head"][0] == "a,b"


def test_missing_path_is_a_caller_error(tmp_path):
    with pytest.raises(ArtifactValueError, match="no such file"):
        summarize(tmp_path / "nope.csv")
    with pytest.raises(ArtifactValueError, match="not a regular file"):
        summarize(tmp_path)
    with pytest.raises(ArtifactValueError):
        summarize(__file__, budget={"max_rows": 0})


def make_png(path, size=(300, 200)):
    from PIL import Image

    img = Image.new("RGB", size, (200, 30, 30))
    img.save(path)


def test_png_summary_dimensions_and_thumbnail(tmp_path):
    from PIL import Image

    path = tmp_path / "km.png"
    make_png(path)
    summary = summarize(path)
    assert (summary["kind"], summary["width"], summary["height"]) == ("image", 300, 200)
    thumb = summary["thumbnail"]
    assert thumb["media_type"] == "image/png" and max(thumb["width"], thumb["height"]) <= 128
    decoded = Image.open(io.BytesIO(base64.b64decode(thumb["data"])))
    assert decoded.size == (thumb["width"], thumb["height"]) == (128, 85)
    jpg = tmp_path / "photo.jpg"
    Image.new("RGB", (64, 40)).save(jpg)
    assert summarize(jpg)["width"] == 64


def test_svg_dimensions_and_only_inert_drawings_are_kept(tmp_path):
    plain = tmp_path / "plot.svg"
    plain.write_text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="320px" height="240">'
                     '<rect width="10" height="10"/></svg>')
    summary = summarize(plain)
    assert (summary["width"], summary["height"]) == (320, 240)
    assert base64.b64decode(summary["thumbnail"]["data"]) == plain.read_bytes()
    boxed = tmp_path / "box.svg"
    boxed.write_text('<svg viewBox="0 0 50 25.5"><script>alert(1)</script></svg>')
    summary = summarize(boxed)
    assert (summary["width"], summary["height"]) == (50, 25.5)
    assert "thumbnail" not in summary and "scripts" in summary["notes"][0]
    handler = tmp_path / "onload.svg"
    handler.write_text('<svg width="5" height="5" onload="alert(1)"></svg>')
    assert "thumbnail" not in summarize(handler)


def write_pdf(path, pages):
    """A minimal valid PDF with ``pages`` empty pages and a correct cross-reference table."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>")
    objects += ["<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))


def test_pdf_page_count(tmp_path):
    path = tmp_path / "tfl.pdf"
    write_pdf(path, 3)
    summary = summarize(path)
    assert summary["kind"] == "pdf" and summary["pages"] == 3 and "error" not in summary


def test_text_and_binary(tmp_path):
    path = tmp_path / "run.log"
    path.write_text("first\nsecond\nthird")
    summary = summarize(path)
    assert summary["kind"] == "text" and summary["lines"] == 3 and summary["head"] == ["first", "second", "third"]
    yml = tmp_path / "config.yml"
    yml.write_text("a: 1\n")
    assert summarize(yml)["kind"] == "text"
    blob = tmp_path / "model.pt"
    blob.write_bytes(bytes(range(256)) * 4)
    summary = summarize(blob)
    assert summary == {"version": 1, "kind": "binary", "file_type": "pt", "size": 1024, "sampled": False}


# ---- rendering ------------------------------------------------------------------------------------------------

HOSTILE = ["[bold]x[/bold]", "[/x]", "<script>alert(1)</script>", "tab\there", "\x1b[31mred\x1b[0m", "日本語" * 20]


def hostile_summary(tmp_path):
    frame = pd.DataFrame({f"a rather long column name {i}": np.arange(6) * 1.5 for i in range(14)})
    frame.insert(1, "[red]name[/red]", HOSTILE)
    frame["wide"] = ["x" * 300] * 6
    path = tmp_path / "hostile.parquet"
    frame.to_parquet(path)
    return summarize(path)


def rendered_lines(renderable, width=80):
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text().splitlines()


def test_render_text_fits_80_columns_without_wrapping_rows(tmp_path):
    summary = hostile_summary(tmp_path)
    lines = rendered_lines(render_text(summary, width=80, rows=6))
    assert lines and max(len(line) for line in lines) <= 80
    # One line per statistics row and per preview row: nothing wrapped onto a second line.
    stats_start = lines.index("Columns")
    assert lines[stats_start + 1].startswith("column")
    assert set(lines[stats_start + 2]) == {"\u2500"}
    stat_rows = lines[stats_start + 3: stats_start + 3 + summary["column_count"]]
    assert [row.split()[0] for row in stat_rows][:1] == ["a"] and len(stat_rows) == 16
    assert all(row.strip() for row in stat_rows)
    preview_start = lines.index("First 6 rows")
    preview_rows = lines[preview_start + 3: preview_start + 9]
    assert len(preview_rows) == 6 and all(row.startswith("0") or row[0].isdigit() for row in preview_rows)
    assert "more column(s) not shown" in lines[preview_start + 9]
    text = "\n".join(lines)
    assert "[bold]x[/bold]" in text and "[red]name[/red]" in text  # literally, not styled or eaten
    assert "\\e[31mred" in text and "\x1b" not in text


def test_render_text_escapes_markup_in_a_narrow_column(tmp_path):
    summary = hostile_summary(tmp_path)
    console = Console(width=40, record=True, color_system=None)
    console.print(render_text(summary, width=40))
    assert max(len(line) for line in console.export_text().splitlines()) <= 40


def test_render_text_of_other_kinds(tmp_path):
    log = tmp_path / "x.log"
    log.write_text("[bold]not bold[/bold]\n\x1b[2Jclear\n" + "y" * 500 + "\n")
    lines = rendered_lines(render_text(summarize(log), width=80))
    assert "[bold]not bold[/bold]" in lines and "\\e[2Jclear" in lines
    assert max(map(len, lines)) <= 80
    png = tmp_path / "a.png"
    make_png(png)
    assert "300 \u00d7 200 px" in rendered_lines(render_text(summarize(png)))[0]
    pdf = tmp_path / "a.pdf"
    write_pdf(pdf, 2)
    assert "2 pages" in rendered_lines(render_text(summarize(pdf)))[0]
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 garbage")
    assert any(line.startswith("error:") for line in rendered_lines(render_text(summarize(bad))))


def test_render_html_escapes_every_value(tmp_path):
    summary = hostile_summary(tmp_path)
    page = render_html(summary)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\x1b" not in page
    png = tmp_path / "a.png"
    make_png(png)
    page = render_html(summarize(png))
    assert '<img alt="thumbnail" src="data:image/png;base64,' in page
    forged = dict(summarize(png), thumbnail={"media_type": "text/html", "data": "PHNjcmlwdD4="})
    assert "data:text/html" not in render_html(forged)
    forged = dict(summarize(png), thumbnail={"media_type": "image/png", "data": '"><script>alert(1)</script>'})
    assert "<script>" not in render_html(forged)
    log = tmp_path / "a.txt"
    log.write_text("</pre><script>alert(1)</script>\n")
    page = render_html(summarize(log))
    assert "<pre>&lt;/pre&gt;&lt;script&gt;" in page


def test_rendering_modules_import_no_heavy_library():
    heavy = {"pandas", "pyarrow", "numpy", "PIL", "pypdf", "pyreadstat", "openpyxl", "flytekit"}
    for name in os.listdir(PACKAGE):
        if not name.endswith(".py"):
            continue
        tree = ast.parse(open(os.path.join(PACKAGE, name), encoding="utf-8").read())
        for node in tree.body:  # module level only: imports inside functions are lazy
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = {node.module.split(".")[0]}
                if node.module.startswith("flytekitplugins.artifacts"):
                    assert node.module == "flytekitplugins.artifacts.errors", (name, node.module)
            else:
                continue
            assert not roots & heavy | {"rich"} & roots, (name, roots)


# ---- diff -----------------------------------------------------------------------------------------------------


def test_diff_of_two_table_versions(tmp_path):
    old = pd.DataFrame({"id": [1, 2, 3], "x": [1.0, 2.0, None], "gone": ["a", "b", "c"]})
    new = pd.DataFrame({"id": [1, 2, 3, 4], "x": ["1", "2", "3", "4"], "added": [True, False, True, True]})
    old.to_parquet(tmp_path / "old.parquet")
    new.to_parquet(tmp_path / "new.parquet")
    diff = diff_summaries(summarize(tmp_path / "old.parquet"), summarize(tmp_path / "new.parquet"))
    assert diff["changed"] is True
    assert diff["rows"] == {"old": 3, "new": 4, "change": 1, "exact": True}
    assert diff["columns_added"] == [{"name": "added", "type": "bool"}]
    assert diff["columns_removed"] == [{"name": "gone", "type": "str"}]
    assert diff["columns_retyped"] == [{"name": "x", "old": "float64", "new": "str"}]
    id_changes = {c["name"]: c["changes"] for c in diff["column_changes"]}["id"]
    assert id_changes["max"] == {"old": 3, "new": 4, "change": 1}
    assert id_changes["mean"]["new"] == pytest.approx(2.5)
    json.dumps(diff, allow_nan=False)
    lines = rendered_lines(render_diff_text(diff, width=80))
    assert "rows: 3 -> 4 (+1)" in lines and "+ column added (bool)" in lines and "- column gone (str)" in lines
    assert "~ column x: float64 -> str" in lines and max(map(len, lines)) <= 80

    same = summarize(tmp_path / "old.parquet")
    assert diff_summaries(same, same)["changed"] is False
    assert "no changes" in rendered_lines(render_diff_text(diff_summaries(same, same)))


def test_diff_of_other_files_uses_size_and_sha256(tmp_path):
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"\x00\x01" * 10)
    b.write_bytes(b"\x00\x02" * 10)
    diff = diff_summaries(summarize(a), summarize(b), old_sha256="1" * 64, new_sha256="2" * 64)
    assert diff["size"]["change"] == 0 and diff["sha256"]["changed"] is True and diff["changed"] is True
    assert "sha256: changed" in "\n".join(rendered_lines(render_diff_text(diff)))
    p1, p2 = tmp_path / "a.pdf", tmp_path / "b.pdf"
    write_pdf(p1, 1)
    write_pdf(p2, 4)
    diff = diff_summaries(summarize(p1), summarize(p2))
    assert diff["facts"]["pages"] == {"old": 1, "new": 4, "change": 3}


def test_diff_of_a_file_that_changed_kind_names_the_change_and_the_errors():
    old = {"kind": "table", "file_type": "csv", "size": 10, "rows": 3, "error": "cannot read row 4"}
    new = {"kind": "text", "file_type": "txt", "size": 10, "lines": 2, "sha256": "b" * 64}
    diff = diff_summaries(old, new, old_sha256="a" * 64)
    assert diff["kind_changed"] == {"old": "table", "new": "text"}
    assert diff["file_type_changed"] == {"old": "csv", "new": "txt"}
    assert diff["sha256"] == {"old": "a" * 64, "new": "b" * 64, "changed": True}
    assert "facts" not in diff and "rows" not in diff and diff["changed"] is True
    assert diff["notes"] == ["the old summary has an error: cannot read row 4"]
    lines = rendered_lines(render_diff_text(diff))
    assert lines[:3] == ["kind: table -> text", "file: csv -> txt", "size: 10 B -> 10 B (+0)"]
    assert lines[-1] == "note: the old summary has an error: cannot read row 4"
    # Same kind, same facts: nothing changed, and no "facts" key.
    image = {"kind": "image", "file_type": "png", "size": 5, "width": 2, "height": 3}
    assert diff_summaries(image, dict(image)) == {
        "kind": "image", "file_type": "png", "size": {"old": 5, "new": 5, "change": 0}, "changed": False, "notes": [],
    }


@pytest.mark.parametrize("value, expected", [
    (None, None),
    (True, True),
    (np.bool_(False), False),
    (2**63 - 1, 2**63 - 1),
    (2**63, str(2**63)),
    (np.int64(-3), -3),
    (float("nan"), None),
    (np.float64("-inf"), "-inf"),
    (decimal.Decimal("2.5"), 2.5),
    (decimal.Decimal("1e400"), "inf"),
    (decimal.Decimal("NaN"), None),
    (pd.NA, None),
    (pd.NaT, None),
    (datetime.date(2024, 2, 29), "2024-02-29"),
    (pd.Timestamp("2024-02-29 10:00"), "2024-02-29T10:00:00"),
    (b"ab\xff", "ab\\xff"),
    ("x" * 300, "x" * 199 + "\u2026"),
])
def test_json_value_of_cells(value, expected):
    assert json_value(value) == expected and type(json_value(value)) is type(expected)


# ---- the budget holds for tables that are wide, nested or packed tight ---------------------------------------


def test_a_nested_parquet_bomb_is_sampled_from_its_footer_not_decoded(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    # One row holding a list of 30 million nulls: about 600 bytes on disk, gigabytes once decoded.
    n = 30_000_000
    column = pa.ListArray.from_arrays(pa.array([0, n], type=pa.int32()), pa.nulls(n, type=pa.int8()))
    path = tmp_path / "bomb.parquet"
    pq.write_table(pa.table({"x": column, "y": pa.array([1])}), path, compression="zstd")
    assert path.stat().st_size < 4096
    s = summarize(path)
    assert s["kind"] == "table" and s["rows"] == 1 and s["sample_rows"] == 0 and s["sampled"] is True
    assert s["column_count"] == 2 and [c["name"] for c in s["columns"]] == ["x", "y"]
    assert any("more than 2,000,000 values (max_cells)" in n for n in s["notes"])
    # Under the cell budget the same shape is read as usual.
    small = tmp_path / "small.parquet"
    pq.write_table(pa.table({"x": pa.ListArray.from_arrays(pa.array([0, 3], type=pa.int32()),
                                                            pa.array([1, 2, 3], type=pa.int8()))}), small)
    assert summarize(small)["sample_rows"] == 1


def test_parquet_rows_are_capped_by_cells_across_row_groups(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    table = pa.table({f"c{i}": pa.array(range(1000)) for i in range(10)})
    pq.write_table(table, path, row_group_size=300)
    s = summarize(path, budget={"max_cells": 4_500})  # 10 columns: 450 rows fit
    assert s["rows"] == 1000 and s["sample_rows"] == 450 and s["sampled"] is True
    assert s["columns"][0]["max"] == 449


def test_a_csv_of_very_many_columns_keeps_the_first_thousand_and_counts_all(tmp_path):
    ncols = 300_000
    path = tmp_path / "wide.csv"
    with open(path, "w") as f:
        f.write(",".join(f"c{i}" for i in range(ncols)) + "\n")
        for _ in range(3):
            f.write(",".join("7" for _ in range(ncols)) + "\n")
    s = summarize(path)
    assert s["kind"] == "table" and s["column_count"] == ncols and len(s["columns"]) == 1000
    assert s["columns"][-1]["name"] == "c999" and s["sample_rows"] == 3 and s["sampled"] is True
    assert any("first 1,000 of 300,000 columns" in n for n in s["notes"])
    assert [len(row) for row in s["preview"]] == [1000, 1000, 1000]


def test_csv_rows_are_capped_by_cells(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({f"c{i}": range(500) for i in range(20)}).to_csv(path, index=False)
    s = summarize(path, budget={"max_cells": 2_000})  # 20 columns: 100 rows
    assert s["sample_rows"] == 100 and s["sampled"] is True and s["rows"] is None


def test_xlsx_is_read_by_calamine_within_the_cell_budget(tmp_path):
    path = tmp_path / "t.xlsx"
    frame = pd.DataFrame({"USUBJID": [f"S{i:04d}" for i in range(300)], "AGE": range(300)})
    frame.to_excel(path, index=False)
    whole = summarize(path)
    assert whole["rows"] == 300 and whole["sampled"] is False
    assert [c["name"] for c in whole["columns"]] == ["USUBJID", "AGE"] and whole["columns"][1]["max"] == 299
    s = summarize(path, budget={"max_cells": 100})  # 2 columns (from the sheet's dimension): 50 rows
    assert s["sample_rows"] == 50 and s["sampled"] is True


def test_an_xlsx_whose_sheet_unpacks_past_the_budget_gets_an_error_summary(tmp_path):
    import zipfile

    path = tmp_path / "t.xlsx"
    pd.DataFrame({"a": [1, 2]}).to_excel(path, index=False)
    bombed = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bombed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", b"<!--" + b" " * (5 << 20) + b"--></worksheet>")
            dst.writestr(info, data)
    assert bombed.stat().st_size < 64 << 10
    s = summarize(bombed, budget={"max_bytes": 1 << 20})
    assert s["kind"] == "table" and "unpacks to" in s["error"] and "not read" in s["error"]
    assert summarize(bombed)["rows"] == 2  # within the default budget it is an ordinary workbook


def test_headlines_count_in_the_singular_and_never_show_unknown_sizes(tmp_path):
    from flytekitplugins.artifacts.ops.summaries.textfit import counted

    assert [counted(1, "file"), counted(2, "file"), counted(2048, "row"), counted(None, "row")] == [
        "1 file", "2 files", "2,048 rows", "? rows"]
    assert counted(100, "row", "+") == "100+ rows" and counted(1, "line", "+") == "1+ lines"
    one = tmp_path / "one.csv"
    one.write_text("a\n1\n")
    assert "1 row \u00d7 1 column" in rendered_lines(render_text(summarize(one), width=80))[0]
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 this is not parquet")
    summary = summarize(broken)
    assert "error" in summary
    headline = rendered_lines(render_text(summary, width=80))[0]
    assert "not read as a table" in headline and "?" not in headline
