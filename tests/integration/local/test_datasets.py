"""Datasets on local folders: the catalog, snapshots, idempotent and atomic exports, concurrency, bad input."""

import hashlib
import os
import signal
import subprocess
import time

import pytest
from flows.dataset_exporter import exporter_cmd, make_record, run_exporter, run_released_together

from flytekitplugins.artifacts import ArtifactNotFoundError, ArtifactValueError
from flytekitplugins.artifacts.backends import IntegrityError
from flytekitplugins.artifacts.ops.datasets import DatasetCatalog, ExportItem
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blob_bytes(ds, f) -> bytes:
    with open(os.path.join(ds.uri, f.key), "rb") as fh:
        return fh.read()


# ---- catalog --------------------------------------------------------------------------------------------------


def test_create_list_get_by_id_and_name(catalog, tmp_path):
    a = catalog.create("alpha", str(tmp_path / "a"))
    b = catalog.create("beta", f"file://{tmp_path / 'b'}")
    assert len(a.id) == 24 and a.id != b.id
    assert (a.name, a.uri) == ("alpha", str(tmp_path / "a"))
    assert b.uri == str(tmp_path / "b")
    assert os.path.isdir(a.uri)
    assert [d.name for d in catalog.list()] == ["alpha", "beta"]
    assert catalog.get(a.id) == catalog.get("alpha") == a
    # Another catalog object on the same root sees the same datasets.
    assert DatasetCatalog(ArtifactStore(catalog.store.root)).get("beta") == b


def test_names_are_unique(catalog, tmp_path):
    first = catalog.create("dup", str(tmp_path / "one"))
    with pytest.raises(ArtifactValueError, match=f"named 'dup' already exists \\(id {first.id}"):
        catalog.create("dup", str(tmp_path / "two"))
    assert [d.uri for d in catalog.list()] == [first.uri]


@pytest.mark.parametrize("name", ["", "  ", "a/b", "tab\there", " padded", "0123456789abcdef01234567", "x" * 256])
def test_bad_names_are_refused_before_anything_is_written(catalog, tmp_path, name):
    with pytest.raises(ArtifactValueError):
        catalog.create(name, str(tmp_path / "d"))
    assert catalog.list() == []
    assert not os.path.exists(tmp_path / "d")


@pytest.mark.parametrize("uri", ["", "gs://bucket/x", "http://host/x", "s3://", "s3://UPPER/x"])
def test_bad_uris_are_refused(catalog, uri):
    with pytest.raises(ArtifactValueError):
        catalog.create("d", uri)
    assert catalog.list() == []


def test_overlapping_or_store_root_uris_are_refused(catalog, store, tmp_path):
    catalog.create("outer", str(tmp_path / "data"))
    with pytest.raises(ArtifactValueError, match="overlaps dataset 'outer'"):
        catalog.create("inner", str(tmp_path / "data" / "sub"))
    with pytest.raises(ArtifactValueError, match="overlaps dataset 'outer'"):
        catalog.create("parent", str(tmp_path))
    with pytest.raises(ArtifactValueError, match="store root itself"):
        catalog.create("root", store.root)


def test_uri_that_is_a_file_is_refused(catalog, tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ArtifactValueError, match="is not a folder"):
        catalog.create("d", str(tmp_path / "f"))


def test_unknown_dataset_names_the_id_and_the_fix(catalog, ds):
    with pytest.raises(ArtifactNotFoundError) as e:
        catalog.get("nope")
    assert "'nope'" in str(e.value) and "clean-data" in str(e.value) and "datasets create nope" in str(e.value)


# ---- exporting ------------------------------------------------------------------------------------------------


def test_export_makes_numbered_snapshots_with_a_manifest(store, catalog, ds, tmp_path):
    r1 = make_record(store, tmp_path / "src", "exec-1", "data.csv", b"a,b\n1,2\n")
    r2 = make_record(store, tmp_path / "src", "exec-1", "notes.txt", b"notes", artifact="Notes")
    out = catalog.export(ds, [ExportItem("data.csv", r1), ExportItem("notes.txt", r2)], run_key="run-1",
                         source={"execution_id": "exec-1", "workflow": "wf", "node_id": "artifacts-export"})
    snap = out.snapshot
    assert (out.reused, snap.number, snap.file_count, snap.bytes) == (False, 1, 2, len(b"a,b\n1,2\n") + 5)
    assert (snap.execution_id, snap.workflow, snap.node_id, snap.dataset_name) == (
        "exec-1",
        "wf",
        "artifacts-export",
        "clean-data",
    )
    f = snap.file("data.csv")
    assert (f.size, f.sha256, f.artifact, f.execution_id, f.node_id, f.source_uri) == (
        8,
        sha(b"a,b\n1,2\n"),
        "My Data",
        "exec-1",
        "n0",
        r1.uri,
    )
    assert blob_bytes(ds, f) == b"a,b\n1,2\n"
    r3 = make_record(store, tmp_path / "src", "exec-2", "data.csv", b"a,b\n3,4\n")
    second = catalog.export(ds, [ExportItem("data.csv", r3)], run_key="run-2", source={}).snapshot
    assert second.number == 2
    assert [s.number for s in catalog.snapshots("clean-data")] == [1, 2]
    assert catalog.snapshot(ds, "latest") == second
    assert catalog.snapshot(ds.id, 1) == snap
    # Snapshot 1 still holds its own bytes.
    assert blob_bytes(ds, catalog.snapshot(ds, 1).file("data.csv")) == b"a,b\n1,2\n"


def test_same_run_key_reuses_its_snapshot(store, catalog, ds, tmp_path):
    r = make_record(store, tmp_path / "src", "exec-1", "data.csv", b"once")
    first = catalog.export(ds, [ExportItem("data.csv", r)], run_key="exec-1/node", source={})
    again = catalog.export(ds, [ExportItem("data.csv", r)], run_key="exec-1/node", source={})
    assert (first.reused, again.reused) == (False, True)
    assert again.snapshot == first.snapshot
    assert [s.number for s in catalog.snapshots(ds)] == [1]


def test_retry_after_dying_between_commit_and_marker_reuses_the_snapshot(store, catalog, ds, tmp_path):
    r = make_record(store, tmp_path / "src", "exec-1", "data.csv", b"committed")
    first = catalog.export(ds, [ExportItem("data.csv", r)], run_key="exec-1/node", source={})
    # The first attempt died right after its manifest was created: the run marker was never written.
    marker = [k for k in store.backend.list(f"datasets/{ds.id}/runs")
              if not k.endswith((".started.json", ".reserved.json"))]
    assert len(marker) == 1
    store.backend.delete(marker[0])
    other = make_record(store, tmp_path / "src", "exec-2", "data.csv", b"someone else")
    catalog.export(ds, [ExportItem("data.csv", other)], run_key="exec-2/node", source={})
    again = catalog.export(ds, [ExportItem("data.csv", r)], run_key="exec-1/node", source={})
    assert again.reused and again.snapshot.number == first.snapshot.number == 1
    assert [s.run_key for s in catalog.snapshots(ds)] == ["exec-1/node", "exec-2/node"]


def test_changed_source_bytes_commit_nothing(store, catalog, ds, tmp_path):
    good = make_record(store, tmp_path / "src", "exec-1", "good.csv", b"good")
    bad = make_record(store, tmp_path / "src", "exec-1", "bad.csv", b"original", put=False)
    with open(bad.uri, "wb") as f:
        f.write(b"tampered")  # the file changed after it was recorded
    with pytest.raises(IntegrityError, match="no longer matches its record"):
        catalog.export(ds, [ExportItem("good.csv", good), ExportItem("bad.csv", bad)], run_key="r", source={})
    assert catalog.snapshots(ds) == []
    assert not os.path.exists(os.path.join(ds.uri, "snapshots", "1", "bad.csv"))
    assert not os.path.exists(os.path.join(ds.uri, "snapshots", "1.json"))


def test_two_files_at_one_path_are_refused(store, catalog, ds, tmp_path):
    a = make_record(store, tmp_path / "src", "e", "data.csv", b"a")
    b = make_record(store, tmp_path / "src", "e", "data.csv", b"b", artifact="Other")
    with pytest.raises(ArtifactValueError, match="two files would land at 'data.csv'"):
        catalog.export(ds, [ExportItem("data.csv", a), ExportItem("data.csv", b)], run_key="r", source={})
    assert not os.path.exists(os.path.join(ds.uri, "blobs"))


@pytest.mark.parametrize("path", ["", "/abs", "../up", "a/../b", "a//b", "a\\b", "./a"])
def test_bad_paths_are_refused(store, catalog, ds, tmp_path, path):
    r = make_record(store, tmp_path / "src", "e", "data.csv", b"x")
    with pytest.raises(ArtifactValueError, match="plain relative path|non-empty string"):
        catalog.export(ds, [ExportItem(path, r)], run_key="r", source={})
    catalog.export(ds, [ExportItem("ok.csv", r)], run_key="r2", source={})
    with pytest.raises(ArtifactValueError):
        catalog.download(ds, path, str(tmp_path / "out"))


def test_dataset_files_never_share_storage_with_the_store(store, catalog, ds, tmp_path):
    kept = make_record(store, tmp_path / "src", "e", "kept.csv", b"kept by the store")
    loose = make_record(store, tmp_path / "src", "e", "loose.csv", b"a file elsewhere", put=False)
    snap = catalog.export(
        ds, [ExportItem("kept.csv", kept), ExportItem("loose.csv", loose)], run_key="r", source={}
    ).snapshot
    for f, rec in ((snap.file("kept.csv"), kept), (snap.file("loose.csv"), loose)):
        assert f.key == f"snapshots/1/{f.path}"
        placed = os.stat(os.path.join(ds.uri, f.key))
        assert placed.st_ino != os.stat(rec.uri).st_ino
        assert placed.st_mode & 0o777 == 0o444
    # A file edited in place in the dataset (as root ignores the read-only bit) leaves the store's bytes alone.
    path = os.path.join(ds.uri, snap.file("kept.csv").key)
    with open(path, "r+b") as f:
        f.write(b"EDITED")
    with open(kept.uri, "rb") as f:
        assert f.read() == b"kept by the store"
    assert blob_bytes(ds, snap.file("loose.csv")) == b"a file elsewhere"


def test_identical_bytes_are_two_files(store, catalog, ds, tmp_path):
    a = make_record(store, tmp_path / "src", "e1", "a.csv", b"same")
    b = make_record(store, tmp_path / "src", "e2", "b.csv", b"same", artifact="Other")
    snap = catalog.export(ds, [ExportItem("a.csv", a), ExportItem("b.csv", b)], run_key="r", source={}).snapshot
    assert (snap.file("a.csv").key, snap.file("b.csv").key) == ("snapshots/1/a.csv", "snapshots/1/b.csv")
    assert blob_bytes(ds, snap.file("a.csv")) == blob_bytes(ds, snap.file("b.csv")) == b"same"


def test_download_checks_bytes(store, catalog, ds, tmp_path):
    r = make_record(store, tmp_path / "src", "e", "data.csv", b"payload")
    snap = catalog.export(ds, [ExportItem("data.csv", r)], run_key="r", source={}).snapshot
    out = tmp_path / "out.csv"
    catalog.download(ds, "data.csv", str(out), "latest")
    assert out.read_bytes() == b"payload"
    blob = os.path.join(ds.uri, snap.file("data.csv").key)
    os.chmod(blob, 0o644)
    with open(blob, "wb") as f:
        f.write(b"damaged")
    out.write_bytes(b"previous")
    with pytest.raises(ArtifactValueError, match="no longer match what was recorded"):
        catalog.download(ds, "data.csv", str(out), 1)
    assert out.read_bytes() == b"previous"
    with pytest.raises(ArtifactNotFoundError, match="has no file 'missing.csv'.*data.csv"):
        catalog.download(ds, "missing.csv", str(out))
    with pytest.raises(ArtifactNotFoundError, match="has no snapshot 9"):
        catalog.snapshot(ds, 9)
    with pytest.raises(ArtifactValueError, match="number or 'latest'"):
        catalog.snapshot(ds, "newest")


def test_empty_dataset_has_no_latest(catalog, ds):
    with pytest.raises(ArtifactNotFoundError, match="has no snapshots yet"):
        catalog.snapshot(ds, "latest")


# ---- processes ------------------------------------------------------------------------------------------------


def test_eight_concurrent_exports_get_distinct_numbers(store, catalog, ds, tmp_path):
    go = tmp_path / "go"
    cmds, expect = [], {}
    for i in range(8):
        data = f"exporter {i}\n".encode() * 1000
        r = make_record(store, tmp_path / "src", f"exec-{i}", "data.csv", data)
        shared = make_record(store, tmp_path / "src", f"exec-{i}", "shared.txt", b"same in every export", artifact="S")
        expect[f"run-{i}"] = data
        cmds.append(
            exporter_cmd(store.root, ds.name, [("data.csv", r), ("shared.txt", shared)], f"run-{i}", go=str(go))
        )
    numbers = run_released_together(cmds, go)
    assert sorted(numbers) == list(range(1, 9))
    snaps = catalog.snapshots(ds)
    assert [s.number for s in snaps] == list(range(1, 9))
    for s in snaps:
        assert blob_bytes(ds, s.file("data.csv")) == expect[s.run_key]
        assert blob_bytes(ds, s.file("shared.txt")) == b"same in every export"


def _kill_mid_export(store, ds, tmp_path, run_key, put):
    records = [
        make_record(store, tmp_path / "src", "exec-k", f"part-{i}.bin", os.urandom(3 << 20), put=put) for i in range(6)
    ]
    paused = tmp_path / f"paused-{run_key}"
    proc = subprocess.Popen(
        exporter_cmd(
            store.root, ds.name, [(r.filename, r) for r in records], run_key, pause_after=4 << 20, paused=str(paused)
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not paused.exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the exporter never got half way"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return records


@pytest.mark.parametrize("put", [True, False], ids=["store-blobs-linked", "files-copied"])
def test_kill_in_the_middle_leaves_no_snapshot_and_next_export_works(store, catalog, ds, tmp_path, put):
    r0 = make_record(store, tmp_path / "src", "exec-0", "data.csv", b"before")
    catalog.export(ds, [ExportItem("data.csv", r0)], run_key="before", source={})
    before = {
        k: open(os.path.join(ds.uri, k), "rb").read()
        for k in ["snapshots/1.json", catalog.snapshot(ds, 1).file("data.csv").key]
    }
    records = _kill_mid_export(store, ds, tmp_path, "killed", put)
    # Nothing of the killed export is visible, and the committed snapshot is untouched.
    assert [s.number for s in catalog.snapshots(ds)] == [1]
    assert {k: open(os.path.join(ds.uri, k), "rb").read() for k in before} == before
    assert not os.path.exists(os.path.join(ds.uri, "snapshots", "2.json"))
    # The next export takes the next number: the killed one keeps the number it took for its folder.
    r1 = make_record(store, tmp_path / "src", "exec-1", "data.csv", b"after")
    assert run_exporter(store.root, ds.name, [("data.csv", r1)], "after") == {"number": 3, "reused": False}
    # And a retry of the killed run completes it under its own number, once.
    out = run_exporter(store.root, ds.name, [(r.filename, r) for r in records], "killed")
    assert out == {"number": 2, "reused": False}
    assert run_exporter(store.root, ds.name, [(r.filename, r) for r in records], "killed") == {
        "number": 2,
        "reused": True,
    }
    assert open(os.path.join(ds.uri, "latest")).read().strip() == "3"
    snap = catalog.snapshot(ds, 2)
    for r in records:
        assert sha(blob_bytes(ds, snap.file(r.filename))) == r.sha256
