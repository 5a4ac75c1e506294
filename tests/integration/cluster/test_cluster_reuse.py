"""Reuse and lineage pod by pod: query nodes and the recorder's lineage in ``pyflyte-execute`` processes against
moto's S3 server, with an ``s3://`` store, checked from another process through the CLI."""

import json
import os
import uuid

import cluster_harness as harness

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE = "cluster_reuse_flows"
PACKAGED = (HERE, MODULE, "ghcr.io/example/reuse:1.0", "reuse.tgz")  # for the `package` fixture
cli = harness.cli


def test_query_node_tags_and_lineage_pod_by_pod(package, s3_endpoint, s3_bucket, tmp_path):
    s3 = harness.S3(s3_endpoint, s3_bucket)
    root = f"s3://{s3_bucket}/artifacts"
    cluster = harness.Cluster(s3, HERE, env={"FLYTE_ARTIFACTS_ROOT": root})
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **s3.env()}

    def run(workflow, inputs):
        eid = "a" + uuid.uuid4().hex[:19]
        return cluster.run(package, f"{MODULE}.{workflow}", inputs, eid)

    def output_text(result):
        return s3.get(harness.blob_uri(result.outputs.literals["o0"])).decode()

    old = run("produce", {"study": "S1", "version": 1}).execution_id
    new = run("produce", {"study": "S1", "version": 2}).execution_id

    result = run("report", {"title": "Week 1"})
    assert output_text(result) == "Week 1\nADSL S1 v2\n"
    assert result.order[0] == "artifacts-query-1" and result.order[-1] == "artifacts-recorder"
    # The query node points at the recorded object: no copy.
    adsl = json.loads(cli(["--root", root, "list", "-e", new, "--json"], env))[0]
    assert harness.blob_uri(result.nodes["artifacts-query-1"].outputs.literals["o0"]) == adsl["uri"]

    story = json.loads(cli(["--root", root, "lineage", "Safety Report", "report.txt", "--json"], env))
    assert story["file"]["execution_id"] == result.execution_id
    (up,) = [n for n in story["upstream"]["derived_from"] if n["kind"] == "file"]
    assert (up["artifact"], up["filename"], up["execution_id"], up["sha256"]) == (
        "ADaM", "adsl.xpt", new, adsl["sha256"])
    assert [(n["name"], n["value"]) for n in up["derived_from"] if n["kind"] == "input"] == [
        ("study", "S1"), ("version", 2)]
    used = json.loads(cli(["--root", root, "lineage", "ADaM", "adsl.xpt", "--json"], env))["downstream"]
    assert [u["execution_id"] for u in used] == [result.execution_id]

    cli(["--root", root, "tag", "ADaM", "approved", "--execution", old], env)
    assert output_text(run("report_approved", {"title": "Approved"})) == "Approved\nADSL S1 v1\n"

    # An input whose default is a query: resolved when the run starts.
    assert output_text(run("report_default", {"title": "Default"})) == "Default\nADSL S1 v2\n"

    # A run that did not succeed is never the newest (its status as a run status writes it).
    failed = run("produce", {"study": "S1", "version": 3}).execution_id
    key = f"{root}/executions/{failed}/execution.json"
    s3.put(key, json.dumps({**json.loads(s3.get(key)), "status": "failed"}).encode())
    assert output_text(run("report", {"title": "Again"})) == "Again\nADSL S1 v2\n"
    versions = json.loads(cli(["--root", root, "versions", "ADaM", "--json"], env))
    assert [(v["execution_id"], v["tags"]) for v in versions] == [(new, []), (old, ["approved"])]
