"""Triggers on a local store: real runs of ``flows.triggers`` launch ``tfl_reports``, once per new version."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from flows.killed_sweeper import kill_at

from flytekitplugins.artifacts.ops.triggers import history, status, sweep
from flytekitplugins.artifacts.store import keys

FLOWS = os.path.join(os.path.dirname(__file__), "..", "..", "flows", "triggers.py")
CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
TESTS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture
def flows(monkeypatch, tmp_path):
    from flows import triggers

    monkeypatch.setenv("TRIGGER_LOG", str(tmp_path / "launched.log"))
    return triggers


def _launched_texts(store):
    """What each run of ``tfl_reports`` got, oldest run first, read from the store."""
    from flytekitplugins.artifacts.store.versions import versions

    out = []
    for v in reversed(versions(store, "TFL Reports")):
        rec = store.record(v["execution_id"], "TFL Reports", "tfl.txt")
        with open(rec.uri) as f:
            out.append(f.read())
    return out


def _log(tmp_path):
    path = tmp_path / "launched.log"
    return path.read_text().splitlines() if path.exists() else []


def _cli(*args, env=None, check=True):
    full = {**os.environ, "PYTHONPATH": TESTS, **(env or {})}
    proc = subprocess.run([CLI, *args], capture_output=True,
                          text=True, env=full)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stdout}{proc.stderr}")
    return proc


def test_three_versions_launch_three_runs_in_order(store, flows, tmp_path):
    sweep(store, flows.on_adsl)  # the first sweep starts the trigger from now: older versions are not launched
    for i in range(3):
        flows.produce(text=f"v{i}")
    result = sweep(store, flows.on_adsl)
    assert [m["version"] for m in result.launched] == [e["execution_id"] for e in reversed(_versions(store))]
    assert _launched_texts(store) == ["TFL: v0", "TFL: v1", "TFL: v2"]
    assert _log(tmp_path) == ["v0", "v1", "v2"]
    again = sweep(store, flows.on_adsl)
    assert again.launched == [] and _log(tmp_path) == ["v0", "v1", "v2"]
    # the launched run names the version that triggered it
    for m in result.launched:
        doc = json.loads(store.backend.read_bytes(keys.triggered_by_key(m["run"])))
        assert doc["version"] == m["version"] and doc["trigger"] == flows.on_adsl.spec.name
        assert store.has_execution(m["run"])
        rec = store.record(m["run"], "TFL Reports", "tfl.txt")
        from flytekitplugins.artifacts.store.lineage import lineage_of

        assert lineage_of(store, rec)["upstream"]["triggered_by"]["version"] == m["version"]
    out = _cli("lineage", "TFL Reports", "tfl.txt", "-e", result.launched[0]["run"], env={"COLUMNS": "200"}).stdout
    assert f"launched by trigger {flows.on_adsl.spec.name} for ADaM/adsl.xpt of run {result.launched[0]['version']}" \
        in out


def _versions(store):
    from flytekitplugins.artifacts.store.versions import versions

    return versions(store, "ADaM")


def test_first_sweep_starts_from_now_unless_from_beginning(store, flows, tmp_path):
    flows.produce(text="old")
    assert sweep(store, flows.on_adsl).launched == []
    assert status(store, flows.on_adsl.spec)["pending"] == []
    other = flows.Trigger(on=flows.on_artifact(flows.ADaM, filename="adsl.xpt"), launch=flows.tfl_reports,
                          input="adsl", name="from-beginning")
    launched = sweep(store, other, from_beginning=True).launched
    assert [m["version"] for m in launched] == [_versions(store)[0]["execution_id"]]
    assert _log(tmp_path) == ["old"]


def test_max_launches_bounds_a_backlog(store, flows, tmp_path):
    for i in range(3):
        flows.produce(text=f"b{i}")
    first = sweep(store, flows.on_adsl, max_launches=2, from_beginning=True)
    assert len(first.launched) == 2 and first.pending == 1
    assert len(sweep(store, flows.on_adsl, max_launches=2).launched) == 1
    assert _log(tmp_path) == ["b0", "b1", "b2"]


def test_a_failed_run_is_recorded_against_its_entry(store, flows, tmp_path):
    sweep(store, flows.on_adsl)
    flows.produce(text="boom")
    flows.produce(text="fine")
    result = sweep(store, flows.on_adsl)
    assert len(result.failed) == 1 and "cannot report on 'boom'" in result.failed[0]["error"]
    assert len(result.launched) == 1
    rows = history(store, flows.on_adsl.spec)
    assert sorted(r["status"] for r in rows) == ["failed", "launched"]
    assert sweep(store, flows.on_adsl).failed == []  # recorded, not retried
    assert _log(tmp_path) == ["fine"]


def test_cli_list_and_run_once(store, flows, tmp_path):
    env = {"TRIGGER_LOG": str(tmp_path / "launched.log")}
    _cli("triggers", "run", "--once", FLOWS, env=env)
    flows.produce(text="c0")
    flows.produce(text="c1")
    listed = json.loads(_cli("triggers", "list", "--json", FLOWS, env=env).stdout)
    assert [r["name"] for r in listed] == [flows.on_adsl.spec.name]
    assert listed[0]["pending"] == [e["execution_id"] for e in reversed(_versions(store))]
    out = _cli("triggers", "run", "--once", FLOWS, env=env).stdout
    assert out.count("launched run") == 2 and "nothing new" not in out  # a loop says only what it did
    listed = json.loads(_cli("triggers", "list", "--json", FLOWS, env=env).stdout)
    assert listed[0]["pending"] == [] and listed[0]["last_version"] in {e["execution_id"] for e in _versions(store)}
    table = _cli("triggers", "list", FLOWS, env={**env, "COLUMNS": "80"}).stdout
    assert "ADaM" in table and max(len(line) for line in table.splitlines()) <= 80
    assert _log(tmp_path) == ["c0", "c1"]


def test_cli_bad_input(store, tmp_path):
    empty = tmp_path / "empty.py"
    empty.write_text("X = 1\n")
    proc = _cli("triggers", "list", str(empty), check=False)
    assert proc.returncode == 1 and "declare no Trigger" in proc.stderr
    proc = _cli("triggers", "run", "--once", str(tmp_path / "missing.py"), check=False)
    assert proc.returncode == 1 and "missing.py" in proc.stderr and "not a Python file" in proc.stderr
    proc = _cli("triggers", "run", "--once", "--interval", "soon", FLOWS, check=False)
    assert proc.returncode == 2 and "'soon' is not a duration" in proc.stderr
    proc = _cli("triggers", "run", "--once", "--max-launches", "0", FLOWS, check=False)
    assert proc.returncode == 2 and "--max-launches" in proc.stderr


def test_declaration_errors(flows):
    from flytekitplugins.artifacts.ops.trigger_ledger import TriggerError

    with pytest.raises(TriggerError, match="has no input 'nope'.*adsl, title"):
        flows.Trigger(on=flows.on_artifact(flows.ADaM, filename="adsl.xpt"), launch=flows.tfl_reports, input="nope")
    with pytest.raises(TriggerError, match="its inputs title have no default"):
        flows.Trigger(on=flows.on_artifact(flows.ADaM, filename="adsl.xpt"), launch=flows.tfl_strict, input="adsl")
    with pytest.raises(TriggerError, match="needs a workflow or a launch plan"):
        flows.Trigger(on=flows.on_artifact(flows.ADaM, filename="adsl.xpt"), launch=flows.render, input="adsl")
    with pytest.raises(TriggerError, match="needs on_artifact"):
        flows.Trigger(on="ADaM", launch=flows.tfl_reports, input="adsl")
    with pytest.raises(ValueError, match="has no partition key 'study'.*none"):
        flows.on_artifact(flows.ADaM, filename="adsl.xpt", partitions={"study": "x"})
    with pytest.raises(ValueError, match="trigger name 'a\\\\x1bb' is not usable"):
        flows.Trigger(on=flows.on_artifact(flows.ADaM, filename="adsl.xpt"), launch=flows.tfl_reports, input="adsl",
                      name="a\x1bb")
    with pytest.raises(ValueError, match="\\.\\."):
        flows.on_artifact(flows.ADaM, filename="..")


def test_two_sweepers_in_parallel_launch_each_of_20_versions_once(store, flows, tmp_path):
    env = {"TRIGGER_LOG": str(tmp_path / "launched.log")}
    for i in range(20):
        flows.produce(text=f"p{i:02d}")
    args = [CLI, "triggers", "run", "--once", "--from-beginning",
            "--max-launches", "50", "--json", FLOWS]
    full = {**os.environ, "PYTHONPATH": TESTS, **env}
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full)
             for _ in range(2)]
    outs = [p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    launched = [m["version"] for out, _ in outs for m in json.loads(out)["launched"]]
    assert sorted(launched) == sorted(e["execution_id"] for e in _versions(store))
    assert sorted(_log(tmp_path)) == [f"p{i:02d}" for i in range(20)]
    assert len(_launched_texts(store)) == 20


def test_a_sweeper_killed_between_claim_and_launch(store, flows, tmp_path):
    flows.produce(text="k0")
    marker = tmp_path / "claimed"
    full = {**os.environ, "PYTHONPATH": TESTS, "TRIGGER_LOG": str(tmp_path / "launched.log")}
    entry = kill_at(FLOWS, marker, full)
    spec = flows.on_adsl.spec
    assert not store.backend.exists(keys.trigger_launched_key(spec.name, entry))
    # within the lease, the claim holds: nothing is launched
    out = _cli("triggers", "run", "--once", FLOWS, env={"TRIGGER_LOG": full["TRIGGER_LOG"]}).stdout
    assert "nothing new" in out and _log(tmp_path) == []
    # once the lease is over, the next sweep launches it, once
    for _ in range(2):
        _cli("triggers", "run", "--once", "--lease", "0", FLOWS, env={"TRIGGER_LOG": full["TRIGGER_LOG"]})
    assert _log(tmp_path) == ["k0"]
    claims = store.backend.list_children(keys.trigger_entry_prefix(spec.name, entry))
    assert sorted(c for c in claims if c.startswith("claim-")) == ["claim-0000.json", "claim-0001.json"]


def test_a_damaged_ledger_is_one_clear_error_and_nothing_is_launched(store, flows, tmp_path):
    sweep(store, flows.on_adsl)
    key = keys.trigger_start_key(flows.on_adsl.spec.name)
    store.backend.write(key, b"{not json")
    flows.produce(text="d0")
    proc = _cli("triggers", "run", "--once", FLOWS, env={"TRIGGER_LOG": str(tmp_path / "launched.log")}, check=False)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1
    assert key in proc.stderr and "damaged" in proc.stderr and "Traceback" not in proc.stderr
    assert _log(tmp_path) == []


def test_run_with_an_interval_keeps_sweeping_until_interrupted(store, flows, tmp_path):
    log = tmp_path / "launched.log"
    env = {**os.environ, "PYTHONPATH": TESTS, "TRIGGER_LOG": str(log)}
    proc = subprocess.Popen([CLI, "triggers", "run", "--interval", "0.2s", FLOWS], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        while not store.backend.exists(keys.trigger_start_key(flows.on_adsl.spec.name)):
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        flows.produce(text="i0")
        while not log.exists():
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        flows.produce(text="i1")
        while len(store.backend.list_children(keys.trigger_settled_prefix(flows.on_adsl.spec.name))) < 2:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate()
    assert log.read_text().splitlines() == ["i0", "i1"]
    assert out.count("launched run") == 2 and "nothing new" not in out  # a loop says only what it did


def test_a_sweeper_killed_after_launched_before_the_run_starts(store, flows, tmp_path):
    """SIGKILL right after ``launched.json`` is written: the version is neither lost nor launched twice, and the
    take-over launches the run ``launched.json`` named."""
    flows.produce(text="g0")
    marker = tmp_path / "launched"
    log = str(tmp_path / "launched.log")
    full = {**os.environ, "PYTHONPATH": TESTS, "TRIGGER_LOG": log}
    entry = kill_at(FLOWS, marker, full, "launched")
    spec = flows.on_adsl.spec
    named = json.loads(store.backend.read_bytes(keys.trigger_launched_key(spec.name, entry)))["run"]
    assert not store.backend.exists(keys.trigger_started_key(spec.name, entry)) and _log(tmp_path) == []
    assert [h["status"] for h in history(store, spec)] == ["launching"]
    # within the lease the mark holds (its sweeper may still be starting the run)
    out = _cli("triggers", "run", "--once", FLOWS, env={"TRIGGER_LOG": log}).stdout
    assert "nothing new" in out and _log(tmp_path) == []
    # after it, one sweep takes over, once; two more find nothing
    outs = [_cli("triggers", "run", "--once", "--lease", "0", "--json", FLOWS, env={"TRIGGER_LOG": log}).stdout
            for _ in range(3)]
    launched = [m for out in outs for m in json.loads(out)["launched"]]
    assert [(m["run"], m["attempt"]) for m in launched] == [(named, 1)]
    assert _log(tmp_path) == ["g0"]
    assert store.has_execution(named)
    assert [h["status"] for h in history(store, spec)] == ["launched"]
    children = store.backend.list_children(keys.trigger_entry_prefix(spec.name, entry))
    assert sorted(c for c in children if c.startswith(("launched", "relaunch", "started"))) == [
        "launched.json", "relaunch-0001.json", "started.json"]
