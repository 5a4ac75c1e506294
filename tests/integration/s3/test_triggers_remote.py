"""``triggers run --remote``: runs launched through FlyteRemote, with a fake FlyteRemote class at that one boundary
(``tests/flows/fake_remote.py``); the store, the ledger, the config file and the CLI processes are real (moto S3)."""

import json
import os
import signal
import subprocess
import sys
import time

from flytekitplugins.artifacts.ops.trigger_ledger import TriggerSpec
from flytekitplugins.artifacts.ops.triggers import history
from flytekitplugins.artifacts.store import audit, keys
from flytekitplugins.artifacts.store.versions import versions

FLOWS = os.path.join(os.path.dirname(__file__), "..", "..", "flows", "remote_triggers.py")
CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
TESTS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NAME = "remote-tfl"


def _config(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("admin:\n  endpoint: dns:///flyte.example.org:443\n  insecure: false\n")
    return str(path)


def _env(tmp_path, **extra):
    return {**os.environ, "PYTHONPATH": TESTS, "FAKE_REMOTE_LOG": str(tmp_path / "remote.log"), **extra}


def _cli(tmp_path, *args, check=True, **extra):
    proc = subprocess.run([CLI, "triggers", "run", "--once", *args, FLOWS], capture_output=True, text=True,
                          env=_env(tmp_path, **extra))
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _calls(tmp_path):
    path = tmp_path / "remote.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _store():
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    return ArtifactStore()


def test_remote_launches_each_version_with_the_users_config(s3_root, tmp_path):
    from flows import triggers as flows

    store = _store()
    cfg = _config(tmp_path)
    remote = ["--remote", "--config", cfg, "--project", "clinical", "--domain", "production", "--version", "v7"]
    _cli(tmp_path, *remote)  # starts the trigger
    flows.produce(text="r0")
    flows.produce(text="r1")
    out = _cli(tmp_path, *remote, "--json").stdout
    launched = json.loads(out)["launched"]
    produced = [v["execution_id"] for v in reversed(versions(store, "ADaM"))]
    assert [m["version"] for m in launched] == produced
    calls = _calls(tmp_path)
    assert [c["inputs"]["adsl"] for c in calls] == [store.record(e, "ADaM", "adsl.xpt").uri for e in produced]
    assert all(c["inputs"]["adsl"].startswith(s3_root) for c in calls)
    assert {(c["endpoint"], c["entity"], c["project"], c["domain"], c["version"], c["wait"]) for c in calls} == {
        ("flyte.example.org:443", "flows.triggers.tfl_reports", "clinical", "production", "v7", False)}
    assert [c["execution_name"] for c in calls] == [m["run"] for m in launched]
    assert all(len(c["execution_name"]) <= 20 for c in calls)
    rows = history(store, TriggerSpec(**{**flows.on_adsl.spec.as_dict(), "name": NAME}))
    assert sorted(r["remote"]["name"] for r in rows) == sorted(m["run"] for m in launched)
    assert all(r["status"] == "launched" for r in rows)
    assert rows[0]["remote"]["url"].startswith("https://flyte.example.org:443/console/projects/clinical")
    assert versions(store, "TFL Reports") == []  # nothing ran locally
    entries = [e for e in audit.entries(store.backend) if e["action"] == "trigger launch"]
    assert sorted(e["target"]["remote"] for e in entries) == sorted(m["run"] for m in launched)
    assert _cli(tmp_path, *remote).stdout.strip() == f"{NAME}: nothing new" and len(_calls(tmp_path)) == 2


def test_a_launch_that_fails_is_kept_and_retried_not_lost(s3_root, tmp_path):
    from flows import triggers as flows

    store = _store()
    cfg = _config(tmp_path)
    _cli(tmp_path, "--remote", "--config", cfg)
    flows.produce(text="f0")
    proc = _cli(tmp_path, "--remote", "--config", cfg, check=False, FAKE_REMOTE_FAIL="1")
    assert proc.returncode == 1 and "the run did not start: ConnectionError: failed to connect" in proc.stderr
    entry = store.backend.list_children(keys.trigger_versions_prefix(NAME))[0]
    assert store.backend.exists(keys.trigger_launch_failed_key(NAME, entry, 0))
    assert not store.backend.exists(f"{keys.trigger_settled_prefix(NAME)}/{entry}")
    out = _cli(tmp_path, "--remote", "--config", cfg, "--json", FAKE_REMOTE_FAIL="1").stdout
    assert [m["attempt"] for m in json.loads(out)["launched"]] == [1]
    calls = _calls(tmp_path)
    assert [c.get("raised", False) for c in calls] == [True, False]
    assert calls[0]["execution_name"] == calls[1]["execution_name"]  # the same run, named once
    assert "nothing new" in _cli(tmp_path, "--remote", "--config", cfg).stdout and len(_calls(tmp_path)) == 2


def test_a_sweeper_killed_after_submitting_does_not_make_a_second_execution(s3_root, tmp_path):
    from flows import triggers as flows

    store = _store()
    cfg = _config(tmp_path)
    _cli(tmp_path, "--remote", "--config", cfg)
    flows.produce(text="h0")
    proc = subprocess.Popen([CLI, "triggers", "run", "--once", "--remote", "--config", cfg, FLOWS],
                            env=_env(tmp_path, FAKE_REMOTE_HANG="1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        while not _calls(tmp_path):
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    entry = store.backend.list_children(keys.trigger_versions_prefix(NAME))[0]
    assert not store.backend.exists(keys.trigger_started_key(NAME, entry))
    _cli(tmp_path, "--remote", "--config", cfg, "--lease", "0")
    calls = _calls(tmp_path)
    assert [c["existing"] for c in calls] == [False, True] and len({c["execution_name"] for c in calls}) == 1
    started = json.loads(store.backend.read_bytes(keys.trigger_started_key(NAME, entry)))
    assert started["remote"]["name"] == calls[0]["execution_name"] and started["attempt"] == 1


def test_remote_bad_input(s3_root, tmp_path):
    proc = _cli(tmp_path, "--project", "clinical", check=False)
    assert proc.returncode == 2 and "--project only apply with --remote" in proc.stderr
    proc = _cli(tmp_path, "--remote", "--config", str(tmp_path / "nope.yaml"), check=False)
    assert proc.returncode == 2 and "nope.yaml' is not a file" in proc.stderr
    proc = _cli(tmp_path, "--remote", "--project", "a\x1bb", check=False)
    assert proc.returncode == 2 and "is not usable" in proc.stderr
    local = {"FLYTE_ARTIFACTS_ROOT": str(tmp_path / "store")}
    proc = _cli(tmp_path, "--remote", check=False, **local)
    assert proc.returncode == 2 and "is a local folder" in proc.stderr and "s3://" in proc.stderr
    assert _calls(tmp_path) == []
