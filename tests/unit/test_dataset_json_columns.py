"""Dataset-JSON columns and values of tables without SAS metadata (``ops/datasetjson/columns.py``), each file
written for real and validated by dsjframe; and the export request versions that carry ``format``."""

import datetime
import decimal
import json

import dsjframe
import numpy as np
import pandas as pd
import pytest

from flytekitplugins.artifacts.errors import ArtifactValueError
from flytekitplugins.artifacts.ops.datasetjson import json_name, timestamp, write_dataset_json
from flytekitplugins.artifacts.ops.datasets.exports import FORMATS_VERSION, REQUEST_VERSION, parse_request


def written(frame, tmp_path, name="t.parquet"):
    src = tmp_path / name
    frame.to_parquet(src, index=False)
    out = tmp_path / "t.json"
    write_dataset_json(str(src), "parquet", str(out), force=True)
    report = dsjframe.validate_dataset(str(out))
    assert report["ok"], report
    return json.loads(out.read_text())


def test_every_kind_of_column(tmp_path):
    frame = pd.DataFrame({
        "i": pd.array([1, None, 3], dtype="Int64"),
        "f32": np.array([1.5, 2.5, np.nan], dtype="float32"),
        "b": [True, False, True],
        "t": [datetime.time(1, 2, 3), None, datetime.time(23, 59, 59)],
        "dt": pd.to_datetime(["2024-01-02 03:04:05", None, "1960-01-01 00:00:00"]),
        "d": [datetime.date(1880, 5, 6), datetime.date(2024, 2, 29), None],
        "dec": [decimal.Decimal("1.10"), decimal.Decimal("-0.5"), None],
        "s": ["a", None, "\u00e9t\u00e9 <i>"],
    })
    doc = written(frame, tmp_path)
    kinds = {c["name"]: (c["dataType"], c.get("targetDataType")) for c in doc["columns"]}
    assert kinds == {"i": ("integer", None), "f32": ("float", None), "b": ("boolean", None), "t": ("time", None),
                     "dt": ("datetime", None), "d": ("date", None), "dec": ("decimal", "decimal"),
                     "s": ("string", None)}
    assert doc["rows"][0] == [1, 1.5, True, "01:02:03", "2024-01-02T03:04:05", "1880-05-06", "1.10", "a"]
    assert doc["rows"][1] == [None, 2.5, False, None, None, "2024-02-29", "-0.50", None]  # the column's scale, 2
    assert doc["rows"][2][1] is None and doc["rows"][2][7] == "\u00e9t\u00e9 <i>"
    assert {c["name"]: c.get("length") for c in doc["columns"]}["s"] == len("\u00e9t\u00e9 <i>".encode())


def test_empty_table_and_infinite_numbers(tmp_path):
    doc = written(pd.DataFrame({"x": pd.Series([], dtype="float64"), "s": pd.Series([], dtype="str")}), tmp_path)
    assert doc["records"] == 0 and doc["rows"] == [] and "length" not in doc["columns"][1]
    doc = written(pd.DataFrame({"x": [np.inf, -np.inf, 1.0]}), tmp_path)
    assert [r[0] for r in doc["rows"]] == [None, None, 1.0]  # JSON holds no infinity


def test_names_and_timestamps():
    assert json_name("adsl.xpt") == "adsl.json" and json_name("ad.sl.sas7bdat") == "ad.sl.json"
    assert timestamp("2026-12-04T02:30:15.123456+00:00") == "2026-12-04T02:30:15Z"
    assert timestamp("2026-12-04T03:30:15+01:00") == "2026-12-04T02:30:15Z"
    assert timestamp("yesterday") is None


def test_an_empty_file_is_refused(tmp_path):
    src = tmp_path / "empty.csv"
    src.write_text("")
    with pytest.raises(ArtifactValueError, match="cannot read 'empty.csv' as csv"):
        write_dataset_json(str(src), "csv", str(tmp_path / "e.json"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.csv"]


def test_request_versions():
    base = {"targets": [{"dataset": "d", "files": [["A", "adsl.xpt", "dataset-json"]]}]}
    assert parse_request(json.dumps({"version": FORMATS_VERSION, **base}))["version"] == 2
    assert parse_request(json.dumps({"version": REQUEST_VERSION, "targets": []}))["version"] == 1
    with pytest.raises(ArtifactValueError, match="versions 1 and 2"):
        parse_request(json.dumps({"version": 3, **base}))
