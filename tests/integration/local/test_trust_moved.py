"""A store names its own bytes relative to its root: moved as a folder, it reads, exports and repairs in place."""

import json
import os
import shutil
import subprocess
import sys

from flytekitplugins.artifacts.backends import blob_key
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")


def cli(*args):
    r = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300)
    assert "Traceback" not in r.stderr, r.stderr
    return r


def _files_naming(root: str, text: str):
    hits = []
    for folder, _, names in os.walk(root):
        for name in names:
            with open(os.path.join(folder, name), "rb") as f:
                if text.encode() in f.read():
                    hits.append(os.path.relpath(os.path.join(folder, name), root))
    return hits


def test_new_records_name_the_stores_own_bytes_relative_to_its_root(artifacts_root):
    from flows import core

    core.training(text="relative")
    store = ArtifactStore()
    (eid,) = [r["execution_id"] for r in store.executions()]
    keys = [k for k in store.backend.list(f"executions/{eid}/records/")]
    assert len(keys) == 2
    for key in keys:
        raw = json.loads(store.backend.read_bytes(key))
        assert raw["uri"] == blob_key(raw["sha256"])  # no absolute path of the store in the record
    assert _files_naming(artifacts_root, os.path.realpath(artifacts_root)) == []
    # Read back, the record's uri is the full location under the current root.
    rec = store.record(eid, "My Data", "data.csv")
    assert rec.uri == store.backend.uri(blob_key(rec.sha256)) and os.path.exists(rec.uri)


def test_after_mv_get_export_and_repair_work_and_write_only_inside_the_new_root(artifacts_root, tmp_path,
                                                                                 monkeypatch):
    from flows import core

    core.training(text="before the move")
    new_root = str(tmp_path / "store2")
    shutil.move(artifacts_root, new_root)
    monkeypatch.setenv("FLYTE_ARTIFACTS_ROOT", new_root)
    (eid,) = [r["execution_id"] for r in ArtifactStore().executions()]

    got = tmp_path / "got.csv"
    r = cli("get", "My Data", "data.csv", "-e", eid, "-o", str(got))
    assert r.returncode == 0, r.stderr
    assert got.read_bytes() == b"col\nbefore the move\n"

    ds_folder = tmp_path / "datasets" / "clean"
    assert cli("datasets", "create", "clean", "--uri", str(ds_folder)).returncode == 0
    r = cli("export", "-e", eid, "--artifact", "My Data", "--dataset", "clean", "--json")
    assert r.returncode == 0, r.stderr
    exported = [os.path.join(d, n) for d, _, ns in os.walk(ds_folder) for n in ns if n == "data.csv"]
    assert len(exported) == 1 and open(exported[0], "rb").read() == b"col\nbefore the move\n"

    # The store's copy is lost: repair restores it from the dataset's copy, inside the new root only.
    rec = ArtifactStore().record(eid, "My Data", "data.csv")
    assert rec.uri.startswith(new_root + os.sep)
    os.remove(rec.uri)
    r = cli("verify", "--repair", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    with open(rec.uri, "rb") as f:
        assert f.read() == b"col\nbefore the move\n"
    assert not os.path.exists(artifacts_root)  # nothing recreated where the store used to be
    assert cli("verify").returncode == 0
