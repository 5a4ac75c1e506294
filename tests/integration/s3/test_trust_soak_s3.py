"""Many small real runs into S3 through a proxy that answers 503 or cuts bodies at random, then `verify`: every run
either succeeded with all of its files visible, or failed and shows nowhere but `--all`."""

import hashlib
import os
import random
import subprocess
import sys

from fault_proxy import FaultProxy

from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
RUNS = 20


def test_twenty_runs_through_random_s3_faults_each_end_succeeded_whole_or_failed_cleanly(s3_endpoint, s3_root,
                                                                                          monkeypatch):
    from flows import core

    rng = random.Random(20)

    def fault(method, path):
        roll = rng.random()
        if roll < 0.04:
            return "slowdown"
        if roll < 0.08 and method == "GET":
            return "cut"
        return None

    proxy = FaultProxy(s3_endpoint, fault)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    raised = 0
    try:
        for i in range(RUNS):
            try:
                core.training(text=f"soak {i}")
            except Exception:  # noqa: BLE001 - a run may fail; what the store then shows is checked below
                raised += 1
    finally:
        proxy.close()
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    assert proxy.faults  # the faults happened
    r = subprocess.run([CLI, "verify", "--json"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    store = ArtifactStore()
    every = store.executions(include_all=True)
    listed = {run["execution_id"] for run in store.executions()}
    assert len(every) == RUNS and len(listed) == RUNS - raised
    for run in every:
        eid = run["execution_id"]
        if run["status"] == "succeeded":
            assert eid in listed
            names = sorted((rec.artifact, rec.filename) for rec in store.records(eid))
            assert names == [("My Data", "data.csv"), ("My Model", "model.pt")]
            for rec in store.records(eid):
                data = store.backend.read_bytes(rec.uri[len(store.root) + 1:])
                assert hashlib.sha256(data).hexdigest() == rec.sha256
        else:
            assert run["status"] == "failed" and eid not in listed
