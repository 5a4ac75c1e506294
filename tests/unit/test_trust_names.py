"""Names and damaged input: what a careless or hostile user can put into the store, and what the store does."""

import errno
import hashlib
import json
import os
import subprocess
import sys

import pytest
from flows.dataset_exporter import make_record

from flytekitplugins.artifacts import Artifact, ArtifactValueError
from flytekitplugins.artifacts.backends import local_path
from flytekitplugins.artifacts.ops.datasets import DatasetCatalog
from flytekitplugins.artifacts.store import keys
from flytekitplugins.artifacts.store.artifact_store import DamagedFileWarning, component
from flytekitplugins.artifacts.store.declaration import validate_artifact_name, validate_filename

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")


def cli(*args, check=True):
    r = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


# ---- names ------------------------------------------------------------------------------------------------------


def test_names_are_nfc_so_two_spellings_are_one_name(store, tmp_path):
    assert Artifact("Cafe\u0301", "DATA").name == "Caf\u00e9"
    assert validate_filename("Cafe\u0301.csv") == "Caf\u00e9.csv"
    rec = make_record(store, tmp_path, "e1", validate_filename("Cafe\u0301.csv"), b"x")
    assert store.record("e1", "My Data", "Cafe\u0301.csv") == rec == store.record("e1", "My Data", "Caf\u00e9.csv")


@pytest.mark.parametrize("bad", ["a\x1b[31mred.csv", "bell\x07", "cr\r.csv", "rtl\u202egnp.exe", "line\u2028sep"])
def test_control_and_reordering_characters_are_refused(bad, tmp_path):
    with pytest.raises(ArtifactValueError, match="U\\+"):
        validate_filename(bad)
    with pytest.raises(ArtifactValueError, match="U\\+"):
        validate_artifact_name(bad)
    with pytest.raises(ArtifactValueError, match="U\\+"):
        DatasetCatalog().create(bad, str(tmp_path / "d"))


def test_reserved_prefix_is_refused_everywhere(tmp_path):
    with pytest.raises(ArtifactValueError, match="reserves"):
        validate_filename(".tmp-data.csv")
    with pytest.raises(ArtifactValueError, match="reserves"):
        Artifact(".tmp-model", "MODEL")
    with pytest.raises(ArtifactValueError, match="reserves"):
        DatasetCatalog().create(".tmp-set", str(tmp_path / "d"))
    # Other names starting with a dot are fine, and listed.
    assert validate_filename(".hidden.csv") == ".hidden.csv"


@pytest.mark.parametrize("artifact,filename,eid", [
    ("model", "weights.pt", "run-1"), ("a/b_c", "x_y.json", "e_with_underscores"), ("~x", "é", "f" * 300),
])
def test_keys_built_from_any_names_parse_back_to_their_components(artifact, filename, eid):
    a, f, e = keys.component(artifact), keys.component(filename), keys.component(eid)
    rec = keys.record_key(eid, artifact, filename)
    assert keys.is_record_key(rec) and not keys.is_run_key(rec)
    assert keys.execution_of(rec) == e and keys.file_parts_of(rec) == (a, f)
    assert keys.file_parts_of(keys.summary_key(eid, artifact, filename)) == (a, f)
    assert rec.startswith(keys.records_prefix_at(e) + "/")
    run = keys.run_key(eid)
    assert run == keys.run_key_at(e) and keys.is_run_key(run) and not keys.is_record_key(run)
    assert keys.execution_of(run) == e and run.startswith(keys.execution_prefix(eid) + "/")
    entry = keys.index_entry_name(1_700_000_000_000, eid)
    assert keys.entry_execution_of(entry) == e and keys.is_entry_of(entry, e)
    assert not keys.is_entry_of(entry, e[1:] if len(e) > 1 else "other")
    assert keys.file_index_prefix(artifact, filename) == keys.file_index_prefix_at(a, f)
    assert keys.artifact_index_prefix(artifact) == keys.artifact_index_prefix_at(a)
    assert keys.uses_prefix(artifact, filename, eid) == keys.uses_prefix_at(a, f, e)
    assert keys.uses_prefix_at(a, f, e).startswith(keys.USES_INDEX + "/")
    assert rec.startswith(keys.records_prefix(eid, artifact) + "/")
    tag = keys.tag_key(artifact, "v1.0")
    assert tag == keys.tag_key_at(a, "v1.0") and keys.is_tag_key(tag) and not keys.is_tag_key(rec)
    assert keys.tag_history_key(artifact, "v1.0", "ab12").startswith(keys.tag_history_prefix(artifact, "v1.0") + "/")
    assert keys.lineage_key(eid, filename).startswith(keys.lineage_prefix(eid) + "/")
    assert keys.execution_of(keys.query_key(eid, artifact)) == e
    snap = keys.dataset_snapshot_key(eid, 42)
    assert snap.startswith(keys.dataset_snapshots_prefix(eid) + "/") and keys.snapshot_number_of(snap) == 42
    assert keys.snapshot_number_of(keys.dataset_reserved_key(eid, 7)) == 7 and keys.snapshot_number_of("x.txt") is None
    assert keys.is_dataset_key(keys.dataset_key(eid)) and not keys.is_dataset_key(snap)


def test_long_names_are_shortened_injectively(store, tmp_path):
    long = "n" * 300
    literal = "~" + hashlib.sha256(long.encode()).hexdigest()
    assert component(long) != component(literal)
    a = make_record(store, tmp_path, "e1", "a.csv", b"long", artifact=long[:255])
    b = make_record(store, tmp_path, "e1", "a.csv", b"literal", artifact="~" + hashlib.sha256(a.artifact.encode())
                    .hexdigest())
    assert store.record("e1", a.artifact, "a.csv").sha256 == a.sha256
    assert store.record("e1", b.artifact, "a.csv").sha256 == b.sha256


def test_cli_prints_names_literally(store, tmp_path):
    make_record(store, tmp_path, "e1", "[bold]b.csv", b"x", artifact="[red]A")
    # A record written before names were checked, with a terminal escape in it.
    rec = make_record(store, tmp_path, "e1", "plain.csv", b"y")
    key = keys.record_key("e1", rec.artifact, "plain.csv")
    path = store.backend.uri(key)
    d = json.loads(open(path).read())
    d["task"] = "evil\x1b]0;pwned\x07 [/x]"
    os.chmod(path, 0o644)
    with open(path, "w") as f:
        json.dump(d, f)
    out = cli("list", "--wide").stdout
    assert "[bold]b.csv" in out and "[red]A" in out and "[/x]" in out
    assert "\x1b" not in out and "\x07" not in out and "\\x1b]0;pwned\\x07" in out


def test_lineage_prints_names_literally(store, tmp_path):
    rec = make_record(store, tmp_path, "e1", "plain.csv", b"y", artifact="[red]A")
    path = store.backend.uri(keys.record_key("e1", rec.artifact, "plain.csv"))
    d = json.loads(open(path).read())
    d["filename"] = "plain\x1b]0;pwned\x07.csv"  # written before names were checked
    os.chmod(path, 0o644)
    with open(path, "w") as f:
        json.dump(d, f)
    out = cli("lineage", "[red]A", "plain.csv", "-e", "e1").stdout
    assert "[red]A/" in out and "\x1b" not in out and "\x07" not in out and "\\x1b]0;pwned\\x07" in out


# ---- damaged input ----------------------------------------------------------------------------------------------


def test_damaged_json_is_skipped_with_a_warning_naming_it(store, tmp_path):
    make_record(store, tmp_path, "e1", "good.csv", b"g")
    bad = make_record(store, tmp_path, "e2", "bad.csv", b"b")
    key = keys.record_key("e2", bad.artifact, "bad.csv")
    os.chmod(store.backend.uri(key), 0o644)
    with open(store.backend.uri(key), "w") as f:
        f.write('{"execution_id": "e2", "trunc')
    index = sorted(store.backend.list("index/executions"))[0]
    with open(store.backend.uri(index), "wb") as f:
        f.write(b"\xff\xfe garbage")
    with pytest.warns(DamagedFileWarning, match="bad.csv.json"):
        assert [r.filename for r in store.records("e2")] == []
    r = cli("list", "--json")
    rows = json.loads(r.stdout)
    assert [row["filename"] for row in rows] == ["good.csv"] or [row["filename"] for row in rows] == []
    warnings = [line for line in r.stderr.splitlines() if line.startswith("warning:")]
    assert warnings and all("damaged" in w for w in warnings)
    assert "Traceback" not in r.stderr
    assert any(store.backend.uri(index) in w for w in warnings)


def test_full_disk_and_refused_writes_name_the_root_and_the_fix(store, tmp_path, monkeypatch):
    src = tmp_path / "f.csv"
    src.write_bytes(b"data")

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", a[-1] if a else None)

    monkeypatch.setattr(os, "link", full)
    with pytest.raises(ArtifactValueError, match="no space left on the disk holding") as e:
        store.put_local_file(str(src))
    assert store.root in str(e.value) and "FLYTE_ARTIFACTS_ROOT" in str(e.value)
    monkeypatch.undo()

    def denied(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", a[-1])

    monkeypatch.setattr(os, "replace", denied)
    with pytest.raises(ArtifactValueError, match="not allowed to write in") as e:
        store.backend.write("pointer", b"1")
    assert store.root in str(e.value) and "chmod" in str(e.value)


@pytest.mark.parametrize(
    "uri, path",
    [
        ("file:///srv/data", "/srv/data"),
        ("file://localhost/srv/data", "/srv/data"),
        ("file:/srv/data", "/srv/data"),
        ("FILE:///srv/a%20b", "/srv/a b"),
        ("/plain/path", "/plain/path"),
    ],
)
def test_file_uris_are_read_per_rfc_8089(uri, path):
    assert local_path(uri) == path


@pytest.mark.parametrize("uri", ["file://otherhost/srv/data", "file:relative/x"])
def test_file_uris_that_are_not_local_are_refused(uri):
    with pytest.raises(ArtifactValueError):
        local_path(uri)


def test_dataset_uris_are_compared_by_real_path(store, tmp_path):
    catalog = DatasetCatalog(store)
    os.makedirs(store.root, exist_ok=True)
    os.symlink(store.root, tmp_path / "alias-of-store")
    with pytest.raises(ArtifactValueError, match="inside the artifact store"):
        catalog.create("in-store", str(tmp_path / "alias-of-store" / "ds"))
    with pytest.raises(ArtifactValueError, match="inside the artifact store"):
        catalog.create("in-store2", os.path.join(store.root, "sub"))
    outer = catalog.create("outer", str(tmp_path / "outer"))
    os.symlink(outer.uri, tmp_path / "alias-of-outer")
    with pytest.raises(ArtifactValueError, match="overlaps dataset 'outer'"):
        catalog.create("inner", str(tmp_path / "alias-of-outer" / "inner"))
    assert [d.name for d in catalog.list()] == ["outer"]


def test_new_files_honour_the_umask(store, tmp_path):
    old = os.umask(0o077)
    try:
        rec = make_record(store, tmp_path, "e1", "a.csv", b"x")
        store.backend.write("pointer", b"1")
        out = tmp_path / "out.csv"
        store.download(rec, str(out))
    finally:
        os.umask(old)
    assert os.stat(local_path(rec.uri)).st_mode & 0o777 == 0o400
    assert os.stat(store.backend.uri("pointer")).st_mode & 0o777 == 0o600
    assert os.stat(out).st_mode & 0o777 == 0o600


# ---- cluster misconfiguration -----------------------------------------------------------------------------------


def test_a_pod_without_a_store_root_fails_naming_the_variable(tmp_path, monkeypatch):
    from flytekitplugins.artifacts.ops.recording import record_files

    src = tmp_path / "data.csv"
    src.write_bytes(b"a,b\n")
    monkeypatch.delenv("FLYTE_ARTIFACTS_ROOT")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FLYTE_INTERNAL_EXECUTION_ID", "f3a9c0ffee")
    item = {"workflow": "wf", "node_id": "n0", "task": "t", "output_name": "o0", "artifact": "A", "type": "DATA",
            "filename": "data.csv"}
    with pytest.raises(ArtifactValueError, match="FLYTE_ARTIFACTS_ROOT is not set in this pod"):
        record_files({"files": [item]}, [str(src)])
    assert not os.path.exists(tmp_path / "home" / ".flyte")
