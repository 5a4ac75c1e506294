"""flytekit's own ``Artifact`` pod by pod: ``tests/flows/native.py`` packaged with ``pyflyte package`` and run as
``pyflyte-execute`` processes against moto's S3 server. Producers record each kind of value with its partitions in
the S3 store; consumers whose inputs default to flytekit queries resolve the newest matching version in their
query node's pod and get it as their declared type; checked from another process through the CLI."""

import json
import os
import uuid

import cluster_harness as harness
from flyteidl.core import literals_pb2

from flytekitplugins.artifacts import ArtifactStore

TESTS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = "flows.native"
PACKAGED = (TESTS, MODULE, "ghcr.io/example/native:1.0", "native.tgz")  # for the `package` fixture


def test_native_artifacts_recorded_and_queried_pod_by_pod(package, cluster, s3_endpoint, s3_bucket, tmp_path):
    cl, root = cluster
    s3 = harness.S3(s3_endpoint, s3_bucket)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **s3.env()}

    def run(workflow, inputs=None):
        return cl.run(package, f"{MODULE}.{workflow}", inputs or {}, "a" + uuid.uuid4().hex[:19])

    def text(result):
        return harness.primitive_text(result.outputs.literals["o0"])

    sea = run("produce_all", {"region": "SEA", "n": 3}).execution_id
    lax = run("produce_counts", {"region": "LAX", "n": 2}).execution_id
    sea_new = run("produce_counts", {"region": "SEA", "n": 5}).execution_id

    store = ArtifactStore(root)
    recs = {r.artifact: r for r in store.records(sea)}
    assert {a: (r.value["kind"], r.partitions.get("region")) for a, r in recs.items()} == {
        "ride_count": ("table", "SEA"), "ride_table": ("table", "SEA"), "ride_sd": ("table", "SEA"),
        "ride_file": ("file", "SEA"), "ride_dir": ("directory", "SEA"), "ride_total": ("scalar", "SEA"),
        "pricing": ("scalar", "sea"), "settings": ("json", None),
    }
    assert {r.workflow for r in recs.values()} == {f"{MODULE}.produce_all"}
    assert all(r.uri.startswith("s3://") for r in recs.values())
    total = literals_pb2.Literal.FromString(store.backend.read_bytes(recs["ride_total"].value["literal"]["key"]))
    assert total.scalar.primitive.integer == 3

    rows = json.loads(harness.cli(["--root", root, "versions", "ride_count", "-p", "region=SEA", "--json"], env))
    assert [v["execution_id"] for v in rows] == [sea_new, sea]
    rows = json.loads(harness.cli(["--root", root, "list", "-a", "ride_count", "-p", "region=LAX", "--json"], env))
    assert [r["execution_id"] for r in rows] == [lax]
    out = tmp_path / "total.json"
    harness.cli(["--root", root, "get", "ride_total", "ride_total", "-p", "region=SEA", "-o", str(out)], env)
    assert json.loads(out.read_text()) == 3

    # Query defaults, resolved in the query node's pod; the consumer's pod gets the declared type.
    consumed = run("consume_sea")
    assert text(consumed) == "DataFrame SEA rows=5"
    assert "artifacts-native-query-df" in consumed.order
    assert text(run("consume_total")) == "int 3"
    assert text(run("consume_file")) == ".csv SEA rows=3"
    assert text(run("consume_dir")) == "README parts/part-0.txt parts/part-1.txt parts/part-2.txt"
    assert text(run("consume_settings")) == "Config 0.25 t0.25"

    # A time partition from a datetime input (the workflow's default day), and a query naming the day.
    daily = run("produce_daily").execution_id
    assert store.records(daily)[0].partitions == {"region": "SEA", "ds": "2026-11-30"}
    assert text(run("consume_day")) == "DataFrame SEA rows=2"

    # No version matches: the query node's pod fails, naming what was asked and what there is.
    try:
        run("consume_nowhere")
    except harness.NodeFailed as e:
        message = str(e)
    else:
        raise AssertionError("consume_nowhere ran with no version of region=NOWHERE")
    assert "artifacts-native-query-df" in message
    assert "region=NOWHERE" in message and "values of region: LAX, SEA" in message
