"""Typed values pod by pod: ``pyflyte package`` serializes ``flows.typed``; each node runs as its own
``pyflyte-execute`` process against moto's S3 server with an ``s3://`` store. Queried files keep their filename,
tables reach tasks as DataFrames and Tables through value nodes, handled objects come back as objects, and a
query default is an artifact query on the launch plan, resolved in the pod when the launch gives no value."""

import hashlib
import io
import json
import os
import uuid

import cluster_harness as harness
import joblib
import pytest

TESTS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = "flows.typed"
PACKAGED = (TESTS, MODULE, "ghcr.io/example/typed:1.0", "typed.tgz")  # for the `package` fixture


@pytest.fixture
def run(package, cluster):
    cl, _ = cluster

    def run(workflow, inputs):
        return cl.run(package, f"{MODULE}.{workflow}", inputs, "a" + uuid.uuid4().hex[:19])

    return run


@pytest.fixture
def env(s3_endpoint, s3_bucket, tmp_path):
    return {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **harness.S3(s3_endpoint, s3_bucket).env()}


def out(result):
    return harness.primitive_text(result.outputs.literals["o0"])


def test_queried_file_keeps_its_name_and_tables_arrive_as_frames(package, cluster, run, env):
    _, root = cluster
    run("produce", {"n": 3})
    newest = run("produce", {"n": 4}).execution_id
    (rec,) = json.loads(harness.cli(["--root", root, "list", "-e", newest, "--json"], env))

    result = run("queried_file", {})
    assert out(result) == "rows.parquet 4"  # read_frame picked parquet by the extension, in the consuming pod
    assert harness.blob_uri(result.nodes["artifacts-query-1"].outputs.literals["o0"]) == rec["uri"]  # no copy

    up = run("sum_upstream", {"n": 5})
    assert out(up) == str(sum(i * i for i in range(5)))
    assert up.nodes["artifacts-value-1"].task == "flytekitplugins.artifacts.flyte.nodes.load.load_dataframe"
    # sum_upstream recorded a newer version (n=5), which the queries now find. (pyarrow.Table inputs are tested
    # locally only: flytekit's own Parquet-to-Arrow decoder reads an s3:// structured dataset as a local path.)
    assert out(run("sum_queried", {})) == "30"
    assert out(run("biggest_default", {})) == "16"  # a StructuredDataset input, from the query default


def test_query_default_is_on_the_launch_form_and_resolved_in_the_pod(package, cluster, run, env):
    _, root = cluster
    params = package.launch_plans[f"{MODULE}.part_default"].spec.default_inputs.parameters
    query = params["rows"].artifact_query
    assert not params["rows"].HasField("default") and not params["rows"].required
    assert query.artifact_id.artifact_key.name == "Typed Parts/part.csv"
    assert {k: v.static_value for k, v in query.artifact_id.partitions.value.items()} == {"region": "SEA"}
    # A launch plan made from the workflow shows the same query.
    named = package.launch_plans["part_form"].spec.default_inputs.parameters["rows"]
    assert named.artifact_query == query
    table = package.launch_plans[f"{MODULE}.sum_default"].spec.default_inputs.parameters["rows"]
    assert table.artifact_query.artifact_id.artifact_key.name == "Typed Tables/rows.parquet"

    run("produce_part", {"region": "SEA", "n": 2})
    run("produce_part", {"region": "NYC", "n": 5})
    newest_sea = run("produce_part", {"region": "SEA", "n": 3}).execution_id
    result = run("part_default", {})  # no input given: the start node's value arrives empty
    assert result.inputs.literals["rows"] == harness.literals_pb2.Literal()
    assert out(result) == "part.csv 3"
    used = json.loads(harness.cli(["--root", root, "lineage", "Typed Parts", "part.csv", "-p", "region=SEA",
                                   "--json"], env))
    assert used["file"]["execution_id"] == newest_sea
    assert [u["execution_id"] for u in used["downstream"]] == [result.execution_id]

    run("produce", {"n": 6})
    assert out(run("sum_default", {})) == str(sum(i * i for i in range(6)))


def test_handled_objects_recorded_with_bytes_and_taken_back(package, cluster, run, env, s3_endpoint, s3_bucket):
    _, root = cluster
    s3 = harness.S3(s3_endpoint, s3_bucket)
    trained = run("train_and_predict", {"slope": 2.0, "x": 3.0})
    assert out(trained) == "7.0"
    (rec,) = json.loads(harness.cli(["--root", root, "list", "-e", trained.execution_id, "--json"], env))
    data = s3.get(rec["uri"])
    assert (rec["filename"], rec["size"]) == ("model.joblib", len(data))
    assert rec["sha256"] == hashlib.sha256(data).hexdigest()
    model = joblib.load(io.BytesIO(data))
    assert (type(model).__name__, model.coef_, model.intercept_) == ("Regressor", 2.0, 1.0)

    assert out(run("predict_queried", {"x": 10.0})) == "21.0"
    assert out(run("predict_default", {"x": 10.0})) == "21.0"  # a query default of a handled class
    assert out(run("params_flow", {"alpha": 0.5})) == "0.5 2"
