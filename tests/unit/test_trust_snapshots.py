"""Snapshots as plain folders: files under their names, readable by any tool, never sharing storage with the store;
the manifest committed last; stored bytes never trusted blindly."""

import hashlib
import json
import os

import pytest
from flows.dataset_exporter import make_record

from flytekitplugins.artifacts.backends import IntegrityError
from flytekitplugins.artifacts.backends.local.copies import reflink
from flytekitplugins.artifacts.ops.datasets import DatasetCatalog, ExportItem
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore


def test_pandas_reads_a_snapshot_file_by_its_path(store, catalog, ds, tmp_path):
    import pandas

    rec = make_record(store, tmp_path / "src", "e1", "adsl.csv", b"USUBJID,AGE\n01-001,54\n01-002,61\n")
    snap = catalog.export(ds, [ExportItem("adsl.csv", rec)], run_key="r1", source={}).snapshot
    frame = pandas.read_csv(os.path.join(ds.uri, "snapshots", str(snap.number), "adsl.csv"))
    assert list(frame["AGE"]) == [54, 61]
    # The manifest beside the folder says what is in it, and `latest` names it.
    manifest = json.load(open(os.path.join(ds.uri, "snapshots", f"{snap.number}.json")))
    (entry,) = manifest["files"]
    assert (entry["path"], entry["size"], entry["sha256"], entry["artifact"], entry["execution_id"]) == (
        "adsl.csv", rec.size, rec.sha256, "My Data", "e1")
    assert open(os.path.join(ds.uri, "latest")).read().strip() == str(snap.number)
    again = catalog.export(ds, [ExportItem("adsl.csv", rec)], run_key="r2", source={}).snapshot
    assert open(os.path.join(ds.uri, "latest")).read().strip() == str(again.number) == "2"


def test_nested_paths_and_same_bytes_under_two_names(store, catalog, ds, tmp_path):
    a = make_record(store, tmp_path / "src", "e1", "a.csv", b"same")
    b = make_record(store, tmp_path / "src", "e1", "b.csv", b"same", artifact="Other")
    catalog.export(ds, [ExportItem("tables/a.csv", a), ExportItem("b.csv", b)], run_key="r", source={})
    assert open(os.path.join(ds.uri, "snapshots", "1", "tables", "a.csv"), "rb").read() == b"same"
    assert open(os.path.join(ds.uri, "snapshots", "1", "b.csv"), "rb").read() == b"same"


def test_a_snapshot_is_visible_only_once_its_manifest_exists(store, catalog, ds, tmp_path, monkeypatch):
    rec = make_record(store, tmp_path / "src", "e1", "data.csv", b"x")
    seen = {}

    original = DatasetCatalog._commit

    def commit(self, ds_, number, files, run_key, source):
        # Every file is in place before the manifest is written, and until then there is no snapshot.
        seen["file"] = os.path.exists(os.path.join(ds_.uri, "snapshots", str(number), "data.csv"))
        seen["manifest"] = os.path.exists(os.path.join(ds_.uri, "snapshots", f"{number}.json"))
        seen["listed"] = [s.number for s in self.snapshots(ds_)]
        return original(self, ds_, number, files, run_key, source)

    monkeypatch.setattr(DatasetCatalog, "_commit", commit)
    catalog.export(ds, [ExportItem("data.csv", rec)], run_key="r", source={})
    assert seen == {"file": True, "manifest": False, "listed": []}
    assert [s.number for s in catalog.snapshots(ds)] == [1]


def test_a_damaged_file_from_a_died_attempt_is_replaced_on_retry(store, catalog, ds, tmp_path):
    rec = make_record(store, tmp_path / "src", "e1", "data.csv", b"the right bytes")
    folder = os.path.join(ds.uri, "snapshots", "1")
    os.makedirs(folder)
    with open(os.path.join(folder, "data.csv"), "wb") as f:
        f.write(b"the wrong bytes")  # same size, left by an attempt that died
    catalog._reserve(ds.id, "r")
    snap = catalog.export(ds, [ExportItem("data.csv", rec)], run_key="r", source={}).snapshot
    assert snap.number == 1
    assert open(os.path.join(folder, "data.csv"), "rb").read() == b"the right bytes"


def test_recording_the_same_bytes_again_replaces_a_damaged_stored_copy(store, tmp_path):
    first = make_record(store, tmp_path / "src", "e1", "data.csv", b"precious bytes")
    os.chmod(first.uri, 0o644)
    with open(first.uri, "r+b") as f:
        f.write(b"X")  # same size, other bytes
    second = make_record(store, tmp_path / "src", "e2", "data.csv", b"precious bytes")
    assert second.uri == first.uri
    assert open(first.uri, "rb").read() == b"precious bytes"
    out = tmp_path / "out.csv"
    store.download(first, str(out))
    assert out.read_bytes() == b"precious bytes"


def test_export_refuses_a_damaged_store_copy(store, catalog, ds, tmp_path):
    rec = make_record(store, tmp_path / "src", "e1", "data.csv", b"precious bytes")
    os.chmod(rec.uri, 0o644)
    with open(rec.uri, "r+b") as f:
        f.write(b"X")
    with pytest.raises(IntegrityError, match="no longer matches its record"):
        catalog.export(ds, [ExportItem("data.csv", rec)], run_key="r", source={})
    assert catalog.snapshots(ds) == []


def test_hard_links_only_on_request(store, catalog, ds, tmp_path):
    rec = make_record(store, tmp_path / "src", "e1", "data.csv", b"linked")
    snap = catalog.export(ds, [ExportItem("data.csv", rec)], run_key="r", source={}, link=True).snapshot
    assert os.stat(os.path.join(ds.uri, snap.file("data.csv").key)).st_ino == os.stat(rec.uri).st_ino


def test_reflink_falls_back_where_the_filesystem_cannot(tmp_path):
    src, dst = tmp_path / "a", tmp_path / "b"
    src.write_bytes(b"bytes")
    with open(src, "rb") as s, open(dst, "wb") as d:
        cloned = reflink(s.fileno(), d.fileno())
    # Either the filesystem shares the blocks, or it says it cannot and nothing was written.
    assert dst.read_bytes() == (b"bytes" if cloned else b"")


def test_datasets_of_the_previous_layout_are_still_read(store, catalog, ds, tmp_path):
    data = b"written by the previous layout"
    sha = hashlib.sha256(data).hexdigest()
    key = f"blobs/sha256/{sha[:2]}/{sha}"
    os.makedirs(os.path.dirname(os.path.join(ds.uri, key)))
    with open(os.path.join(ds.uri, key), "wb") as f:
        f.write(data)
    manifest = {"dataset_id": ds.id, "dataset_name": ds.name, "number": 1, "created_at": "2025-01-01T00:00:00.000Z",
                "execution_id": "old", "project": "", "domain": "", "workflow": "", "node_id": "", "run_key": "old",
                "files": [{"path": "old.csv", "size": len(data), "sha256": sha, "key": key}]}
    store.backend.write_once(f"datasets/{ds.id}/snapshots/0000000001.json", json.dumps(manifest).encode())
    out = tmp_path / "old.csv"
    catalog.download(ds, "old.csv", str(out), 1)
    assert out.read_bytes() == data
    rec = make_record(store, tmp_path / "src", "e1", "new.csv", b"new")
    snap = catalog.export(ds, [ExportItem("new.csv", rec)], run_key="new", source={}).snapshot
    assert snap.number == 2 and os.path.exists(os.path.join(ds.uri, "snapshots", "2", "new.csv"))


def test_a_second_store_never_overwrites_a_snapshot_at_a_shared_location(store, catalog, ds, tmp_path):
    """Two stores whose catalogs point one dataset at the same folder: the second refuses before writing a byte."""
    from flytekitplugins.artifacts.errors import ArtifactValueError
    from flytekitplugins.artifacts.ops.verify import verify_store

    rec = make_record(store, tmp_path / "src", "e1", "adsl.csv", b"the first store's bytes")
    catalog.export(ds, [ExportItem("adsl.csv", rec)], run_key="r1", source={})
    other_store = ArtifactStore(str(tmp_path / "other-store"))
    other = DatasetCatalog(other_store)
    shared = other.create(ds.name, ds.uri)
    theirs = make_record(other_store, tmp_path / "src2", "e9", "adsl.csv", b"the other store's bytes")
    with pytest.raises(ArtifactValueError, match="already holds a snapshot 1 of another dataset"):
        other.export(shared, [ExportItem("adsl.csv", theirs)], run_key="r9", source={})
    assert open(os.path.join(ds.uri, "snapshots", "1", "adsl.csv"), "rb").read() == b"the first store's bytes"
    assert verify_store(store).ok


def test_retrying_an_export_whose_catalog_manifest_is_damaged_says_so(store, catalog, ds, tmp_path):
    from flytekitplugins.artifacts.errors import ArtifactNotFoundError

    rec = make_record(store, tmp_path / "src", "e1", "adsl.csv", b"bytes")
    catalog.export(ds, [ExportItem("adsl.csv", rec)], run_key="r1", source={})
    manifest = [k for k in store.backend.list(f"datasets/{ds.id}/snapshots")][0]
    path = store.backend.uri(manifest)
    os.chmod(path, 0o644)
    with open(path, "w") as f:
        f.write("{damaged")
    with pytest.raises(ArtifactNotFoundError, match="manifest of snapshot 1 .* is damaged"):
        catalog.export(ds, [ExportItem("adsl.csv", rec)], run_key="r1", source={})
