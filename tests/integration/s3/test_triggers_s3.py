"""Triggers on a store in S3 (the moto server over HTTP): the ledger's claims and marks are conditional puts."""

import json
import os
import subprocess
import sys

from flytekitplugins.artifacts.ops.triggers import history, sweep
from flytekitplugins.artifacts.store.versions import versions

FLOWS = os.path.join(os.path.dirname(__file__), "..", "..", "flows", "triggers.py")
CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
TESTS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _reports(store, tmp_path):
    """What each run of ``tfl_reports`` wrote, oldest first, fetched from the bucket."""
    out = []
    for i, v in enumerate(reversed(versions(store, "TFL Reports"))):
        dest = tmp_path / f"tfl-{i}.txt"
        store.download(store.record(v["execution_id"], "TFL Reports", "tfl.txt"), str(dest))
        out.append(dest.read_text())
    return out


def test_three_versions_in_s3_launch_three_runs_in_order(s3_root, tmp_path, monkeypatch):
    from flows import triggers as flows

    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    monkeypatch.setenv("TRIGGER_LOG", str(tmp_path / "launched.log"))
    store = ArtifactStore()
    assert store.root == s3_root
    sweep(store, flows.on_adsl)
    for i in range(3):
        flows.produce(text=f"s{i}")
    result = sweep(store, flows.on_adsl)
    assert [m["version"] for m in result.launched] == [v["execution_id"] for v in reversed(versions(store, "ADaM"))]
    assert _reports(store, tmp_path) == ["TFL: s0", "TFL: s1", "TFL: s2"]
    assert sweep(store, flows.on_adsl).launched == []
    assert [h["status"] for h in history(store, flows.on_adsl.spec)] == ["launched"] * 3


def test_two_sweepers_on_s3_launch_each_version_once(s3_root, tmp_path, monkeypatch):
    from flows import triggers as flows

    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    store = ArtifactStore()
    for i in range(20):
        flows.produce(text=f"q{i:02d}")
    log = tmp_path / "launched.log"
    env = {**os.environ, "PYTHONPATH": TESTS, "TRIGGER_LOG": str(log)}
    args = [CLI, "triggers", "run", "--once", "--from-beginning", "--max-launches", "50", "--json", FLOWS]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    outs = [p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    launched = [m["version"] for out, _ in outs for m in json.loads(out)["launched"]]
    assert sorted(launched) == sorted(v["execution_id"] for v in versions(store, "ADaM"))
    assert sorted(log.read_text().splitlines()) == [f"q{i:02d}" for i in range(20)]


def test_a_sweeper_killed_between_claim_and_launch_on_s3(s3_root, tmp_path):
    from flows import triggers as flows
    from flows.killed_sweeper import kill_at

    from flytekitplugins.artifacts.store import keys
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    store = ArtifactStore()
    flows.produce(text="k0")
    marker, log = tmp_path / "claimed", tmp_path / "launched.log"
    env = {**os.environ, "PYTHONPATH": TESTS, "TRIGGER_LOG": str(log)}
    entry = kill_at(FLOWS, marker, env)
    name = flows.on_adsl.spec.name
    assert not store.backend.exists(keys.trigger_launched_key(name, entry))
    for _ in range(2):
        subprocess.run([CLI, "triggers", "run", "--once", "--lease", "0", FLOWS], env=env, check=True,
                       capture_output=True)
    assert log.read_text().splitlines() == ["k0"]
    assert store.backend.exists(keys.trigger_launched_key(name, entry))


def test_a_partition_filter_on_s3_ignores_other_partitions(s3_root, tmp_path, monkeypatch):
    from flows import partition_triggers as flows

    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    log = tmp_path / "launched.log"
    monkeypatch.setenv("TRIGGER_LOG", str(log))
    store = ArtifactStore()
    sweep(store, flows.on_mini01)
    flows.study_sites(study="OTHER", site="A", text="o")
    flows.study_sites(study="MINI01", site="B", text="m")
    flows.study_sites(study="MINI010", site="B", text="m10")
    launched = sweep(store, flows.on_mini01).launched
    assert len(launched) == 1 and log.read_text().splitlines() == ["mini01:m"]
    rec = store.record(launched[0]["version"], "Trial Sites", "site.csv")
    assert rec.partitions == {"study": "MINI01", "site": "B"}
    assert sweep(store, flows.on_mini01).launched == []
