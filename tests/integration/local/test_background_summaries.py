"""Summaries that follow their records: a local run hands them to a process of its own, `show` says "summary
pending" until they land, and a process killed part way leaves records whose summaries are computed on demand."""

import json
import os
import signal
import subprocess
import sys

import pytest
from flows import small_files as flows
from repo_paths import REPO

from flytekitplugins.artifacts.ops import background_summaries as bg
from flytekitplugins.artifacts.ops.inspection import stored_summary
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
from flytekitplugins.artifacts.store.keys import summaries_pending_key

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
PYFLYTE = os.path.join(os.path.dirname(sys.executable), "pyflyte")


def show(*args):
    return subprocess.run([CLI, "show", "Small Tables", *args], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, COLUMNS="80"))


@pytest.fixture
def background(monkeypatch):
    """Summaries in their default mode (the suite computes them inline)."""
    monkeypatch.setenv(bg.SUMMARIES_ENV, "1")


@pytest.fixture
def stopped_worker(background, monkeypatch):
    """The background process is started for real, then stopped (SIGSTOP) before it can read anything; yields the
    list of processes started, each resumed or killed by the test (and killed at the end in any case)."""
    real = bg.start_worker
    started = []

    def start(root, execution_id):
        proc = real(root, execution_id)
        os.kill(proc.pid, signal.SIGSTOP)
        started.append(proc)
        return proc

    monkeypatch.setattr(bg, "start_worker", start)
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_show_says_summary_pending_until_it_lands(stopped_worker):
    flows.two_tables(rows=4)
    store = ArtifactStore()
    eid = store.latest_execution()
    assert len(stopped_worker) == 1  # one process for the run, not one per file
    # The records are visible (the run succeeded), their summaries not yet there.
    assert {r.filename for r in store.records(eid)} == {"first.csv", "second.csv"}
    assert all(stored_summary(store, r) is None for r in store.records(eid))
    out = show("first.csv")
    assert out.returncode == 0, out.stderr
    assert "summary pending" in out.stdout
    assert max(len(line) for line in out.stdout.splitlines()) <= 80
    as_json = json.loads(show("first.csv", "--json").stdout)
    assert as_json["summary"] is None and as_json["summary_source"] == "pending"
    assert as_json["record"]["filename"] == "first.csv"

    os.kill(stopped_worker[0].pid, signal.SIGCONT)
    assert stopped_worker[0].wait(timeout=120) == 0
    assert bg.wait_for_summaries(store, eid, timeout=5)
    assert not store.backend.exists(summaries_pending_key(eid))  # removed once every summary landed
    landed = json.loads(show("second.csv", "--json").stdout)
    assert landed["summary_source"] == "stored"
    assert landed["summary"]["kind"] == "table" and landed["summary"]["rows"] == 5
    assert landed["summary"]["sha256"] == landed["record"]["sha256"]
    text = show("first.csv").stdout
    assert "summary pending" not in text and "value" in text  # the table's columns


def test_a_killed_worker_leaves_summaries_to_be_computed_on_demand(stopped_worker):
    flows.two_tables(rows=3)
    store = ArtifactStore()
    eid = store.latest_execution()
    stopped_worker[0].kill()
    stopped_worker[0].wait()
    assert store.backend.exists(summaries_pending_key(eid))  # it never got to finish
    assert bg.wait_for_summaries(store, eid, timeout=5)  # its process is gone: nothing left to wait for
    out = show("first.csv")
    assert out.returncode == 0, out.stderr
    assert "summary pending" not in out.stdout
    assert "computed now from the verified bytes" in out.stdout
    # The records and their bytes are intact: every record's bytes are at its content address.
    for rec in store.records(eid):
        with open(rec.uri, "rb") as f:
            assert f.read().startswith(b"id,value\n")


def test_pyflyte_run_hands_summaries_to_a_process_that_stores_them(tmp_path, background):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(REPO, "tests"), REPO]))
    r = subprocess.run([PYFLYTE, "run", os.path.join(REPO, "tests", "flows", "small_files.py"), "two_tables",
                        "--rows", "6"], capture_output=True, text=True, cwd=str(tmp_path), env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Recorded 2 artifact files" in r.stderr
    store = ArtifactStore()
    eid = store.latest_execution()
    assert bg.wait_for_summaries(store, eid, timeout=120)
    summaries = {rec.filename: stored_summary(store, rec) for rec in store.records(eid)}
    assert summaries["first.csv"]["rows"] == 6 and summaries["second.csv"]["rows"] == 7
    assert [c["name"] for c in summaries["first.csv"]["columns"]] == ["id", "value"]
    assert not store.backend.exists(summaries_pending_key(eid))


def test_inline_and_off_modes_write_no_pending_document(monkeypatch):
    monkeypatch.setenv(bg.SUMMARIES_ENV, "inline")
    flows.two_tables(rows=2)
    store = ArtifactStore()
    eid = store.latest_execution()
    assert not store.backend.exists(summaries_pending_key(eid))
    assert all(stored_summary(store, r)["rows"] == n for r, n in zip(store.records(eid), (2, 3)))
    monkeypatch.setenv(bg.SUMMARIES_ENV, "off")
    flows.two_tables(rows=2)
    eid = store.latest_execution()
    assert not store.backend.exists(summaries_pending_key(eid))
    assert all(stored_summary(store, r) is None for r in store.records(eid))


def test_a_store_on_s3_or_a_pod_keeps_summaries_inline(monkeypatch, tmp_path):
    monkeypatch.setenv(bg.SUMMARIES_ENV, "1")
    local = ArtifactStore(str(tmp_path / "s"))
    assert bg.wants_background(local, local_run=True)
    assert not bg.wants_background(local, local_run=False)  # a pod's process ends with its task
    modes = (("0", bg.OFF), ("No", bg.OFF), ("inline", bg.INLINE), ("1", bg.BACKGROUND), ("", bg.BACKGROUND))
    for value, mode in modes:
        monkeypatch.setenv(bg.SUMMARIES_ENV, value)
        assert bg.summary_mode() == mode


def test_the_worker_refuses_bad_arguments():
    r = subprocess.run([sys.executable, "-m", "flytekitplugins.artifacts.ops.background_summaries", "only-one"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert "usage:" in r.stderr and "ROOT EXECUTION" in r.stderr
