"""The cluster path, end to end: a serialized workflow run pod by pod (``pyflyte-execute`` per node, S3 prefixes,
``FLYTE_INTERNAL_EXECUTION_*``) against moto's S3 server, with an ``s3://`` artifact store, then checked from a
separate process as another machine with access to the bucket would.
"""

import hashlib
import json
import os
import uuid

import cluster_flows
import cluster_harness as harness
import pytest

# Run against every supported flytekit minor too (make compat).
pytestmark = pytest.mark.compat

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGED = (HERE, "cluster_flows", "ghcr.io/example/training-flows:1.0", "flows.tgz")  # for the `package` fixture
WORKFLOW = "cluster_flows.training_workflow"
cli = harness.cli


# ---- helpers --------------------------------------------------------------------------------------------------


def declaration(literal_type):
    from google.protobuf.json_format import MessageToDict

    fields = MessageToDict(literal_type.annotation.annotations) if literal_type.HasField("annotation") else {}
    return fields.get("flytekitplugins.artifacts")


# ---- tests ----------------------------------------------------------------------------------------------------


def test_package_carries_declarations_recorder_and_export(package):
    prep = package.task("cluster_flows.training_workflow.Prep data")
    assert declaration(prep.interface.outputs.variables["processed_data"].type) == {
        "artifact": "My Data",
        "type": "DATA",
        "filename": "data.csv",
        "file_type": "csv",
    }
    summarize = package.task("summarize")
    assert summarize.type == "raw-container"
    assert declaration(summarize.interface.outputs.variables["summary"].type)["artifact"] == "Data Report"
    wf = package.workflow(WORKFLOW)
    assert declaration(wf.interface.outputs.variables["o0"].type) == {
        "artifact": "My Model",
        "type": "MODEL",
        "filename": "model.pt",
        "file_type": "pt",
    }
    # The recorder is an ordinary node of the registered workflow, running a module-level task, so a pod can
    # load it from its loader arguments like any user task.
    nodes = {n.id: n for n in wf.nodes}

    def loader_args(node):
        args = list(package.task(node.task_node.reference_id.name).container.args)
        return args[args.index("--") + 1 :]

    def constant(node, var):
        return json.loads([b for b in node.inputs if b.var == var][0].binding.scalar.primitive.string_value)

    recorder = nodes["artifacts-recorder"]
    assert loader_args(recorder) == [
        "task-module",
        "flytekitplugins.artifacts.flyte.nodes.record",
        "task-name",
        "record_artifacts",
    ]
    assert sorted((f["artifact"], f["filename"], f["node_id"]) for f in constant(recorder, "manifest")["files"]) == [
        ("Data Report", "summary.txt", "n1"),
        ("My Data", "data.csv", "n0"),
        ("My Model", "model.pt", "n2"),
    ]
    export = nodes["artifacts-export"]
    assert loader_args(export) == [
        "task-module", "flytekitplugins.artifacts.flyte.nodes.export", "task-name", "export_artifacts"
    ]
    assert constant(export, "request")["targets"] == [{"dataset": "clean-data", "files": [["My Data", "data.csv"]]}]
    assert "artifacts-recorder" in export.upstream_node_ids


def test_training_flow_runs_like_a_cluster(package, s3_endpoint, s3_bucket, tmp_path):
    s3 = harness.S3(s3_endpoint, s3_bucket)
    root = f"s3://{s3_bucket}/artifacts"
    cluster = harness.Cluster(s3, HERE, env={"FLYTE_ARTIFACTS_ROOT": root})
    execution_id = "a" + uuid.uuid4().hex[:19]
    dataset_uri = f"s3://{s3_bucket}/datasets/clean-data"
    # Another machine: shares nothing with the run but the bucket.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **s3.env()}
    cli(["--root", root, "datasets", "create", cluster_flows.DATASET, "--uri", dataset_uri], env)

    result = cluster.run(package, WORKFLOW, {"data_path": "s3://landing/raw.csv"}, execution_id)

    # Every Python task of the package ran in its own "pod", the plugin's included.
    # (The query node's task is packaged with the plugin, but this workflow has no query.)
    python_tasks = {name for name, spec in package.tasks.items() if spec.template.type == "python-task"}
    python_tasks.discard("flytekitplugins.artifacts.flyte.nodes.resolve.resolve_artifact")
    ran = {result.nodes[n].task for n in result.order}
    assert python_tasks <= ran
    assert result.order[-2:] == ["artifacts-recorder", "artifacts-export"]

    records = json.loads(cli(["--root", root, "list", "--json"], env))
    by_file = {}
    for r in records:
        by_file.setdefault((r["artifact"], r["filename"]), []).append(r)
    assert sorted(by_file) == [("Data Report", "summary.txt"), ("My Data", "data.csv"), ("My Model", "model.pt")]
    assert all(len(v) == 1 for v in by_file.values()), by_file
    (run,) = json.loads(cli(["--root", root, "executions", "--json"], env))
    assert (run["execution_id"], run["project"], run["domain"]) == (execution_id, cluster.project, cluster.domain)

    def produced(node_id, var):
        return harness.blob_uri(result.nodes[node_id].outputs.literals[var])

    expect = {
        ("My Data", "data.csv"): ("n0", "processed_data", "cluster_flows.training_workflow.Prep data"),
        ("Data Report", "summary.txt"): ("n1", "summary", "summarize"),
        # Declared only on the workflow's return; the task returns a plain FlyteFile.
        ("My Model", "model.pt"): ("n2", "o0", "cluster_flows.train"),
    }
    for key, (node_id, var, task) in expect.items():
        (rec,) = by_file[key]
        assert rec["execution_id"] == execution_id
        assert (rec["project"], rec["domain"]) == (cluster.project, cluster.domain)
        assert (rec["node_id"], rec["output_name"], rec["task"]) == (node_id, var, task)
        # The record points at the object the task uploaded under its raw-data prefix: no second copy.
        assert rec["uri"] == produced(node_id, var)
        assert rec["uri"].startswith(result.nodes[node_id].raw_output_prefix + "/")
        data = s3.get(rec["uri"])
        assert rec["size"] == len(data)
        assert rec["sha256"] == hashlib.sha256(data).hexdigest()
    assert s3.get(by_file[("My Model", "model.pt")][0]["uri"]) == b"weights of source,rows\ns3://landing/raw.csv,3\n"
    assert not s3.keys(f"{root}/blobs/"), "a cluster run must not copy task outputs into the store"

    # The workflow's output is the same object.
    assert harness.blob_uri(result.outputs.literals["o0"]) == by_file[("My Model", "model.pt")][0]["uri"]

    # The export node made one snapshot of the dataset, holding the recorded data.csv.
    data_rec = by_file[("My Data", "data.csv")][0]
    (snap,) = json.loads(cli(["--root", root, "datasets", "snapshots", cluster_flows.DATASET, "--json"], env))
    assert (snap["number"], snap["execution_id"], snap["file_count"]) == (1, execution_id, 1)
    shown = json.loads(cli(["--root", root, "datasets", "show", cluster_flows.DATASET, "--json"], env))
    (f,) = shown["files"]
    assert (f["path"], f["artifact"], f["sha256"], f["source_uri"]) == (
        "data.csv",
        "My Data",
        data_rec["sha256"],
        data_rec["uri"],
    )
    assert s3.get(f"{dataset_uri}/{f['key']}") == s3.get(data_rec["uri"])
    summary = json.loads(harness.primitive_text(result.nodes["artifacts-export"].outputs.literals["o0"]))
    assert [(r["dataset_name"], r["snapshot"], r["files"]) for r in summary] == [(cluster_flows.DATASET, 1, 1)]

    # Propeller runs a node again when its pod is lost: the records and the snapshot must stay one each.
    cluster.retry(package, WORKFLOW, result, "artifacts-recorder")
    again = cluster.retry(package, WORKFLOW, result, "artifacts-export")
    summary = json.loads(harness.primitive_text(again.outputs.literals["o0"]))
    assert [(r["snapshot"], r["reused"]) for r in summary] == [(1, True)]
    assert len(json.loads(cli(["--root", root, "datasets", "snapshots", cluster_flows.DATASET, "--json"], env))) == 1
    assert sorted(
        (r["artifact"], r["filename"]) for r in json.loads(cli(["--root", root, "list", "--json"], env))
    ) == sorted(by_file)

    # And the bytes come back through the CLI on the "other machine".
    out = tmp_path / "model.pt"
    cli(["--root", root, "get", "My Model", "model.pt", "-e", execution_id, "-o", str(out)], env)
    assert out.read_bytes() == s3.get(by_file[("My Model", "model.pt")][0]["uri"])
