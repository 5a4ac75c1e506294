"""`flyte-artifacts verify [--repair] [--json]`: every kind of damage is found, named with what it affects, and
repaired from an intact copy where one exists."""

import json
import os
import subprocess
import sys
import time

import pytest
from flows.dataset_exporter import make_record

from flytekitplugins.artifacts.ops.datasets import DatasetCatalog, ExportItem
from flytekitplugins.artifacts.ops.verify import verify_store
from flytekitplugins.artifacts.store import keys
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")


def verify(*args):
    r = subprocess.run([CLI, "verify", "--json", *args], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in r.stderr, r.stderr
    return r.returncode, json.loads(r.stdout)


def overwrite(path, data):
    os.chmod(path, 0o644)
    with open(path, "r+b") as f:
        f.write(data)


def test_a_healthy_store_verifies(filled):
    code, report = verify()
    assert (code, report["ok"], report["problems"], report["objects"]) == (0, True, [], 2)


def test_damaged_store_bytes_are_found_and_restored_from_the_snapshot(filled):
    store, rec, ds, snap_file = filled
    overwrite(rec.uri, b"X")
    code, report = verify()
    assert code == 1 and not report["ok"]
    (p,) = report["problems"]
    assert (p["kind"], p["where"], p["affects"]) == ("damaged-bytes", rec.uri, ["record e1/My Data/data.csv"])
    code, report = verify("--repair")
    assert code == 0 and report["problems"][0]["repaired"]
    assert open(rec.uri, "rb").read() == b"a,b\n1,2\n"
    assert os.stat(rec.uri).st_mode & 0o222 == 0
    assert verify() == (0, verify()[1]) and verify()[1]["problems"] == []


def test_a_damaged_snapshot_file_names_the_snapshot_and_is_restored(filled):
    store, rec, ds, snap_file = filled
    os.chmod(snap_file, 0o644)
    os.unlink(snap_file)
    code, report = verify()
    (p,) = report["problems"]
    assert (code, p["kind"], p["affects"]) == (1, "missing-bytes", ["dataset clean snapshot 1 data.csv"])
    assert verify("--repair")[0] == 0
    assert open(snap_file, "rb").read() == b"a,b\n1,2\n"


def test_damage_without_an_intact_copy_is_reported_not_hidden(tmp_path):
    store = ArtifactStore()
    rec = make_record(store, tmp_path / "src", "e1", "only.csv", b"only copy")
    overwrite(rec.uri, b"X")
    code, report = verify("--repair")
    assert code == 1 and [p["repaired"] for p in report["problems"]] == [False]


def test_a_crash_between_record_and_index_is_repaired(tmp_path):
    store = ArtifactStore()
    make_record(store, tmp_path / "src", "e0", "a.csv", b"earlier")  # an indexed run
    rec = make_record(store, tmp_path / "src", "e1", "a.csv", b"x", put=False)
    store.add_record(rec, pending=True)
    # The run was marked succeeded, then the process died before writing the index entries.
    key = store._run_key("e1")
    run = json.loads(store.backend.read_bytes(key))
    store.backend.write(key, json.dumps({**run, "status": "succeeded"}).encode())
    assert [e["execution_id"] for e in store.executions()] == ["e0"]
    code, report = verify()
    assert code == 1 and [p["kind"] for p in report["problems"]] == ["missing-index"]
    assert verify("--repair")[0] == 0
    assert {e["execution_id"] for e in store.executions()} == {"e0", "e1"}
    assert store.latest_record("My Data", "a.csv").execution_id == "e1"


def test_damaged_json_is_reported_and_a_damaged_manifest_restored(filled):
    store, rec, ds, snap_file = filled
    manifest = store.backend.uri(f"datasets/{ds.id}/snapshots/0000000001.json")
    overwrite(manifest, b"{{{{")
    record = store.backend.uri(keys.record_key("e1", "My Data", "data.csv"))
    overwrite(record, b"[[[[")
    code, report = verify()
    assert code == 1
    assert sorted((p["kind"], p["where"]) for p in report["problems"]) == [
        ("damaged-json", manifest), ("damaged-json", record)]
    code, report = verify("--repair")
    assert code == 1  # the record has no other copy
    assert {p["where"]: p["repaired"] for p in report["problems"]}[manifest] is True
    assert DatasetCatalog(store).snapshot(ds, 1).file("data.csv").sha256 == rec.sha256


def test_leftovers_of_killed_writes_are_removed_by_repair(filled):
    store, rec, ds, snap_file = filled
    old = os.path.join(store.root, "blobs", "sha256", ".tmp-killed")
    with open(old, "wb") as f:
        f.write(b"half")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    fresh = os.path.join(store.root, "blobs", "sha256", ".tmp-writing")
    open(fresh, "wb").close()
    code, report = verify()
    assert code == 1 and [(p["kind"], p["where"]) for p in report["problems"]] == [("leftover", old)]
    assert verify("--repair")[0] == 0
    assert not os.path.exists(old) and os.path.exists(fresh)


def test_progress_counts_every_byte(filled):
    seen = []
    report = verify_store(filled[0], progress=seen.append)
    assert report.ok and sum(seen) == report.bytes == 2 * len(b"a,b\n1,2\n")


def test_an_s3_store_is_verified_and_repaired(s3_root, tmp_path):
    store = ArtifactStore()
    rec = make_record(store, tmp_path / "src", "e1", "data.csv", b"bytes on s3")
    catalog = DatasetCatalog(store)
    ds = catalog.create("local-copy", str(tmp_path / "ds"))
    catalog.export(ds, [ExportItem("data.csv", rec)], run_key="r", source={})
    import boto3

    bucket, _, key = rec.uri[len("s3://"):].partition("/")
    boto3.session.Session().client("s3").put_object(Bucket=bucket, Key=key, Body=b"other bytes")
    report = verify_store(store)
    assert [(p.kind, p.where) for p in report.problems] == [("damaged-bytes", rec.uri)]
    assert verify_store(store, repair=True).ok
    out = tmp_path / "out"
    store.download(rec, str(out))
    assert out.read_bytes() == b"bytes on s3"


def test_a_record_whose_run_file_was_never_written_is_repaired(tmp_path):
    store = ArtifactStore()
    rec = make_record(store, tmp_path / "src", "e1", "a.csv", b"x", put=False)
    store.backend.write_once(keys.record_key("e1", "My Data", "a.csv"), json.dumps(rec.as_dict()).encode())
    assert store.executions() == []
    code, report = verify()
    assert code == 1 and [p["kind"] for p in report["problems"]] == ["missing-index"]
    assert verify("--repair")[0] == 0
    assert [e["execution_id"] for e in store.executions()] == ["e1"]


def test_repair_never_follows_a_symlinked_snapshot_folder_out_of_the_dataset(filled, tmp_path):
    import shutil

    store, rec, ds, snap_file = filled
    folder = os.path.dirname(snap_file)
    outside = tmp_path / "outside"
    outside.mkdir()
    private = outside / os.path.basename(snap_file)
    private.write_bytes(b"private notes")  # the same name as the snapshot's file, somewhere else
    os.chmod(private, 0o600)
    os.chmod(folder, 0o755)
    shutil.rmtree(folder)
    os.symlink(outside, folder)  # the snapshot folder now leads out of the dataset
    code, report = verify("--repair")
    assert code == 1
    (p,) = [p for p in report["problems"] if p["where"] == snap_file]
    assert not p["repaired"] and "leads out of" in p["detail"] and "through a symbolic link" in p["detail"]
    assert private.read_bytes() == b"private notes" and os.stat(private).st_mode & 0o777 == 0o600
    assert sorted(os.listdir(outside)) == [private.name]  # nothing else written there either


def test_an_export_never_writes_through_a_link_out_of_the_dataset(filled, tmp_path):
    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog, ExportItem

    store, rec, ds, snap_file = filled
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    snapshots = os.path.dirname(os.path.dirname(snap_file))
    os.symlink(outside, os.path.join(snapshots, "2"))  # where the next snapshot's files would go
    with pytest.raises(Exception, match="through a symbolic link"):
        DatasetCatalog(store).export(ds, [ExportItem("data.csv", rec)], run_key="r2", source={"execution_id": "e1"})
    assert os.listdir(outside) == []


def test_a_moved_store_still_reads_and_repairs_inside_itself(tmp_path, monkeypatch):
    import shutil

    from flows import core

    old_root = os.environ["FLYTE_ARTIFACTS_ROOT"]
    core.training(text="moved")
    new_root = str(tmp_path / "moved-store")
    shutil.move(old_root, new_root)
    monkeypatch.setenv("FLYTE_ARTIFACTS_ROOT", new_root)
    store = ArtifactStore()
    (eid,) = [r["execution_id"] for r in store.executions()]
    rec = store.record(eid, "My Data", "data.csv")
    assert rec.uri.startswith(new_root) and os.path.exists(rec.uri)
    out = tmp_path / "got.csv"
    r = subprocess.run([CLI, "get", "My Data", "data.csv", "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == b"col\nmoved\n"
    assert verify() == (0, verify()[1]) and verify()[1]["ok"]
    overwrite(rec.uri, b"X")  # damaged, with no intact copy: reported, and nothing written outside the store
    code, report = verify("--repair")
    assert code == 1 and [p["where"] for p in report["problems"]] == [rec.uri]
    assert not os.path.exists(old_root)
