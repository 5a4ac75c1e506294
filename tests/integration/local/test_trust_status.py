"""Run status locally: failed and killed runs never show as newest; `--all` shows them with their status."""

import json
import os
import subprocess
import sys

import pytest
from flows import status
from repo_paths import TESTS

from flytekitplugins.artifacts.store import keys
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")


def cli(*args):
    r = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def run_in_process(how: str, text: str) -> subprocess.CompletedProcess:
    code = f"from flows import status; status.pipeline(text={text!r}, how={how!r})"
    return subprocess.run([sys.executable, "-c", code], cwd=TESTS, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": TESTS})


def test_a_failed_run_is_not_newest():
    status.pipeline(text="good", how="ok")
    with pytest.raises(Exception, match="the check failed"):
        status.pipeline(text="bad", how="fail")
    store = ArtifactStore()
    good = store.latest_execution()
    assert store.run_status(good) == "succeeded"
    assert open(store.latest_record("Cleaned", "clean.csv").uri).read() == "col\ngood\n"
    runs = store.executions(include_all=True)
    assert [r["status"] for r in runs] == ["failed", "succeeded"]
    bad = runs[0]["execution_id"]
    assert store.run_status(bad) == "failed"
    assert [e["execution_id"] for e in store.executions()] == [good]
    assert [r.execution_id for r in store.records(artifact="Cleaned")] == [good]
    assert {r.execution_id for r in store.records(artifact="Cleaned", include_all=True)} == {good, bad}
    rows = json.loads(cli("executions", "--all", "--json"))
    assert [(r["execution_id"], r["status"]) for r in rows] == [(bad, "failed"), (good, "succeeded")]
    assert bad not in cli("list")
    assert bad in cli("list", "--all")
    # What `list --all` shows, `get --all` fetches, from the failed run too.
    out = os.path.join(str(os.environ["FLYTE_ARTIFACTS_ROOT"]) + "-get", "clean.csv")
    cli("get", "Cleaned", "clean.csv", "-e", bad, "--all", "-o", out)
    assert open(out).read() == open(store.record(bad, "Cleaned", "clean.csv").uri).read()


def test_a_killed_run_is_marked_killed_and_hidden():
    assert run_in_process("ok", "first").returncode == 0
    killed = run_in_process("kill", "second")
    assert killed.returncode == -9
    store = ArtifactStore()
    runs = store.executions(include_all=True)
    # Its run document still says running; its process on this host is gone, so it reads as killed.
    assert [r["status"] for r in runs] == ["killed", "succeeded"]
    assert store.run_status(runs[0]["execution_id"]) == "killed"
    doc = json.loads(store.backend.read_bytes(keys.run_key(runs[0]["execution_id"])))
    assert doc["status"] == "running" and doc["owner"]["pid"] > 0
    # A running run whose process is alive (this one) stays running.
    alive = {**doc, "owner": {**doc["owner"], "pid": os.getpid()}}
    store.backend.write(keys.run_key(runs[0]["execution_id"]), json.dumps(alive).encode())
    assert store.run_status(runs[0]["execution_id"]) == "running"
    store.backend.write(keys.run_key(runs[0]["execution_id"]), json.dumps(doc).encode())
    assert len(store.executions()) == 1
    assert store.records(runs[0]["execution_id"])[0].filename == "clean.csv"  # asked for by id, it is there
    assert open(store.latest_record("Cleaned", "clean.csv").uri).read() == "col\nfirst\n"


def test_concurrent_runs_all_become_visible():
    code = "from flows import status; status.pipeline(text='r{}', how='ok')"
    env = {**os.environ, "PYTHONPATH": TESTS}
    procs = [subprocess.Popen([sys.executable, "-c", code.format(i)], cwd=TESTS, env=env) for i in range(3)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0]
    store = ArtifactStore()
    assert len(store.executions()) == 3
    assert sorted(open(r.uri).read() for r in store.records(artifact="Cleaned")) == [
        "col\nr0\n", "col\nr1\n", "col\nr2\n"]
