"""The flyte-artifacts CLI, run as a real subprocess against a store filled by real runs."""

import hashlib
import json
import os
import subprocess
import sys

import pytest
from flows import core

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")


def run(*args, root=None, check=True):
    env = dict(os.environ)
    if root is not None:
        env["FLYTE_ARTIFACTS_ROOT"] = root
    r = subprocess.run([CLI, *args], capture_output=True, text=True, env=env, timeout=120)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def test_executions_json_newest_first(two_runs):
    rows = json.loads(run("executions", "--json").stdout)
    assert [r["workflow"] for r in rows] == ["flows.core.reports", "flows.core.training"]
    assert set(rows[0]) == {"execution_id", "project", "domain", "workflow", "created_at", "status"}
    assert {r["status"] for r in rows} == {"succeeded"}


def test_list_json_has_exactly_the_record_fields(two_runs):
    rows = json.loads(run("list", "--json").stdout)
    assert len(rows) == 4
    assert set(rows[0]) == {
        "execution_id", "project", "domain", "workflow", "node_id", "task", "output_name", "artifact", "type",
        "filename", "file_type", "uri", "size", "sha256", "created_at", "code_version", "partitions",
    }


def test_list_filters(two_runs):
    latest = json.loads(run("list", "--latest", "--json").stdout)
    assert {r["workflow"] for r in latest} == {"flows.core.reports"}
    models = json.loads(run("list", "--type", "model", "--json").stdout)
    assert [r["filename"] for r in models] == ["model.pt"]
    data = json.loads(run("list", "--artifact", "My Data", "--json").stdout)
    assert [(r["artifact"], r["filename"]) for r in data] == [("My Data", "data.csv")]
    eid = data[0]["execution_id"]
    by_id = json.loads(run("list", "--execution", eid, "--json").stdout)
    assert sorted(r["filename"] for r in by_id) == ["data.csv", "model.pt"]
    assert json.loads(run("list", "--artifact", "Nothing", "--json").stdout) == []


def test_table_output(two_runs):
    out = run("list", "--latest").stdout
    assert "TFL Reports" in out and "t_vscat.pdf" in out
    assert "flows.core.training" in run("executions").stdout


def test_get_writes_bytes(two_runs, tmp_path):
    dest = tmp_path / "sub" / "model.pt"
    r = run("get", "My Model", "model.pt", "-o", str(dest), "--json")
    rec = json.loads(r.stdout)
    data = dest.read_bytes()
    assert data == b"model of col\nfirst\n"
    assert hashlib.sha256(data).hexdigest() == rec["sha256"]
    dest2 = tmp_path / "again.pt"
    run("get", "My Model", "model.pt", "--execution", rec["execution_id"], "-o", str(dest2))
    assert dest2.read_bytes() == data


def test_get_refuses_damaged_bytes_and_writes_nothing(two_runs, tmp_path):
    rec = json.loads(run("list", "--artifact", "My Model", "--json").stdout)[0]
    os.chmod(rec["uri"], 0o644)
    with open(rec["uri"], "ab") as f:
        f.write(b"tampered")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    dest = out_dir / "model.pt"
    r = run("get", "My Model", "model.pt", "-o", str(dest), check=False)
    assert r.returncode == 1 and "no longer match" in r.stderr
    assert os.listdir(out_dir) == []


@pytest.mark.parametrize(
    "args, words",
    [
        (["list", "--execution", "nope"], ["no execution 'nope'"]),
        (["get", "My Model", "missing.pt", "-o", "x"], ["'missing.pt'", "'My Model'"]),
        (["list", "--latest"], ["no executions yet"]),
    ],
)
def test_errors_are_one_clear_line(args, words, tmp_path, artifacts_root):
    os.makedirs(artifacts_root)  # an empty store
    if "My Model" in args:
        core.training(text="x")
    r = run(*args, check=False)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    for w in words:
        assert w in r.stderr
    assert "Traceback" not in r.stderr


def test_get_unknown_file_in_known_execution_lists_what_it_has(tmp_path):
    core.training(text="x")
    eid = json.loads(run("executions", "--json").stdout)[0]["execution_id"]
    r = run("get", "My Data", "nope.csv", "-e", eid, "-o", str(tmp_path / "o"), check=False)
    assert r.returncode == 1 and "My Data/data.csv" in r.stderr and "'nope.csv'" in r.stderr


def test_unreadable_roots(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    r = run("executions", root=str(a_file), check=False)
    assert r.returncode == 1 and "not a folder" in r.stderr
    r = run("executions", root="gs://bucket/x", check=False)
    assert r.returncode == 1 and "unsupported scheme 'gs'" in r.stderr
    # A root below a file cannot exist: reading it fails with the OS error on one line.
    r = run("list", "--latest", root=str(a_file / "below"), check=False)
    assert r.returncode == 1 and r.stderr.startswith("error:") and "Traceback" not in r.stderr


def test_empty_store_lists_nothing(artifacts_root):
    os.makedirs(artifacts_root)
    assert json.loads(run("executions", "--json").stdout) == []
    assert json.loads(run("list", "--json").stdout) == []


@pytest.mark.parametrize("args", [
    ["executions"], ["executions", "--json"], ["list", "--json"], ["list", "--latest"], ["artifacts", "--json"],
    ["versions", "My Model", "--json"], ["get", "My Model", "model.pt", "-o", "x"], ["show", "My Model", "model.pt"],
    ["lineage", "My Model", "model.pt"], ["verify"], ["gc", "--dry-run"], ["prune", "--keep-last", "1"],
    ["datasets", "list", "--json"], ["export", "-a", "My Model", "--dataset", "d", "--latest"], ["ui", "--port", "0"],
])
def test_a_mistyped_root_is_an_error_not_an_empty_listing(args, tmp_path):
    core.training(text="x")  # the real store has runs; the mistyped one is a sibling where nothing is
    typo = os.environ["FLYTE_ARTIFACTS_ROOT"] + "-typo"
    r = run(*args, root=typo, check=False)
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout == ""
    assert r.stderr.strip() == (f"error: there is no artifact store at {typo!r}: check the store root (--root, "
                                "$FLYTE_ARTIFACTS_ROOT); a store is made by the first run that records an artifact, "
                                "or by `flyte-artifacts datasets create`")
    assert not os.path.exists(typo)  # and nothing was made there


def test_datasets_create_may_make_the_store(tmp_path):
    root = str(tmp_path / "new-store")
    r = run("datasets", "create", "adam", "--uri", str(tmp_path / "ds"), root=root)
    assert os.path.isdir(root) and json.loads(run("datasets", "list", "--json", root=root).stdout)[0]["name"] == "adam"
    assert r.returncode == 0


def test_usage_errors(artifacts_root):
    os.makedirs(artifacts_root)
    r = run("list", "--execution", "x", "--latest", check=False)
    assert r.returncode == 2 and "not both" in r.stderr
    r = run("list", "--type", "PICTURE", check=False)
    assert r.returncode == 2 and "PICTURE" in r.stderr


def test_help_explains():
    out = run("--help").stdout
    for cmd in ("executions", "list", "get"):
        assert cmd in out
    assert "FLYTE_ARTIFACTS_ROOT" in out
    assert "--latest" in run("list", "--help").stdout


def test_one_workflow_name_everywhere():
    core.training(text="x")
    executions = run("executions").stdout
    versions = run("versions", "My Model").stdout
    assert "flows.core.training" in executions and "flows.core.training" in versions


def test_tables_fit_80_columns_keep_ids_whole_and_wide_shows_everything(two_runs):
    eids = [r["execution_id"] for r in json.loads(run("executions", "--json").stdout)]
    env_root = os.environ["FLYTE_ARTIFACTS_ROOT"]
    for args in (["list"], ["executions"], ["artifacts"], ["versions", "My Model"]):
        r = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "COLUMNS": "80", "FLYTE_ARTIFACTS_ROOT": env_root})
        lines = r.stdout.splitlines()
        assert r.returncode == 0 and max(map(len, lines)) <= 80, r.stdout
        assert any(eid in r.stdout for eid in eids), r.stdout  # ids are never cut
        header = next(line for line in lines if line.startswith("┃"))
        headers = [cell.strip() for cell in header.split("┃")[1:-1]]
        assert headers and all(h and "…" not in h for h in headers), r.stdout  # no column is cut to a sliver
    listed = run("list").stdout  # piped, $COLUMNS unset: 80 columns too
    assert max(map(len, listed.splitlines())) <= 80
    assert "Not shown to fit 80 columns: " in listed and "(--wide shows them)" in listed
    hidden = listed.split("Not shown to fit 80 columns: ")[1].split(" (--wide")[0].split(", ")
    wide = run("list", "--wide").stdout
    assert "Not shown" not in wide and all(f" {name} " in wide for name in hidden)
    assert "flows.core.prep" in wide  # a whole task name


def test_mistyped_names_get_did_you_mean(tmp_path):
    core.training(text="x")
    eid = json.loads(run("executions", "--json").stdout)[0]["execution_id"]
    cases = [
        (["get", "my model", "model.pt", "-o", str(tmp_path / "o")], "did you mean 'My Model'?"),
        (["get", "My Model", "modle.pt", "-o", str(tmp_path / "o")], "did you mean 'model.pt'?"),
        (["get", "My Model", "MODEL.PT", "-e", eid, "-o", str(tmp_path / "o")], "did you mean 'model.pt'?"),
        (["show", "My Modle", "model.pt"], "did you mean 'My Model'?"),
        (["versions", "My Modle"], "did you mean 'My Model'?"),
    ]
    run("tag", "My Model", "prod", "-e", eid)
    cases.append((["get", "My Model", "model.pt", "-t", "prdo", "-o", str(tmp_path / "o")], "did you mean 'prod'?"))
    run("datasets", "create", "adam", "--uri", str(tmp_path / "ds"))
    cases.append((["export", "-a", "My Model", "-d", "adm", "--latest"], "did you mean 'adam'?"))
    for args, hint in cases:
        r = run(*args, check=False)
        err = " ".join(r.stderr.split())
        assert r.returncode == 1 and hint in err, (args, r.stderr)
    r = run("export", "-a", "My Model", "-d", "adm", "--latest", check=False)
    assert "datasets create adm" not in " ".join(r.stderr.split())  # no hint that repeats the typo
    r = run("export", "-a", "My Model", "-d", "681d3030ae3a706ef9c7f08b", "--latest", check=False)
    assert "--id 681d3030ae3a706ef9c7f08b" in " ".join(r.stderr.split())  # an id: how to give a dataset that id


def test_a_run_that_did_not_succeed_is_listed_with_its_status(tmp_path):
    from flytekitplugins.artifacts.store.artifact_store import FAILED, ArtifactStore, Record

    core.training(text="x")
    store = ArtifactStore()
    src = tmp_path / "f.csv"
    src.write_text("a\n1\n")
    uri, size, sha = store.put_local_file(str(src))
    store.add_record(Record("broken-run", "p", "d", "wf", "n0", "t", "o0", "My Data", "DATA", "f.csv", "csv", uri,
                            size, sha, "2026-01-01T00:00:00.000Z"), pending=True)
    store.finish_run("broken-run", FAILED)
    assert [r["filename"] for r in json.loads(run("list", "-e", "broken-run", "--json").stdout)] == ["f.csv"]
    table = run("list", "-e", "broken-run", "--wide").stdout
    assert "status" in table and "failed" in table
    listed = run("list", "--wide").stdout  # succeeded runs only: no status column
    assert "broken-run" not in listed and "status" not in listed
