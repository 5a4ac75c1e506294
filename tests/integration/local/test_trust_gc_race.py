"""gc's narrow race: a recording writes the record naming a blob, and removes its intent, while gc's listing runs
(the listing saw the blob but not yet the record). gc lists and reads the records again before removing anything."""

import hashlib
import os
import subprocess
import sys

from flytekitplugins.artifacts.ops.lifecycle import gc
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record
from flytekitplugins.artifacts.store.identity import utc_now

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")


def record_for(uri, size, sha, execution_id):
    return Record(execution_id=execution_id, project="p", domain="d", workflow="wf", node_id="n0", task="t",
                  output_name="o0", artifact="A", type="DATA", filename="data.csv", file_type="csv", uri=uri,
                  size=size, sha256=sha, created_at=utc_now(), code_version=None, partitions={})


def test_a_record_written_during_gcs_listing_keeps_its_bytes(tmp_path, monkeypatch):
    store = ArtifactStore()
    src = tmp_path / "data.csv"
    src.write_bytes(b"id\n1\n2\n")
    uri, size, sha = store.put_local_file(str(src))  # bytes stored, not named yet (the record is being written)
    doomed = tmp_path / "other.csv"
    doomed.write_bytes(b"nobody names these bytes\n")
    _, _, other_sha = store.put_local_file(str(doomed))
    real = gc.list_files
    calls = []

    def listing_then_the_record_lands(backend, prefix="", include_temp=False):
        got = real(backend, prefix, include_temp)
        if not calls:  # the recorder finishes just after the listing: record written, intent gone
            store.add_record(record_for(uri, size, sha, "late-run"))
        calls.append(prefix)
        return got

    monkeypatch.setattr(gc, "list_files", listing_then_the_record_lands)
    outcome = gc.collect_garbage(ArtifactStore(), grace=0)
    removed = [r.where for r in outcome.removed if r.kind == "blob"]
    assert [w for w in removed if sha in w] == []  # the late record's bytes stay
    assert [w for w in removed if other_sha in w] != []  # bytes nothing names still go
    rec = ArtifactStore().record("late-run", "A", "data.csv")
    out = tmp_path / "got.csv"
    ArtifactStore().download(rec, str(out))
    assert hashlib.sha256(out.read_bytes()).hexdigest() == sha
    r = subprocess.run([CLI, "verify", "--json"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
