"""Summaries and the recorder's Deck page on the cluster path: the training flow run pod by pod against moto's S3
server, its summaries stored on S3 beside the records, and read by `show` from another machine."""

import json
import os
import urllib.parse
import uuid

import cluster_flows
import cluster_harness as harness

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGED = (HERE, "cluster_flows", "ghcr.io/example/training-flows:1.0", "flows.tgz")  # for the `package` fixture
WORKFLOW = "cluster_flows.training_workflow"
cli = harness.cli


def test_recorder_pod_stores_summaries_on_s3_and_renders_its_deck(package, s3_endpoint, s3_bucket, tmp_path):
    s3 = harness.S3(s3_endpoint, s3_bucket)
    root = f"s3://{s3_bucket}/artifacts"
    cluster = harness.Cluster(s3, HERE, env={"FLYTE_ARTIFACTS_ROOT": root})
    execution_id = "s" + uuid.uuid4().hex[:19]
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **s3.env()}
    cli(["--root", root, "datasets", "create", cluster_flows.DATASET, "--uri", f"s3://{s3_bucket}/datasets/d"], env)

    result = cluster.run(package, WORKFLOW, {"data_path": "s3://landing/raw.csv"}, execution_id)

    # Stored beside the record, on S3, by the recorder's pod.
    key = f"{root}/executions/{execution_id}/summaries/{urllib.parse.quote('My Data')}/data.csv.json"
    stored = json.loads(s3.get(key))
    assert (stored["kind"], stored["rows"], stored["column_count"]) == ("table", 1, 2)
    assert [c["name"] for c in stored["columns"]] == ["source", "rows"]
    assert stored["preview"] == [["s3://landing/raw.csv", 3]]

    # Another machine reads it with `show`, without downloading the file.
    shown = json.loads(cli(["--root", root, "show", "My Data", "data.csv", "-e", execution_id, "--json"], env))
    assert shown["summary_source"] == "stored" and shown["summary"]["sha256"] == shown["record"]["sha256"]
    text = cli(["--root", root, "show", "Data Report", "summary.txt", "-e", execution_id], {**env, "COLUMNS": "80"})
    assert "text · txt" in text and all(len(line) <= 80 for line in text.splitlines())

    # The recorder node's Deck page was uploaded next to its outputs, as flytekit does for any Deck in a pod.
    recorder = result.nodes["artifacts-recorder"]
    page = s3.get(f"{recorder.output_prefix}/deck.html").decode()
    assert "artifact-run" in page and execution_id in page
    for name in ("data.csv", "model.pt", "summary.txt"):
        assert name in page
    assert page.index(">DATA<") < page.index(">MODEL<") < page.index(">REPORT<")
