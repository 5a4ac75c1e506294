"""The ready ``triggers_sweep`` task pod by pod: a scheduled sweep in a ``pyflyte-execute`` process against moto's
S3 launches one remote run per new version through FlyteRemote (a fake class at that boundary, whose calls are
logged), once, however often the sweep runs or is retried. Serialized with ``pyflyte package``."""

import json
import os
import uuid

import cluster_harness as harness

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(os.path.dirname(HERE))
MODULE = "cluster_trigger_flows"
PACKAGED = (HERE, MODULE, "ghcr.io/example/triggers:1.0", "triggers.tgz")  # for the `package` fixture


def test_a_scheduled_sweep_launches_each_new_version_once_from_a_pod(package, s3_endpoint, s3_bucket, tmp_path):
    s3 = harness.S3(s3_endpoint, s3_bucket)
    root = f"s3://{s3_bucket}/artifacts"
    log = tmp_path / "remote.log"
    cluster = harness.Cluster(s3, HERE, env={
        "FLYTE_ARTIFACTS_ROOT": root, "FAKE_REMOTE_LOG": str(log), "FLYTE_PLATFORM_URL": "flyteadmin.flyte:81",
        "PYTHONPATH": f"{HERE}{os.pathsep}{TESTS}"})

    def run(workflow, inputs=None):
        return cluster.run(package, f"{MODULE}.{workflow}", inputs or {}, "a" + uuid.uuid4().hex[:19])

    def swept(result):
        return json.loads(harness.primitive_text(result.outputs.literals["o0"]))

    def calls():
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    first = swept(run("sweep"))  # the trigger's first sweep starts it from now
    assert [(r["trigger"], r["launched"]) for r in first] == [("cluster_trigger_flows.tfl.adsl", [])]
    produced = [run("produce", {"text": f"USUBJID\nS{i}\n"}).execution_id for i in range(2)]
    result = run("sweep")
    (done,) = swept(result)
    assert [m["version"] for m in done["launched"]] == produced
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **s3.env()}
    uris = {r["execution_id"]: r["uri"] for r in json.loads(harness.cli(["--root", root, "list", "--json"], env))}
    got = calls()
    assert [c["inputs"]["adsl"] for c in got] == [uris[e] for e in produced]
    assert {(c["endpoint"], c["entity"], c["project"], c["domain"], c["wait"]) for c in got} == {
        ("flyteadmin.flyte:81", "cluster_trigger_flows.tfl", "flytesnacks", "development", False)}
    assert [c["execution_name"] for c in got] == [m["run"] for m in done["launched"]]
    assert [m["remote"]["name"] for m in done["launched"]] == [m["run"] for m in done["launched"]]
    # a retried attempt of the sweep's pod, and the next scheduled sweep, launch nothing again
    node = next(n for n in result.order if n != "start-node" and n != "end-node")
    cluster.retry(package, f"{MODULE}.sweep", result, node)
    (again,) = swept(run("sweep"))
    assert again["launched"] == [] and len(calls()) == 2
    entries = [e for e in json.loads(harness.cli(["--root", root, "audit", "--json"], env))
               if e["action"] == "trigger launch"]
    assert sorted(e["target"]["execution"] for e in entries) == sorted(m["run"] for m in done["launched"])
    assert {e["who"]["execution"] for e in entries} == {result.execution_id}
