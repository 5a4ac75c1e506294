"""A compare recorded as a REPORT artifact by a real flow (tests/flows/clinical_report.py): the workflow writes
production and QC ADSL, compares them with ``compare_files`` in a task and returns the report as html, txt and json;
the recorded report files are fetched back through the CLI and checked against a compare of the recorded tables."""

import json
import os
import subprocess
import sys

from flows import clinical_report

from flytekitplugins.artifacts.ops.compare import CompareOptions, compare_records
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
REPORT = "CLIN QC Report"


def get(filename, tmp_path):
    out = tmp_path / filename
    r = subprocess.run([CLI, "get", REPORT, filename, "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return out.read_text(encoding="utf-8")


def test_flow_records_the_compare_as_a_report_artifact(tmp_path):
    clinical_report.double_programming(change="age")
    store = ArtifactStore()
    run = store.latest_execution()
    records = {(r.artifact, r.filename): r for r in store.records(run)}
    assert {(REPORT, f"compare.{e}") for e in ("html", "txt", "json")} <= set(records)
    assert all(records[(REPORT, f"compare.{e}")].type == "REPORT" for e in ("html", "txt", "json"))
    doc = json.loads(get("compare.json", tmp_path))
    assert doc["equal"] is False and doc["key"] == ["USUBJID"]
    age = next(v for v in doc["values"] if v["name"] == "AGE")
    assert age["differences"] == [{"key": {"USUBJID": "CLIN01-003"}, "base": 46.0, "compare": 47.0}]
    # the same compare, done afterwards on the two tables the run recorded, finds the same differences
    again = compare_records(store, records[("CLIN ADaM", "adsl.xpt")], records[("CLIN ADaM QC", "adsl.xpt")],
                            CompareOptions(key=("USUBJID",)))
    assert again["values"] == doc["values"] and again["observations"] == doc["observations"]
    text = get("compare.txt", tmp_path)
    assert "DIFFERENT" in text and "AGE: first 1 of 1 differences" in text
    assert all(len(line) <= 80 for line in text.splitlines())
    page = get("compare.html", tmp_path)
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "CLIN01-003" in page


def test_markup_in_the_data_stays_text_in_the_html_report(tmp_path):
    clinical_report.double_programming(change="markup")
    page = get("compare.html", tmp_path)
    assert "&lt;b&gt;Placebo&lt;/b&gt;" in page and "<b>Placebo</b>" not in page
    assert json.loads(get("compare.json", tmp_path))["equal"] is False


def test_equal_tables_give_an_equal_report(tmp_path):
    clinical_report.double_programming(change="")
    assert json.loads(get("compare.json", tmp_path))["equal"] is True
    assert "EQUAL" in get("compare.txt", tmp_path)


def test_cdisc_pilot_production_against_qc():
    """The CDISC pilot's ADTTE against a QC version of it: equal, then with one AVAL changed, named by its key."""
    from flows import clinical_tables

    def compare():
        r = subprocess.run([CLI, "compare", "--base", "CDISCPILOT01 ADaM/adtte.xpt", "--compare",
                            "CDISCPILOT01 ADaM QC/adtte.xpt", "--key", "USUBJID,PARAMCD", "--json"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode in (0, 1), r.stderr
        return r.returncode, json.loads(r.stdout)

    clinical_tables.pilot(change=False)
    code, doc = compare()
    assert code == 0 and doc["observations"]["in_both"] == 254 and doc["variables"]["attribute_differences"] == []
    clinical_tables.pilot(change=True)
    code, doc = compare()
    aval = next(v for v in doc["values"] if v["name"] == "AVAL")
    assert code == 1 and aval["unequal"] == 1
    assert aval["differences"] == [{"key": {"USUBJID": "01-701-1047", "PARAMCD": "TTDE"}, "base": 46.0,
                                    "compare": 47.0}]
