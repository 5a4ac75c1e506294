"""Compare and Dataset-JSON export on an S3 store (moto's server over HTTP): real local runs of the production and
QC workflows record into the bucket; the CLI compares them (exit codes, --json, a report file), the web page shows
the same report, and export-json writes a valid Dataset-JSON file from the bucket's bytes."""

import json
import os
import subprocess
import sys
import urllib.parse

import dsjframe
from flows import clinical

from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
PROD, QC = "CLIN ADaM/adsl.xpt", "CLIN ADaM QC/adsl.xpt"


def cli(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=180,
                          env=dict(os.environ, COLUMNS="80"))


def test_compare_production_and_qc_on_s3(s3_root, tmp_path):
    clinical.production(change="")
    clinical.qc(change="age")
    store = ArtifactStore(s3_root)
    assert store.latest_record("CLIN ADaM QC", "adsl.xpt").uri.startswith("s3://")
    r = cli("compare", "--base", PROD, "--compare", QC, "--key", "USUBJID", "--json", "-o", str(tmp_path / "c.html"))
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    age = next(v for v in doc["values"] if v["name"] == "AGE")
    assert age["differences"] == [{"key": {"USUBJID": "CLIN01-003"}, "base": 46.0, "compare": 47.0}]
    assert "CLIN01-003" in (tmp_path / "c.html").read_text()
    assert cli("compare", "--base", PROD, "--compare", QC, "--key", "USUBJID", "--tolerance", "2").returncode == 0
    r = cli("compare", "--base", PROD, "--compare", "CLIN ADaM QC/adsl.xpt@nope")
    assert r.returncode == 2 and "nope" in r.stderr


def test_compare_page_and_export_json_over_an_s3_store(s3_root, tmp_path):
    from starlette.testclient import TestClient

    from flytekitplugins.artifacts.ui.app import create_app

    clinical.production(change="")
    first = ArtifactStore(s3_root).latest_execution()
    clinical.production(change="drop")
    second = ArtifactStore(s3_root).latest_execution()
    query = urllib.parse.urlencode({"artifact": "CLIN ADaM", "filename": "adsl.xpt", "base": first,
                                    "compare": second, "key": "USUBJID"})
    with TestClient(create_app(ArtifactStore(s3_root)), base_url="http://127.0.0.1") as client:
        r = client.get("/compare?" + query)
    assert r.status_code == 200, r.text
    assert "observations: 12 in both" not in r.text and "1 only in base" in r.text
    out = tmp_path / "adsl.json"
    r = cli("export-json", "CLIN ADaM", "adsl.xpt", "--execution", first, "-o", str(out), "--key", "USUBJID")
    assert r.returncode == 0, r.stderr
    assert dsjframe.validate_dataset(str(out))["ok"]
    doc = json.loads(out.read_text())
    assert doc["name"] == "ADSL" and doc["label"] == "Subject-Level Analysis Dataset" and doc["records"] == 12
    trtsdt = next(c for c in doc["columns"] if c["name"] == "TRTSDT")
    assert trtsdt["dataType"] == "date" and trtsdt["displayFormat"] == "DATE9."
    assert doc["rows"][0][doc["columns"].index(trtsdt)] == "2024-01-01"
