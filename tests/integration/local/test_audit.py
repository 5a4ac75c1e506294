"""The audit trail end to end: real runs and CLI processes append entries, `audit` lists and verifies them, eight
writer processes at once never fork or lose the chain (on a local folder and on S3)."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from flytekitplugins.artifacts.store import audit as chain
from flytekitplugins.artifacts.store.keys import audit_entry_key

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
on_each_backend = pytest.mark.parametrize("store", ["local", pytest.param("s3", marks=pytest.mark.s3)], indirect=True)


def cli(*args, ok=True):
    r = subprocess.run([CLI, *args], capture_output=True, text=True, env=dict(os.environ), timeout=180)
    if ok:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def trail():
    return json.loads(cli("audit", "--json").stdout)


def test_every_change_appends_an_entry_with_who_what_and_sha256(tmp_path):
    from flows import core

    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    core.training(text="first")
    core.training(text="second")
    store = ArtifactStore()
    first, second = [r["execution_id"] for r in reversed(store.executions())]
    first_records = store.records(first)
    entries = trail()
    assert [e["action"] for e in entries] == ["record", "record"]
    recorded = {(o["artifact"], o["filename"]): o["sha256"] for o in entries[0]["objects"]}
    assert recorded == {(r.artifact, r.filename): r.sha256 for r in first_records}
    assert entries[0]["target"]["execution"] == first and entries[0]["target"]["status"] == "succeeded"

    cli("tag", "My Model", "approved", "--execution", first, "--reason", "QC passed")
    cli("untag", "My Model", "approved", "--reason", "superseded")
    cli("datasets", "create", "models", "--uri", str(tmp_path / "ds" / "models"), "--reason", "for submission")
    cli("export", "-a", "My Model", "-d", "models", "--execution", first)
    cli("export", "-a", "My Model", "-d", "models", "--execution", second)
    cli("datasets", "prune", "models", "--keep-last", "1", "--reason", "old snapshot")
    cli("prune", "--keep-last", "1", "--reason", "keep one")
    cli("gc", "--grace", "0s", "--reason", "free space")
    cli("prune", "--keep-last", "1", "--dry-run")  # a dry run changes nothing: no entry
    entries = trail()
    assert [e["action"] for e in entries] == ["record", "record", "tag", "untag", "datasets create", "datasets export",
                                              "datasets export", "datasets prune", "prune", "gc"]
    tag = entries[2]
    assert tag["reason"] == "QC passed" and tag["target"]["execution"] == first
    assert {o["sha256"] for o in tag["objects"]} == {r.sha256 for r in first_records if r.artifact == "My Model"}
    assert entries[5]["objects"][0]["sha256"] == tag["objects"][0]["sha256"]
    assert "reason" not in entries[5]
    assert entries[8]["target"] == {} and entries[8]["reason"] == "keep one"
    assert any(o["kind"] == "run" and first in o["where"] for o in entries[8]["objects"])
    assert all(e["who"]["user"] for e in entries)
    assert [e["seq"] for e in entries] == list(range(1, 11))

    r = cli("audit", "--verify")
    assert "audit trail unbroken: 10 entries" in r.stdout
    by_artifact = json.loads(cli("audit", "--artifact", "My Model", "--json").stdout)
    assert [e["action"] for e in by_artifact] == ["record", "record", "tag", "untag", "datasets export",
                                                  "datasets export"]
    assert json.loads(cli("audit", "--since", "2999-01-01", "--json").stdout) == []
    assert len(json.loads(cli("audit", "--since", "1h", "--json").stdout)) == 10
    table = cli("audit").stdout
    assert "QC passed" in table and all(len(line) <= 80 for line in table.splitlines())


def test_audit_verify_names_the_first_entry_changed_and_exits_1():
    from flows import core

    core.training(text="a")
    cli("tag", "My Model", "v1", "--latest", "--reason", "first")
    cli("tag", "My Model", "v2", "--latest")
    path = os.path.join(os.environ["FLYTE_ARTIFACTS_ROOT"], audit_entry_key(2))
    os.chmod(path, 0o644)
    doc = json.loads(open(path).read())
    doc["reason"] = "edited later"
    with open(path, "w") as f:
        json.dump(doc, f, sort_keys=True, separators=(",", ":"))
    r = cli("audit", "--verify", ok=False)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [r.stderr.strip()]  # one line
    assert "entry 2" in r.stderr and "changed" in r.stderr
    r = cli("audit", "--verify", "--json", ok=False)
    assert r.returncode == 1 and json.loads(r.stdout)["first_bad_entry"] == 2


def test_bad_input_is_refused_with_one_line_and_nothing_written():
    from flows import core

    core.training(text="a")
    before = trail()
    r = cli("audit", "--since", "last tuesday", ok=False)
    assert r.returncode == 1 and "--since 'last tuesday'" in r.stderr and "7d" in r.stderr
    for bad in ("", "   ", "two\nlines", "bell\x07", "x" * 2001):
        r = cli("tag", "My Model", "v1", "--latest", "--reason", bad, ok=False)
        assert r.returncode == 2 and "--reason" in r.stderr, (bad, r.stderr)
    assert trail() == before
    assert cli("versions", "My Model", "--json").stdout.count('"tags": []') == 1  # no tag was set


def test_an_empty_store_has_an_empty_trail_and_a_missing_root_is_an_error(tmp_path):
    os.makedirs(os.environ["FLYTE_ARTIFACTS_ROOT"])
    assert trail() == []
    assert "0 entries" in cli("audit", "--verify").stdout
    r = cli("--root", str(tmp_path / "nowhere"), "audit", ok=False)
    assert r.returncode == 1 and "nowhere" in r.stderr


WRITER = textwrap.dedent("""
    import sys
    from flytekitplugins.artifacts.store import audit
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    backend = ArtifactStore(sys.argv[1]).backend
    for i in range(int(sys.argv[3])):
        audit.append(backend, "tag", artifact="A", tag=f"{sys.argv[2]}-{i}")
""")


@on_each_backend
def test_eight_writers_at_once_never_fork_or_lose_the_chain(store, tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    if store.backend.scheme == "file":
        os.makedirs(store.root, exist_ok=True)
    per_writer = 6
    procs = [subprocess.Popen([sys.executable, str(script), store.root, f"w{n}", str(per_writer)],
                              env=dict(os.environ), stderr=subprocess.PIPE) for n in range(8)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    entries = list(chain.entries(store.backend))
    assert [e["seq"] for e in entries] == list(range(1, 8 * per_writer + 1))
    assert sorted(e["target"]["tag"] for e in entries) == sorted(
        f"w{n}-{i}" for n in range(8) for i in range(per_writer))
    report = chain.verify_chain(store.backend)
    assert report.ok, report.problem
    assert report.entries == 8 * per_writer


def test_verify_repair_appends_what_it_restored_and_a_clean_verify_appends_nothing(filled):
    store, rec, ds, snap_file = filled
    actions = [e["action"] for e in trail()]
    assert actions == ["datasets create", "datasets export"]
    path = rec.uri  # the store's own copy of the bytes, on this machine
    os.chmod(path, 0o644)
    with open(path, "wb") as f:
        f.write(b"damaged")
    r = cli("verify", "--repair", "--reason", "disk error", ok=False)
    assert r.returncode == 0, r.stdout + r.stderr
    repair = trail()[-1]
    assert repair["action"] == "repair" and repair["reason"] == "disk error"
    assert [o["where"] for o in repair["objects"]] == [rec.uri] and repair["objects"][0]["kind"] == "damaged-bytes"
    cli("verify", "--repair")
    assert len(trail()) == 3
    assert "unbroken: 3 entries" in cli("audit", "--verify").stdout
