"""Triggers narrowed by partitions and by a tag, with real runs: versions outside the filter never launch."""

import json
import os
import subprocess
import sys

import pytest

from flytekitplugins.artifacts.ops.triggers import status, stored, sweep
from flytekitplugins.artifacts.store.versions import set_tag, versions

FLOWS = os.path.join(os.path.dirname(__file__), "..", "..", "flows", "partition_triggers.py")
CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
TESTS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture
def flows(monkeypatch, tmp_path):
    from flows import partition_triggers

    monkeypatch.setenv("TRIGGER_LOG", str(tmp_path / "launched.log"))
    return partition_triggers


def _log(tmp_path):
    path = tmp_path / "launched.log"
    return path.read_text().splitlines() if path.exists() else []


def _run_of(store, text):
    """The run of ``study_sites`` that recorded ``text``."""
    for v in versions(store, "Trial Sites"):
        rec = store.record(v["execution_id"], "Trial Sites", "site.csv")
        with open(rec.uri) as f:
            if f.read() == text:
                return v["execution_id"]
    raise AssertionError(f"no version holds {text!r}")


def test_versions_in_other_partitions_never_launch(store, flows, tmp_path):
    for trig in (flows.on_mini01, flows.on_mini01_site_a):
        sweep(store, trig)
    flows.study_sites(study="MINI01", site="A", text="m-a")
    flows.study_sites(study="OTHER", site="A", text="o-a")
    flows.study_sites(study="MINI01", site="B", text="m-b")
    flows.study_sites(study="MINI010", site="A", text="m10-a")  # a value that starts like the wanted one
    assert status(store, flows.on_mini01.spec)["pending"] == [_run_of(store, "m-a"), _run_of(store, "m-b")]
    one = sweep(store, flows.on_mini01)
    assert [m["version"] for m in one.launched] == [_run_of(store, "m-a"), _run_of(store, "m-b")]
    two = sweep(store, flows.on_mini01_site_a)
    assert [m["version"] for m in two.launched] == [_run_of(store, "m-a")]
    assert _log(tmp_path) == ["mini01:m-a", "mini01:m-b", "mini01-a:m-a"]
    flows.study_sites(study="OTHER", site="A", text="o-a2")
    assert sweep(store, flows.on_mini01).launched == [] and sweep(store, flows.on_mini01_site_a).launched == []
    assert len(_log(tmp_path)) == 3
    kept = {t["name"]: t["partitions"] for t in stored(store)}
    assert kept[flows.on_mini01.spec.name] == {"study": "MINI01"}
    assert kept[flows.on_mini01_site_a.spec.name] == {"site": "A", "study": "MINI01"}


def test_a_tag_filter_launches_only_the_tagged_version(store, flows, tmp_path):
    sweep(store, flows.on_approved)
    flows.study_sites(study="MINI01", site="A", text="t0")
    flows.study_sites(study="MINI01", site="A", text="t1")
    assert sweep(store, flows.on_approved).launched == []  # nothing tagged yet
    set_tag(store, "Trial Sites", "approved", _run_of(store, "t0"))
    launched = sweep(store, flows.on_approved).launched
    assert [m["version"] for m in launched] == [_run_of(store, "t0")]
    assert _log(tmp_path) == ["approved:t0"]
    assert sweep(store, flows.on_approved).launched == []


def test_cli_lists_and_sweeps_a_partitioned_trigger(store, flows, tmp_path):
    env = {**os.environ, "PYTHONPATH": TESTS, "TRIGGER_LOG": str(tmp_path / "launched.log"), "COLUMNS": "80"}

    def cli(*args, columns="80"):
        proc = subprocess.run([CLI, "triggers", *args, FLOWS], capture_output=True, text=True,
                              env={**env, "COLUMNS": columns})
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    cli("run", "--once")
    flows.study_sites(study="MINI01", site="A", text="c-a")
    flows.study_sites(study="OTHER", site="B", text="c-b")
    rows = {r["name"]: r for r in json.loads(cli("list", "--json"))}
    assert rows[flows.on_mini01.spec.name]["partitions"] == {"study": "MINI01"}
    assert rows[flows.on_mini01.spec.name]["pending"] == [_run_of(store, "c-a")]
    assert max(len(line) for line in cli("list").splitlines()) <= 80
    assert "Trial Sites/site.csv [site=A, study=MINI01]" in cli("list", columns="200")
    cli("run", "--once")
    assert sorted(_log(tmp_path)) == ["mini01-a:c-a", "mini01:c-a"]


def test_partition_filter_errors(flows):
    with pytest.raises(ValueError, match="has no partition key 'region'.*its partition keys: study, site"):
        flows.on_artifact(flows.Sites, filename="site.csv", partitions={"region": "EU"})
    with pytest.raises(ValueError, match="partition 'study' has an empty value"):
        flows.on_artifact(flows.Sites, filename="site.csv", partitions={"study": " "})
    with pytest.raises(TypeError, match="partitions must be a mapping"):
        flows.on_artifact(flows.Sites, filename="site.csv", partitions="study=MINI01")
    with pytest.raises(ValueError, match="non-printable.*U\\+001B"):
        flows.on_artifact(flows.Sites, filename="site.csv", partitions={"study": "a\x1b[31m"})
