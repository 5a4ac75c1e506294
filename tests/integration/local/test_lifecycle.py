"""prune, datasets prune and gc: each deletion rule (kept, tagged, referenced by a snapshot, in flight) on a local
folder and on S3, and a killed prune or gc leaving a store that verifies (on both)."""

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from flytekitplugins.artifacts.backends import blob_key
from flytekitplugins.artifacts.errors import ArtifactNotFoundError, ArtifactValueError
from flytekitplugins.artifacts.ops.datasets import DatasetCatalog, ExportItem
from flytekitplugins.artifacts.ops.lifecycle import (
    collect_garbage,
    load_policy,
    parse_duration,
    prune_runs,
    prune_snapshots,
)
from flytekitplugins.artifacts.ops.verify import verify_store
from flytekitplugins.artifacts.store import versions
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record
from flytekitplugins.artifacts.store.identity import utc_now

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
DAY = 86400
# The tests that take `store` run on a local folder and on S3 (the moto server).
on_each_backend = pytest.mark.parametrize("store", ["local", pytest.param("s3", marks=pytest.mark.s3)], indirect=True)


def record(store, tmp_path, eid, data, artifact="My Data", filename="data.csv", workflow="wf.a", pending=False):
    src = tmp_path / "src" / f"{eid}-{artifact}-{filename}"
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_bytes(data)
    uri, size, sha = store.put_local_file(str(src))
    rec = Record(execution_id=eid, project="p", domain="d", workflow=workflow, node_id="n0", task="t", output_name="o0",
                 artifact=artifact, type="DATA", filename=filename, file_type="csv", uri=uri, size=size, sha256=sha,
                 created_at=utc_now())
    out = store.add_record(rec, pending=pending)
    time.sleep(0.002)  # distinct created_at, so "newest" is well defined
    return out


def run_ids(store):
    return [r["execution_id"] for r in store.executions(include_all=True)]


def blob_exists(store, sha):
    return store.backend.exists(blob_key(sha))


@on_each_backend
def test_keep_last_keeps_the_newest_per_workflow_running_runs_and_tagged_versions(store, tmp_path):
    recs = {eid: record(store, tmp_path, eid, f"bytes {eid}".encode()) for eid in ("e1", "e2", "e3", "e4")}
    record(store, tmp_path, "b1", b"other workflow", workflow="wf.b")
    versions.set_tag(store, "My Data", "approved", "e1")
    record(store, tmp_path, "r1", b"in flight", pending=True)  # still running
    out = prune_runs(store, keep_last=2)
    assert sorted(r.where for r in out.removed if r.kind == "run") == ["e2"]
    assert set(run_ids(store)) == {"e1", "e3", "e4", "b1", "r1"}
    kept = dict(out.kept)
    assert kept["r1"] == "running" and kept["e1/My%20Data"].startswith("tagged approved")
    # The pruned run is gone from every listing, and its record and index entries with it.
    assert "e2" not in [e["execution_id"] for e in store.executions()]
    assert [r.execution_id for r in store.records(artifact="My Data")] == ["b1", "e4", "e3", "e1"]
    assert not store.backend.list("executions/e2")
    assert all("e2" not in k for k in store.backend.list("index"))
    # The bytes stay until gc, and gc frees only those: e1 (tagged) keeps its bytes.
    assert blob_exists(store, recs["e2"].sha256)
    freed = collect_garbage(store, grace=0)
    assert [r.where for r in freed.removed if r.kind == "blob"] == [store.backend.uri(blob_key(recs["e2"].sha256))]
    assert freed.bytes_freed == recs["e2"].size
    assert not blob_exists(store, recs["e2"].sha256) and blob_exists(store, recs["e1"].sha256)
    assert verify_store(store).ok
    # With --include-tagged the tagged version goes too, and so does its tag.
    out = prune_runs(store, keep_last=2, include_tagged=True)
    assert [r.where for r in out.removed if r.kind == "run"] == ["e1"]
    assert versions.tags(store, "My Data") == {}
    assert verify_store(store).ok


@on_each_backend
def test_older_than_and_workflow_and_dry_run(store, tmp_path):
    for eid in ("e1", "e2"):
        record(store, tmp_path, eid, eid.encode())
    record(store, tmp_path, "b1", b"b1", workflow="wf.b")
    assert prune_runs(store, older_than=30 * DAY).removed == []
    later = time.time() + 31 * DAY
    dry = prune_runs(store, older_than=30 * DAY, workflow="wf.a", dry_run=True, now=later)
    assert sorted(r.where for r in dry.removed) == ["e1", "e2"] and set(run_ids(store)) == {"e1", "e2", "b1"}
    prune_runs(store, older_than=30 * DAY, workflow="wf.a", now=later)
    assert run_ids(store) == ["b1"]
    assert verify_store(store).ok


@on_each_backend
def test_artifact_prunes_only_that_artifacts_files(store, tmp_path):
    for eid in ("e1", "e2"):
        record(store, tmp_path, eid, f"data {eid}".encode())
        record(store, tmp_path, eid, f"model {eid}".encode(), artifact="My Model", filename="model.pt")
    out = prune_runs(store, keep_last=1, artifact="My Model")
    assert [r.kind for r in out.removed] == ["record"]
    assert [(r.execution_id, r.artifact) for r in store.records("e1")] == [("e1", "My Data")]
    assert len(store.records("e2")) == 2
    assert [r.execution_id for r in store.records(artifact="My Model")] == ["e2"]
    assert verify_store(store).ok


@on_each_backend
def test_gc_keeps_bytes_of_a_run_in_progress_and_removes_stale_temp_files(store, tmp_path):
    src = tmp_path / "in-flight.bin"
    src.write_bytes(b"a run is writing these; its record comes next")
    _, _, sha = store.put_local_file(str(src))  # the bytes are kept, the record not yet written
    out = collect_garbage(store)  # default grace period
    assert blob_exists(store, sha) and out.removed == []
    assert any("grace" in why for _, why in out.kept)
    if store.backend.scheme == "file":
        stale = os.path.join(store.root, "blobs", "sha256", ".tmp-deadbeef")
        fresh = os.path.join(store.root, "blobs", "sha256", ".tmp-cafebabe")
        for p in (stale, fresh):
            open(p, "wb").write(b"half a write")
        os.utime(stale, (time.time() - 7200,) * 2)
        out = collect_garbage(store)
        assert [r.where for r in out.removed] == [stale] and os.path.exists(fresh)
    else:
        store.backend.client.put_object(Bucket=store.backend.bucket, Key="store/tmp/.tmp-old", Body=b"x")
        out = collect_garbage(store)
        assert out.removed == []  # an hour has not passed
        assert [r.kind for r in collect_garbage(store, grace=0).removed] == ["blob"]


@on_each_backend
def test_gc_of_a_store_without_kept_bytes_reads_no_record(store, monkeypatch):
    """Cluster runs record the objects their tasks uploaded: with no stored bytes, gc needs its listing alone."""
    for i in range(5):
        store.add_record(Record(
            execution_id=f"pod-{i}", project="p", domain="d", workflow="wf", node_id="n0", task="t", output_name="o0",
            artifact="A", type="DATA", filename="f.csv", file_type="csv", uri=f"s3://elsewhere/run{i}/f.csv", size=1,
            sha256="0" * 64, created_at=utc_now()))
    reads = []
    real = store.backend.read_bytes
    monkeypatch.setattr(store.backend, "read_bytes", lambda key: reads.append(key) or real(key))
    out = collect_garbage(store, grace=0)
    assert out.removed == [] and not [k for k in reads if "/records/" in k]
    assert len(store.records()) == 5


def test_reused_old_bytes_are_refreshed_so_gc_leaves_them_to_the_new_record(tmp_path):
    store = ArtifactStore()
    first = record(store, tmp_path, "e1", b"shared bytes")
    prune_runs(store, keep_last=0)
    os.utime(first.uri, (time.time() - 7200,) * 2)  # unreferenced and old: gc would take it
    record(store, tmp_path, "e2", b"shared bytes")  # a new run reuses the kept copy
    assert collect_garbage(store).removed == []
    assert blob_exists(store, first.sha256) and verify_store(store).ok


def dataset_with_snapshots(store, tmp_path, ds_uri, n=3):
    catalog = DatasetCatalog(store)
    ds = catalog.create("clean", ds_uri)
    for i in range(1, n + 1):
        rec = record(store, tmp_path, f"x{i}", f"snapshot {i}".encode())
        catalog.export(ds, [ExportItem("data.csv", rec)], run_key=f"r{i}", source={"execution_id": f"x{i}"})
    return catalog, ds


@on_each_backend
def test_datasets_prune_keeps_the_latest_and_what_kept_snapshots_need(store, tmp_path, ds_uri):
    catalog, ds = dataset_with_snapshots(store, tmp_path, ds_uri)
    out = prune_snapshots(catalog, "clean", keep_last=1)
    assert [r.where for r in out.removed] == ["clean snapshot 2", "clean snapshot 1"]
    assert [s.number for s in catalog.snapshots(ds)] == [3]
    dest = tmp_path / "got.csv"
    catalog.download(ds, "data.csv", str(dest))
    assert dest.read_bytes() == b"snapshot 3"
    from flytekitplugins.artifacts.backends import open_backend

    left = open_backend(ds.uri).list("")
    assert left == ["latest", "snapshots/3.json", "snapshots/3/data.csv"]
    # older-than never removes the newest, even when it is old.
    assert prune_snapshots(catalog, "clean", older_than=1, now=time.time() + DAY).removed == []
    with pytest.raises(ArtifactValueError):
        prune_snapshots(catalog, "clean", keep_last=0)
    # Pruning the runs the snapshot came from leaves the snapshot whole: it holds its own copies.
    prune_runs(store, keep_last=0)
    collect_garbage(store, grace=0)
    catalog.download(ds, "data.csv", str(dest))
    assert dest.read_bytes() == b"snapshot 3" and verify_store(store).ok


@on_each_backend
def test_gc_removes_files_no_manifest_names_but_not_an_export_in_flight(store, tmp_path, ds_uri):
    from flytekitplugins.artifacts.backends import open_backend

    catalog, ds = dataset_with_snapshots(store, tmp_path, ds_uri, n=1)
    target = open_backend(ds.uri)
    target.write("snapshots/9/orphan.csv", b"an export that died")
    out = collect_garbage(store)
    assert target.exists("snapshots/9/orphan.csv") and out.removed == []
    out = collect_garbage(store, grace=0)
    assert [r.kind for r in out.removed] == ["dataset-file"]
    assert not target.exists("snapshots/9/orphan.csv") and target.exists("snapshots/1/data.csv")
    assert verify_store(store).ok


@on_each_backend
def test_a_retried_export_refreshes_the_files_its_dead_attempt_left(store, tmp_path, ds_uri, monkeypatch):
    """A file a died attempt left is reused by the retry, and made young again so gc leaves it to the manifest."""
    from flytekitplugins.artifacts.backends import open_backend
    from flytekitplugins.artifacts.backends.s3 import upload as s3_import

    monkeypatch.setattr(s3_import, "REFRESH_AFTER_SECONDS", 0)  # the attempt died "long ago"
    catalog = DatasetCatalog(store)
    ds = catalog.create("clean", ds_uri)
    rec = record(store, tmp_path, "x1", b"exported twice")
    catalog._reserve(ds.id, "r1")
    target = open_backend(ds.uri)
    target.write("snapshots/1/data.csv", b"exported twice")  # the dead attempt got this far
    time.sleep(2.1)  # object stores keep modification times to the second
    before = list_files_by_key(target)["snapshots/1/data.csv"]
    snap = catalog.export(ds, [ExportItem("data.csv", rec)], run_key="r1", source={}).snapshot
    assert snap.number == 1
    assert before >= 1.0 and list_files_by_key(target)["snapshots/1/data.csv"] < before - 1.0
    assert collect_garbage(store, grace=1.0).removed == []
    assert verify_store(store).ok


def list_files_by_key(backend):
    from flytekitplugins.artifacts.ops.lifecycle.objects import list_files

    return {f.key: f.age for f in list_files(backend, "snapshots")}


def test_policy_in_config_json(tmp_path):
    store = ArtifactStore()
    for eid in ("e1", "e2", "e3"):
        record(store, tmp_path, eid, eid.encode())
    with pytest.raises(ArtifactValueError, match="config.json"):
        load_policy(store)
    store.backend.write("config.json", json.dumps({"retention": {"runs": {"keep_last": 1}}}).encode())
    r = subprocess.run([CLI, "prune", "--policy", "--json"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert [x["where"] for x in json.loads(r.stdout)["removed"]] == ["e2", "e1"]
    store.backend.write("config.json", json.dumps({"retention": {"runs": {"keep_last": "x"}}}).encode())
    with pytest.raises(ArtifactValueError, match="keep_last"):
        load_policy(store)


def test_durations_and_usage_errors(tmp_path, artifacts_root):
    os.makedirs(artifacts_root)  # an empty store: the errors below are about the options
    assert parse_duration("30d") == 30 * DAY and parse_duration("90m") == 5400
    with pytest.raises(ArtifactValueError, match="30d"):
        parse_duration("30 days")
    r = subprocess.run([CLI, "prune"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "--keep-last" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([CLI, "prune", "--older-than", "soon"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "not a duration" in r.stderr
    with pytest.raises(ArtifactNotFoundError):
        prune_snapshots(DatasetCatalog(ArtifactStore()), "nope", keep_last=1)


def test_cli_prints_what_it_removed_and_bytes_freed(tmp_path):
    store = ArtifactStore()
    for eid in ("e1", "e2"):
        record(store, tmp_path, eid, eid.encode() * 100)
    r = subprocess.run([CLI, "prune", "--keep-last", "1"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "pruned 1 item(s)" in r.stdout and "gc" in r.stdout
    r = subprocess.run([CLI, "gc", "--grace", "0s", "--json"], capture_output=True, text=True, timeout=60)
    assert json.loads(r.stdout)["bytes_freed"] == 200


KILL_SCRIPT = """
import sys
from flytekitplugins.artifacts.ops.lifecycle import collect_garbage, prune_runs, prune_snapshots
from flytekitplugins.artifacts.ops.datasets import DatasetCatalog
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
from flytekitplugins.artifacts.backends.local.backend import LocalBackend
from flytekitplugins.artifacts.backends.s3.backend import S3Backend

def announcing(delete):
    said = []

    def first_delete_said(self, key):
        if not said:
            said.append(print("deleting", flush=True))
        return delete(self, key)

    return first_delete_said

for cls in (LocalBackend, S3Backend):
    cls.delete = announcing(cls.delete)
s = ArtifactStore()
print("go", flush=True)
if sys.argv[1] == "prune":
    prune_runs(s, keep_last=1)
elif sys.argv[1] == "snapshots":
    prune_snapshots(DatasetCatalog(s), "clean", keep_last=1)
else:
    collect_garbage(s, grace=0)
"""


@pytest.mark.parametrize("what", ["prune", "gc", "snapshots"])
@on_each_backend
def test_a_killed_prune_or_gc_leaves_a_store_that_verifies(what, store, tmp_path):
    rng = random.Random(11)
    # On S3 each step is a request to the server: the kill is spread over a longer time.
    window = 0.05 if store.backend.scheme == "file" else 0.3
    for attempt in range(4):
        for i in range(40):
            record(store, tmp_path, f"k{attempt}-{i:02d}", f"{attempt} {i}".encode(),
                   artifact=("A", "B")[i % 2], filename=f"f{i % 3}.csv")
        if what == "gc":
            prune_runs(store, keep_last=1)
        if what == "snapshots" and attempt == 0:
            dataset_with_snapshots(store, tmp_path, str(tmp_path / "ds"), n=12)
        elif what == "snapshots":
            catalog = DatasetCatalog(store)
            for j in range(6):
                rec = store.records(f"k{attempt}-{j:02d}")[0]
                catalog.export("clean", [ExportItem("data.csv", rec)], run_key=f"k{attempt}{j}", source={})
        proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, what], stdout=subprocess.PIPE)
        assert proc.stdout.readline() == b"go\n"
        if store.backend.scheme == "s3":
            # Reading the store takes most of the time there: kill once the removing has begun (or it is over).
            assert proc.stdout.readline() in (b"deleting\n", b"")
        time.sleep(rng.uniform(0.0, window))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        report = verify_store(store)
        assert report.ok, [p.as_dict() for p in report.problems]
    # The next run finishes the job.
    subprocess.run([sys.executable, "-c", KILL_SCRIPT, what], check=True, stdout=subprocess.DEVNULL)
    assert verify_store(store).ok


def test_gc_takes_the_age_of_a_hard_link_not_of_the_old_bytes_it_names(store, tmp_path, ds_uri):
    """export --hard-link of bytes recorded long ago: the new dataset file is young, whatever its inode's mtime."""
    from flytekitplugins.artifacts.backends import open_backend

    catalog = DatasetCatalog(store)
    ds = catalog.create("clean", ds_uri)
    rec = record(store, tmp_path, "x1", b"recorded an hour ago")
    hour_ago = time.time() - 3600
    os.utime(rec.uri, (hour_ago, hour_ago))
    target = open_backend(ds.uri)
    in_flight = os.path.join(ds.uri, "snapshots", "1", "data.csv")
    os.makedirs(os.path.dirname(in_flight))
    os.link(rec.uri, in_flight)  # an export linking the file, its manifest not written yet
    assert os.stat(in_flight).st_mtime < time.time() - 3000
    assert list_files_by_key(target)["snapshots/1/data.csv"] < 60
    out = collect_garbage(store, grace=600)
    assert os.path.exists(in_flight) and out.removed == []
    assert target.remove_if_older("snapshots/1/data.csv", 600) is False and os.path.exists(in_flight)
    # The store's own copy is not removed either: a record names it.
    assert os.path.exists(rec.uri)


@pytest.mark.parametrize("artifact", [None, "My Data"])
def test_a_prune_whose_deletes_partly_fail_is_never_resurrected(store, tmp_path, monkeypatch, artifact):
    """A batch delete that fails for one key (S3 answers 200 with per-key errors): prune says so, the pruned
    version never comes back as the newest, and verify --repair finishes the prune instead of rebuilding it."""
    from flytekitplugins.artifacts.errors import ArtifactError
    from flytekitplugins.artifacts.store.selector import RecordSelector, select_record

    record(store, tmp_path, "old", b"old version")
    record(store, tmp_path, "old", b"old model", artifact="My Model", filename="model.pt")
    record(store, tmp_path, "new", b"new version")
    real = type(store.backend).delete_many

    def failing(self, keys, progress=None):
        keys = list(keys)
        stuck = next(k for k in keys if "/records/" in k)
        real(self, [k for k in keys if k != stuck], progress)
        raise ArtifactError(f"could not delete {stuck}: InternalError")

    monkeypatch.setattr(type(store.backend), "delete_many", failing)
    with pytest.raises(ArtifactError, match="could not delete"):
        prune_runs(store, keep_last=1, artifact=artifact)
    monkeypatch.setattr(type(store.backend), "delete_many", real)

    def newest_is_new():
        assert select_record(store, RecordSelector("My Data", "data.csv")).execution_id == "new"
        assert [v["execution_id"] for v in versions.versions(store, "My Data")] == ["new"]

    newest_is_new()
    assert verify_store(store).ok  # consistent: what the prune was removing is marked, not half visible
    report = verify_store(store, repair=True)
    assert [(p.kind, p.repaired) for p in report.problems] == [("unfinished-prune", True)]
    newest_is_new()  # finished, not re-indexed
    assert verify_store(store).ok
    if artifact is None:
        assert not store.has_execution("old")  # the whole run is gone
    else:
        assert [r.filename for r in store.records("old", include_all=True)] == ["model.pt"]
    assert prune_runs(store, keep_last=1, artifact=artifact).removed == []  # nothing left to remove


def test_gc_during_a_slow_summary_never_takes_a_later_files_bytes(tmp_path, monkeypatch):
    """A summary can take long (a large xlsx): every file of the run is named by its record before the first summary
    starts, so a gc with no grace period at that moment removes none of the run's bytes."""
    from flytekitplugins.artifacts.ops import recording

    store = ArtifactStore()
    paths = []
    for i in range(3):
        p = tmp_path / f"f{i}.csv"
        p.write_text(f"a\n{i}\n")
        paths.append(str(p))
    item = {"workflow": "wf", "node_id": "n0", "task": "t", "output_name": "o0", "artifact": "A", "type": "DATA"}
    manifest = {"files": [{**item, "filename": f"f{i}.csv", "output_name": f"o{i}"} for i in range(3)]}
    real = recording.summarize_recorded
    swept = []

    def slow_summary(store_, rec, uri, fresh=False):
        if not swept:  # the first summary is where a slow one would give gc its chance
            swept.append(collect_garbage(store_, grace=0))
        return real(store_, rec, uri, fresh=fresh)

    monkeypatch.setattr(recording, "summarize_recorded", slow_summary)
    monkeypatch.setenv("FLYTE_INTERNAL_EXECUTION_ID", "slow-run")
    recs = recording.record_files(manifest, paths, store=store)
    assert swept and swept[0].removed == []
    for rec in recs:
        assert os.path.exists(rec.uri) and open(rec.uri).read() == open(paths[int(rec.filename[1])]).read()
    assert verify_store(store).ok
