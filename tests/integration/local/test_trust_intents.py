"""The bytes of a run still recording are protected by the intent that names them, not by their age."""

import json
import os
import subprocess
import sys

from flows.intent_race import records_after_the_race

from flytekitplugins.artifacts.backends import blob_key
from flytekitplugins.artifacts.ops.lifecycle import collect_garbage
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
from flytekitplugins.artifacts.store.intents import Intent
from flytekitplugins.artifacts.store.keys import INTENTS


def test_gc_with_no_grace_in_another_process_never_takes_the_bytes_of_a_run_still_recording(tmp_path):
    for r in records_after_the_race(tmp_path):
        with open(r.uri, "rb") as f:
            assert f.read() == ("first file" if r.filename == "t_vscat.pdf" else "second file").encode()


def _stored(store, tmp_path, data: bytes, intent=None) -> str:
    src = tmp_path / f"src-{len(data)}"
    src.write_bytes(data)
    _, _, sha = store.put_local_file(str(src), naming=intent.name if intent else None)
    return sha


def test_a_live_intent_keeps_its_bytes_and_the_intent_of_a_killed_recorder_is_reclaimed(tmp_path):
    store = ArtifactStore()
    live = Intent(store.backend, "running-here")
    kept = _stored(store, tmp_path, b"named by a recording of this very process", live)
    # A recorder on this host whose process is gone: its intent protects nothing once past the grace period.
    dead_proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                               text=True, check=True)
    dead = Intent(store.backend, "killed-run")
    dead_sha = _stored(store, tmp_path, b"named by a recorder that was killed", dead)
    owner_key = f"{dead.prefix}/owner.json"
    doc = json.loads(store.backend.read_bytes(owner_key))
    doc["owner"]["pid"] = int(dead_proc.stdout)
    store.backend.write(owner_key, json.dumps(doc).encode())

    out = collect_garbage(store, grace=0)
    assert store.backend.exists(blob_key(kept))
    assert not store.backend.exists(blob_key(dead_sha))
    assert sorted(r.kind for r in out.removed) == ["blob", "intent", "intent"]
    left = sorted(f.key for f in store.backend.list_files(INTENTS))
    assert left == sorted([f"{live.prefix}/{kept}", f"{live.prefix}/owner.json"])
    # Closed (the records are written), the intent protects nothing more: the bytes go back to gc's usual rules.
    live.close()
    assert store.backend.list_files(INTENTS) == []
    assert [r.kind for r in collect_garbage(store, grace=0).removed] == ["blob"]
    assert not os.path.exists(store.backend.local_path(blob_key(kept)))


def test_the_intent_of_a_run_that_failed_is_reclaimed_only_after_the_grace_period(tmp_path):
    store = ArtifactStore()
    failed = Intent(store.backend, "failed-run")
    sha = _stored(store, tmp_path, b"bytes of a run that failed", failed)
    # The run document says it failed (in a pod no process can be checked: the status decides).
    store.backend.write("executions/failed-run/execution.json", json.dumps({"execution_id": "failed-run",
                                                                             "status": "failed"}).encode())
    doc = json.loads(store.backend.read_bytes(f"{failed.prefix}/owner.json"))
    doc.pop("owner")
    store.backend.write(f"{failed.prefix}/owner.json", json.dumps(doc).encode())
    assert collect_garbage(store, grace=3600).removed == []
    assert store.backend.exists(blob_key(sha))
    assert sorted(r.kind for r in collect_garbage(store, grace=0).removed) == ["blob", "intent", "intent"]
