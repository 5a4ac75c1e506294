"""The audit trail pod by pod: the recorder pod's run appends an entry naming the Flyte execution and the
principal its environment gives, on S3, and the chain verifies. Serialized with ``pyflyte package``."""

import json
import os
import uuid

import cluster_harness as harness

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGED = (HERE, "cluster_status_flows", "ghcr.io/example/flows:1.0", "flows.tgz")  # for the `package` fixture
cli = harness.cli


def test_a_pod_run_appends_an_entry_naming_its_execution_and_principal(package, s3_endpoint, s3_bucket, tmp_path):
    s3 = harness.S3(s3_endpoint, s3_bucket)
    root = f"s3://{s3_bucket}/artifacts"
    cluster = harness.Cluster(s3, HERE, env={"FLYTE_ARTIFACTS_ROOT": root,
                                             "FLYTE_ARTIFACTS_PRINCIPAL": "jane.doe@example.com"})
    eid = "a" + uuid.uuid4().hex[:19]
    cluster.run(package, "cluster_status_flows.data_only_workflow", {}, eid)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **s3.env()}
    (entry,) = json.loads(cli(["--root", root, "audit", "--json"], env))
    (record,) = json.loads(cli(["--root", root, "list", "--latest", "--json"], env))
    assert entry["action"] == "record" and entry["target"]["execution"] == eid
    assert entry["who"]["principal"] == "jane.doe@example.com" and entry["who"]["execution"] == eid
    assert entry["objects"] == [{"artifact": record["artifact"], "filename": "data.csv", "sha256": record["sha256"],
                                 "size": record["size"]}]
    assert "unbroken: 1 entries" in cli(["--root", root, "audit", "--verify"], env)
