"""On S3 too, the bytes of a run still recording are protected by the intent that names them, not by their age."""

import subprocess

from flows.intent_race import CLI, run_with_gc_in_between

from flytekitplugins.artifacts.backends import blob_key
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
from flytekitplugins.artifacts.store.keys import INTENTS


def test_gc_with_no_grace_never_takes_the_bytes_of_a_run_still_recording_on_s3(tmp_path, s3_root):
    out = run_with_gc_in_between(tmp_path)
    assert [r for r in out["removed"] if r["kind"] == "blob"] == []
    store = ArtifactStore()
    (run,) = store.executions()
    recs = store.records(run["execution_id"])
    assert sorted(r.filename for r in recs) == ["t_ae_rel tfl report", "t_vscat.pdf"]
    for r in recs:
        assert r.uri.startswith(s3_root + "/")
        expected = "first file" if r.filename == "t_vscat.pdf" else "second file"
        assert store.backend.read_bytes(blob_key(r.sha256)) == expected.encode()
    assert store.backend.list_files(INTENTS) == []
    verify = subprocess.run([CLI, "verify", "--json"], capture_output=True, text=True, timeout=300)
    assert verify.returncode == 0, verify.stdout + verify.stderr
