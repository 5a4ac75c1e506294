"""SAS metadata in summaries (dataset name, label and encoding; each variable's label, type, length and format;
dates as dates) checked against pyreadstat on files SAS wrote (tests/data/sas), XPT v5 conformance warnings, and
`show` of a real run's transport file."""

import glob
import json
import os
import subprocess
import sys

import pyreadstat
import pytest
from flows import clinical
from repo_paths import REPO

from flytekitplugins.artifacts.ops.summaries import render_html, summarize

SAS_FILES = sorted(glob.glob(os.path.join(REPO, "tests", "data", "sas", "*.xpt")) +
                   glob.glob(os.path.join(REPO, "tests", "data", "sas", "*.sas7bdat")))
CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")


def test_the_sas_files_are_there():
    names = {os.path.basename(p) for p in SAS_FILES}
    assert {"adtte.xpt", "sample.sas7bdat", "sample.xpt", "sas_v5.xpt", "test_file_label_linux.sas7bdat"} <= names


@pytest.mark.parametrize("path", SAS_FILES, ids=os.path.basename)
def test_metadata_matches_pyreadstat(path):
    read = pyreadstat.read_xport if path.endswith(".xpt") else pyreadstat.read_sas7bdat
    _, meta = read(path, metadataonly=True)
    cdisc = summarize(path)["cdisc"]
    assert cdisc["dataset"]["name"] == meta.table_name
    assert cdisc["dataset"]["label"] == (meta.file_label or "")
    assert cdisc["dataset"]["encoding"] == meta.file_encoding
    assert [v["name"] for v in cdisc["variables"]] == meta.column_names
    for v in cdisc["variables"]:
        assert v["length"] == meta.variable_storage_width[v["name"]]
        assert v["format"] == (meta.original_variable_types[v["name"]] or "")
        assert v["label"] == (meta.column_names_to_labels[v["name"]] or "")
        assert v["type"] == ("char" if meta.readstat_variable_types[v["name"]] == "string" else "num")
    assert cdisc["warnings"] == []


def test_sas_dates_are_shown_as_dates():
    summary = summarize(os.path.join(REPO, "tests", "data", "sas", "sample.xpt"))
    kinds = {v["name"]: v.get("values") for v in summary["cdisc"]["variables"]}
    assert kinds == {"MYCHAR": None, "MYNUM": None, "MYDATE": "date", "DTIME": "datetime", "MYLABL": None,
                     "MYORD": None, "MYTIME": "time"}
    names = [c["name"] for c in summary["columns"]]
    first = dict(zip(names, summary["preview"][0]))
    assert first["MYDATE"] == "2018-05-06" and first["DTIME"].startswith("2018-05-06T10:10:10")


def test_a_file_label_from_sas():
    summary = summarize(os.path.join(REPO, "tests", "data", "sas", "test_file_label_linux.sas7bdat"))
    assert summary["cdisc"]["dataset"] == {"name": "TEST_DATA", "label": "mytest label", "encoding": "UTF-8"}
    assert "mytest label" in render_html(summary)


def test_xpt_v5_conformance_warnings(tmp_path):
    import pandas as pd

    path = str(tmp_path / "long.xpt")
    frame = pd.DataFrame({"USUBJID": ["A-1", "A-2"], "LONGVARNAME": [1.0, 2.0], "COMMENT": ["x" * 250, "café"]})
    labels = ["Unique Subject Identifier", "A label that is far longer than forty characters", "Comment"]
    pyreadstat.write_xport(frame, path, table_name="ADSL", column_labels=labels, file_format_version=8)
    summary = summarize(path)
    warnings = summary["cdisc"]["warnings"]
    assert warnings == [
        "variable name 'LONGVARNAME' is longer than 8 characters",
        f"label of LONGVARNAME is longer than 40 characters ({len(labels[1])})",
        "character variable COMMENT is 250 bytes long: XPT v5 allows 200",
        "variable COMMENT has non-ASCII values",
    ]
    assert [n for n in summary["notes"] if n.startswith("XPT v5: ")] == [f"XPT v5: {w}" for w in warnings]


def test_show_of_a_recorded_transport_file():
    clinical.production(change="")
    env = dict(os.environ, COLUMNS="80")
    r = subprocess.run([CLI, "show", "CLIN ADaM", "adsl.xpt", "--json"], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    cdisc = json.loads(r.stdout)["summary"]["cdisc"]
    assert cdisc["dataset"] == {"name": "ADSL", "label": "Subject-Level Analysis Dataset", "encoding": None}
    age = next(v for v in cdisc["variables"] if v["name"] == "AGE")
    assert age == {"name": "AGE", "label": "Age", "type": "num", "length": 8, "format": "8"}
    trtsdt = next(v for v in cdisc["variables"] if v["name"] == "TRTSDT")
    assert trtsdt["format"] == "DATE9" and trtsdt["values"] == "date"
    assert cdisc["warnings"] == []
    r = subprocess.run([CLI, "show", "CLIN ADaM", "adsl.xpt"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0 and "SAS metadata" in r.stdout
    assert "dataset ADSL · Subject-Level Analysis Dataset" in r.stdout
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
