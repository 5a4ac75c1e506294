"""`flyte-artifacts compare` and its Python API on SAS transport files recorded by real local runs of a production
and a QC workflow (tests/flows/clinical.py): exit codes 0/1/2, --key, tolerances, --ignore-case, reports."""

import json
import os
import subprocess
import sys

import pytest
from flows import clinical

from flytekitplugins.artifacts.ops.compare import CompareOptions, compare_records
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
PROD, QC = "CLIN ADaM/adsl.xpt", "CLIN ADaM QC/adsl.xpt"


def cli(*args, env=None):
    full = dict(os.environ, COLUMNS="80", **(env or {}))
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=full, timeout=120)


def compare_json(*args):
    r = cli("compare", *args, "--json")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    return r.returncode, json.loads(r.stdout)


def runs(prod="", qc=""):
    clinical.production(change=prod)
    clinical.qc(change=qc)


def test_equal_production_and_qc_exit_0():
    runs()
    code, doc = compare_json("--base", PROD, "--compare", QC + "@latest", "--key", "USUBJID")
    assert code == 0 and doc["equal"] is True
    assert doc["observations"] == {"in_both": 12, "base_only": 0, "compare_only": 0, "base_only_first": [],
                                   "compare_only_first": []}
    assert [v["unequal"] for v in doc["values"]] == [0] * 5
    assert doc["base"]["dataset"] == {"name": "ADSL", "label": "Subject-Level Analysis Dataset"}
    assert doc["base"]["record"]["artifact"] == "CLIN ADaM" and doc["compare"]["record"]["artifact"] == "CLIN ADaM QC"


def test_one_changed_value_is_named_with_its_key_and_both_values():
    runs(qc="age")
    code, doc = compare_json("--base", PROD, "--compare", QC, "--key", "USUBJID")
    assert code == 1 and doc["equal"] is False
    age = next(v for v in doc["values"] if v["name"] == "AGE")
    assert age["unequal"] == 1 and age["max_difference"] == 1.0
    assert age["differences"] == [{"key": {"USUBJID": "CLIN01-003"}, "base": 46.0, "compare": 47.0}]
    assert all(v["unequal"] == 0 for v in doc["values"] if v["name"] != "AGE")


def test_two_versions_of_one_file_from_and_to():
    clinical.production(change="")
    first = ArtifactStore().latest_execution()
    clinical.production(change="drop")
    code, doc = compare_json("CLIN ADaM", "adsl.xpt", "--from", first, "--to", "latest", "--key", "USUBJID")
    assert code == 1
    assert doc["observations"]["base_only"] == 1 and doc["observations"]["compare_only"] == 0
    assert doc["observations"]["base_only_first"] == [{"USUBJID": "CLIN01-012"}]
    # without a key, observations are matched by number: the same missing one shows as the 12th observation
    code, doc = compare_json("CLIN ADaM", "adsl.xpt", "--from", first)
    assert code == 1 and doc["key"] == [] and doc["observations"]["base_only_first"] == [{"obs": 12}]


def test_tolerance_absolute_and_relative():
    runs(qc="tiny")
    assert cli("compare", "--base", PROD, "--compare", QC, "--key", "USUBJID").returncode == 1
    assert cli("compare", "--base", PROD, "--compare", QC, "--key", "USUBJID", "--tolerance", "1e-8").returncode == 0
    assert cli("compare", "--base", PROD, "--compare", QC, "--rel-tolerance", "1e-9").returncode == 0
    assert cli("compare", "--base", PROD, "--compare", QC, "--tolerance", "1e-12").returncode == 1


def test_ignore_case():
    runs(qc="case")
    code, doc = compare_json("--base", PROD, "--compare", QC, "--key", "USUBJID")
    assert code == 1
    assert next(v for v in doc["values"] if v["name"] == "SEX")["differences"] == [
        {"key": {"USUBJID": "CLIN01-002"}, "base": "F", "compare": "f"}]
    code, doc = compare_json("--base", PROD, "--compare", QC, "--key", "USUBJID", "--ignore-case")
    assert code == 0 and doc["options"]["ignore_case"] is True


def test_a_different_label_is_an_attribute_difference():
    runs(qc="label")
    code, doc = compare_json("--base", PROD, "--compare", QC, "--key", "USUBJID")
    assert code == 1 and all(v["unequal"] == 0 for v in doc["values"])
    assert doc["variables"]["attribute_differences"] == [
        {"name": "AGE", "attribute": "label", "base": "Age", "compare": "Age in Years"}]


def test_text_report_fits_80_columns_and_shows_markup_as_text():
    runs(qc="markup")
    r = cli("compare", "--base", PROD, "--compare", QC, "--key", "USUBJID")
    assert r.returncode == 1, r.stderr
    lines = r.stdout.splitlines()
    assert "DIFFERENT" in lines and max(len(line) for line in lines) <= 80
    assert "<b>Placebo</b>" in r.stdout and "USUBJID=CLIN01-001" in r.stdout


@pytest.mark.parametrize("ext", ["json", "txt", "html"])
def test_output_report_files(tmp_path, ext):
    runs(qc="markup")
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / f"compare.{ext}"
    r = cli("compare", "--base", PROD, "--compare", QC, "--key", "USUBJID", "-o", str(out))
    assert r.returncode == 1, r.stderr
    text = out.read_text()
    if ext == "json":
        assert json.loads(text)["equal"] is False
    elif ext == "html":
        assert "&lt;b&gt;Placebo&lt;/b&gt;" in text and "<b>" not in text and "<script" not in text
    else:
        assert "DIFFERENT" in text and "<b>Placebo</b>" in text
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left beside it


@pytest.mark.parametrize("args, words", [
    (["--base", PROD, "--compare", QC, "--key", "SUBJID"], ["SUBJID", "USUBJID", "--key"]),
    (["--base", "no-slash", "--compare", QC], ["'no-slash'", "ARTIFACT/FILENAME@SEL"]),
    (["--base", PROD + "@local-nope", "--compare", QC], ["local-nope"]),
    (["--base", PROD, "--compare", "CLIN ADaM QC/adsl.xtp"], ["adsl.xtp", "adsl.xpt"]),
    (["--base", PROD, "--compare", QC, "--key", "STUDYID"], ["STUDYID", "--key"]),
    (["--base", PROD, "--compare", QC, "--tolerance", "-1"], ["abs_tol", "-1"]),
    (["--base", PROD, "--compare", QC, "-o", "report.pdf"], ["report.pdf", ".html"]),
])
def test_errors_exit_2_with_one_line(args, words, tmp_path):
    runs()
    work = tmp_path / "work"
    work.mkdir()
    r = subprocess.run([CLI, "compare", *args], capture_output=True, text=True, cwd=work, timeout=120,
                       env=dict(os.environ))
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stdout == "" and len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("error: ")
    for word in words:
        assert word in r.stderr
    assert list(work.iterdir()) == []


def test_usage_errors_exit_2():
    assert cli("compare", "CLIN ADaM", "adsl.xpt").returncode == 2  # no --from
    assert cli("compare", "--base", PROD).returncode == 2
    assert cli("compare", "CLIN ADaM", "adsl.xpt", "--from", "x", "--base", PROD, "--compare", QC).returncode == 2


def test_a_file_that_is_not_a_table_exits_2(tmp_path):
    from flows.dataset_exporter import make_record

    make_record(ArtifactStore(), tmp_path / "src", "e1", "notes.txt", b"hello\n")
    r = cli("compare", "--base", "My Data/notes.txt@e1", "--compare", "My Data/notes.txt@e1")
    assert r.returncode == 2 and "not a table" in r.stderr


def test_a_damaged_table_exits_2(tmp_path):
    from flows.dataset_exporter import make_record

    make_record(ArtifactStore(), tmp_path / "src", "e1", "adsl.xpt", b"HEADER RECORD*** not really transport")
    r = cli("compare", "--base", "My Data/adsl.xpt@e1", "--compare", "My Data/adsl.xpt@e1")
    assert r.returncode == 2 and "cannot read" in r.stderr and "adsl.xpt" in r.stderr


def test_python_api():
    runs(qc="age")
    store = ArtifactStore()
    base = store.latest_record("CLIN ADaM", "adsl.xpt")
    comp = store.latest_record("CLIN ADaM QC", "adsl.xpt")
    doc = compare_records(store, base, comp, CompareOptions(key=("USUBJID",), abs_tol=2.0))
    assert doc["equal"] is True  # a year apart is within 2
    doc = compare_records(store, base, comp, CompareOptions(key=("USUBJID",)))
    assert doc["equal"] is False and doc["base"]["record"]["sha256"] == base.sha256
