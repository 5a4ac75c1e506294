"""``format="dataset-json"`` in an export spec as a cluster runs it: ``flows.clinical_tables.to_json`` serialized
by ``pyflyte package``, each node a ``pyflyte-execute`` pod against S3 (moto over HTTP). The export pod fetches the
recorded tables from the bucket, writes their Dataset-JSON into the snapshot, and a retry of the node reuses it."""

import json
import uuid

import cluster_harness as harness
import dsjframe
from repo_paths import TESTS

WORKFLOW = "flows.clinical_tables.to_json"
PACKAGED = (TESTS, "flows.clinical_tables", "ghcr.io/example/flows:1", "clinical.tgz")


def test_export_pod_writes_dataset_json_into_the_snapshot(package, cluster, monkeypatch, tmp_path):
    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    cluster, root = cluster
    monkeypatch.setenv("FLYTE_ARTIFACTS_ROOT", root)
    catalog = DatasetCatalog(ArtifactStore(root))
    ds = catalog.create("clin-json", f"s3://{cluster.s3.bucket}/datasets/clin-json")
    run = cluster.run(package, WORKFLOW, {}, "j" + uuid.uuid4().hex[:19])
    (row,) = json.loads(harness.primitive_text(run.nodes["artifacts-export"].outputs.literals["o0"]))
    assert (row["snapshot"], row["files"], row["reused"]) == (1, 3, False)
    (snap,) = catalog.snapshots(ds)
    files = {f.path: f for f in snap.files}
    assert sorted(files) == ["adsl.csv", "adsl.json", "sample.json"]
    assert files["sample.json"].format == "dataset-json" and files["sample.json"].source_uri.startswith("s3://")
    body = cluster.s3.get(f"{ds.uri}/{files['sample.json'].key}")
    path = tmp_path / "sample.json"
    path.write_bytes(body)
    assert dsjframe.validate_dataset(str(path))["ok"]
    doc = json.loads(body)
    assert doc["name"] == "SAMPLE" and doc["records"] == 5
    # propeller's next attempt of the export node: the same snapshot, its files unchanged
    again = cluster.retry(package, WORKFLOW, run, "artifacts-export", attempt=1)
    (row,) = json.loads(harness.primitive_text(again.outputs.literals["o0"]))
    assert (row["snapshot"], row["reused"]) == (1, True)
    assert cluster.s3.get(f"{ds.uri}/{files['sample.json'].key}") == body
