"""``flyte-artifacts datasets ...`` and ``flyte-artifacts export``, run as real subprocesses."""

import hashlib
import json
import os
import subprocess
import sys

from flows import exports

from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")


def run(*args, check=True):
    r = subprocess.run([CLI, *args], capture_output=True, text=True, env=dict(os.environ), timeout=120)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def fails(*args, match):
    r = run(*args, check=False)
    assert r.returncode == 1, r.stdout + r.stderr
    err = " ".join(r.stderr.split())  # rich wraps long lines
    assert err.startswith("error: ") and match in err, r.stderr
    assert "Traceback" not in r.stderr
    return err


def test_create_prints_the_dataset(models, tmp_path):
    assert set(models) == {"id", "name", "uri", "created_at"}
    assert (models["name"], models["uri"]) == ("models", str(tmp_path / "ds" / "models"))
    table = run("datasets", "create", "other", "--uri", str(tmp_path / "ds" / "other"), "--wide").stdout
    assert "other" in table and str(tmp_path / "ds" / "other") in table
    listed = json.loads(run("datasets", "list", "--json").stdout)
    assert [d["name"] for d in listed] == ["models", "other"]
    assert listed[0] == models
    assert "models" in run("datasets", "list").stdout


def test_create_errors_are_one_line(models, tmp_path):
    fails("datasets", "create", "models", "--uri", str(tmp_path / "elsewhere"), match="already exists")
    fails("datasets", "create", "bad/name", "--uri", str(tmp_path / "x"), match="'bad/name'")
    fails("datasets", "create", "x", "--uri", "ftp://host/x", match="unsupported scheme 'ftp'")


def test_snapshots_show_get_after_a_run(models, tmp_path):
    out = exports.training(text="cli")
    with open(out, "rb") as f:
        model = f.read()
    (run_,) = ArtifactStore().executions()
    for ref in ("models", models["id"]):
        (snap,) = json.loads(run("datasets", "snapshots", ref, "--json").stdout)
        assert (snap["number"], snap["file_count"], snap["bytes"], snap["execution_id"]) == (
            1, 1, len(model), run_["execution_id"])
        assert "created_at" in snap and "files" not in snap
    table = run("datasets", "snapshots", "models").stdout
    assert run_["execution_id"] in table
    shown = json.loads(run("datasets", "show", "models", "--snapshot", "1", "--json").stdout)
    (f,) = shown["files"]
    assert (f["path"], f["artifact"], f["sha256"], f["size"]) == (
        "model.pt",
        "My Model",
        hashlib.sha256(model).hexdigest(),
        len(model),
    )
    assert shown["dataset_uri"] == models["uri"]
    assert "model.pt" in run("datasets", "show", "models").stdout
    dest = tmp_path / "got" / "model.pt"
    got = json.loads(
        run("datasets", "get", "models", "model.pt", "--snapshot", "latest", "-o", str(dest), "--json").stdout
    )
    assert dest.read_bytes() == model
    assert (got["snapshot"], got["path"]) == (1, "model.pt")


def test_manual_export_with_progress(models, tmp_path):
    exports.training(text="manual")
    (run_,) = ArtifactStore().executions()
    r = run("export", "--latest", "--artifact", "My Data", "--dataset", "models", "--json")
    snap = json.loads(r.stdout)
    assert (snap["number"], snap["execution_id"], [f["path"] for f in snap["files"]]) == (
        2,
        run_["execution_id"],
        ["data.csv"],
    )
    r = run("export", "--execution", run_["execution_id"], "-a", "My Model", "-d", models["id"])
    assert "snapshot 3" in r.stdout
    numbers = [s["number"] for s in json.loads(run("datasets", "snapshots", "models", "--json").stdout)]
    assert numbers == [1, 2, 3]
    dest = tmp_path / "data.csv"
    run("datasets", "get", "models", "data.csv", "-s", "2", "-o", str(dest))
    assert dest.read_text() == "col\nmanual\n"


def test_manual_export_errors(models):
    exports.training(text="errs")
    (run_,) = ArtifactStore().executions()
    fails("export", "--latest", "-a", "My Data", "-d", "nope", match="no dataset with id or name 'nope'")
    fails("export", "--latest", "-a", "Nothing", "-d", "models", match="recorded no file of artifact 'Nothing'")
    fails("export", "--latest", "-a", "My Data", "-f", "other.csv", "-d", "models", match="no file 'other.csv'")
    fails("export", "-e", "no-such-run", "-a", "My Data", "-d", "models", match="no execution 'no-such-run'")
    r = run("export", "-a", "My Data", "-d", "models", check=False)
    assert r.returncode == 2 and "--execution ID or --latest" in r.stderr
    # None of the failed exports made a snapshot (the flow's own export made snapshot 1).
    assert [s["number"] for s in json.loads(run("datasets", "snapshots", "models", "--json").stdout)] == [1]


def test_lookup_errors(models, tmp_path):
    fails("datasets", "snapshots", "nope", match="no dataset with id or name 'nope'")
    fails("datasets", "show", "models", match="has no snapshots yet")
    exports.training(text="x")
    fails("datasets", "show", "models", "--snapshot", "9", match="has no snapshot 9")
    fails("datasets", "show", "models", "--snapshot", "newest", match="number or 'latest'")
    fails("datasets", "get", "models", "../etc/passwd", "-o", str(tmp_path / "o"), match="not a plain relative path")
    fails("datasets", "get", "models", "nope.pt", "-o", str(tmp_path / "o"), match="has no file 'nope.pt'")
    assert not (tmp_path / "o").exists()


def test_create_keeps_a_given_dataset_id_and_refuses_bad_or_taken_ones(tmp_path):
    made = json.loads(
        run(
            "datasets", "create", "moved", "--uri", str(tmp_path / "a"), "--id", "681d3030ae3a706ef9c7f08b", "--json"
        ).stdout
    )
    assert made["id"] == "681d3030ae3a706ef9c7f08b"
    fails(
        "datasets",
        "create",
        "again",
        "--uri",
        str(tmp_path / "b"),
        "--id",
        "681d3030ae3a706ef9c7f08b",
        match="already exists",
    )
    fails("datasets", "create", "bad", "--uri", str(tmp_path / "c"), "--id", "../x", match="not 24 lowercase hex")
    assert [d["name"] for d in json.loads(run("datasets", "list", "--json").stdout)] == ["moved"]


def test_a_snapshot_names_the_status_of_a_run_that_did_not_finish(tmp_path):
    """A local run killed after its export committed a snapshot stays 'running': the catalog says so."""
    from flows.dataset_exporter import make_record

    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog, ExportItem
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record

    store = ArtifactStore()
    done = make_record(store, tmp_path / "src", "done-run", "data.csv", b"a\n1\n")
    src = tmp_path / "src" / "killed.csv"
    src.write_bytes(b"a\n2\n")
    uri, size, sha = store.put_local_file(str(src))
    killed = store.add_record(Record("unfinished-run", "p", "d", "wf", "n0", "t", "o0", "My Data", "DATA", "data.csv",
                                     "csv", uri, size, sha, "2026-01-01T00:00:00.000Z"), pending=True)
    catalog = DatasetCatalog(store)
    ds = catalog.create("adsl", str(tmp_path / "ds"))
    catalog.export(ds, [ExportItem("data.csv", done)], run_key="r1", source={"execution_id": "done-run"})
    catalog.export(ds, [ExportItem("data.csv", killed)], run_key="r2", source={"execution_id": "unfinished-run"})
    rows = json.loads(run("datasets", "snapshots", "adsl", "--json").stdout)
    assert [(r["execution_id"], r["run_status"]) for r in rows] == [("done-run", "succeeded"),
                                                                    ("unfinished-run", "running")]
    table = run("datasets", "snapshots", "adsl", "--wide").stdout
    assert "run status" in table and "running" in table
    shown = " ".join(run("datasets", "show", "adsl").stdout.split())
    assert "from unfinished-run, a run still running)" in shown
    assert json.loads(run("datasets", "show", "adsl", "-s", "1", "--json").stdout)["run_status"] == "succeeded"
