"""Partitions pod by pod: ``pyflyte-execute`` processes against moto's S3 server record partition values taken
from a workflow input through a task input, and query nodes (in a body and as an input default) resolve the newest
version of a partition; checked from another process through the CLI."""

import json
import os
import uuid

import cluster_harness as harness

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE = "cluster_partition_flows"
PACKAGED = (HERE, MODULE, "ghcr.io/example/partitions:1.0", "partitions.tgz")  # for the `package` fixture


def test_partitions_recorded_and_queried_pod_by_pod(package, cluster, s3_endpoint, s3_bucket, tmp_path):
    cl, root = cluster
    s3 = harness.S3(s3_endpoint, s3_bucket)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **s3.env()}

    def run(workflow, inputs):
        return cl.run(package, f"{MODULE}.{workflow}", inputs, "a" + uuid.uuid4().hex[:19])

    s1_old = run("produce", {"trial": "S1", "version": 1}).execution_id
    s1_new = run("produce", {"trial": "S1", "version": 2}).execution_id
    run("produce", {"trial": "S2", "version": 1})
    rows = json.loads(harness.cli(["--root", root, "list", "-a", "ADaM", "-p", "study=S1", "--json"], env))
    assert sorted(r["execution_id"] for r in rows) == sorted([s1_old, s1_new])
    assert all(r["partitions"] == {"study": "S1"} for r in rows)

    def text(result):
        return harness.primitive_text(result.outputs.literals["o0"])

    assert text(run("read_s1", {})) == "ADSL S1 v2\n"  # the default query, resolved in the pod
    assert text(run("read_s2", {})) == "ADSL S2 v1\n"  # a query node in the body
