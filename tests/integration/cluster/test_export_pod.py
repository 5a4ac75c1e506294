"""The export node as a cluster runs it: serialized by ``pyflyte package``, each node a ``pyflyte-execute`` pod
loading its task from its loader arguments, retried as propeller retries, against S3 (moto over HTTP)."""

import json
import uuid

import cluster_harness as harness
import pytest
from repo_paths import TESTS

WORKFLOW = "flows.exports.training"
# The flows package is shipped as the image's source folder, for the `package` and `cluster` fixtures.
PACKAGED = (TESTS, "flows.exports", "ghcr.io/example/flows:1", "flows.tgz")


def summary(node_run):
    return json.loads(harness.primitive_text(node_run.outputs.literals["o0"]))


def test_export_pod_retries_reuse_the_snapshot(package, cluster, monkeypatch):
    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    cluster, root = cluster
    monkeypatch.setenv("FLYTE_ARTIFACTS_ROOT", root)
    catalog = DatasetCatalog(ArtifactStore(root))
    ds = catalog.create("models", f"s3://{cluster.s3.bucket}/datasets/models")

    first = cluster.run(package, WORKFLOW, {"text": "pod"}, "a" + uuid.uuid4().hex[:19])
    assert first.order[-1] == "artifacts-export"
    (row,) = summary(first.nodes["artifacts-export"])
    assert (row["dataset_id"], row["snapshot"], row["files"], row["reused"]) == (ds.id, 1, 1, False)
    (snap,) = catalog.snapshots(ds)
    model_uri = harness.blob_uri(first.outputs.literals["o0"])
    assert snap.file("model.pt").source_uri == model_uri  # the task's own upload, copied server-side
    assert cluster.s3.get(f"{ds.uri}/{snap.file('model.pt').key}") == cluster.s3.get(model_uri)

    # Propeller's next attempt of the same node: same execution and node, new attempt prefix.
    again = cluster.retry(package, WORKFLOW, first, "artifacts-export", attempt=1)
    assert again.output_prefix.endswith("/artifacts-export/data/1")
    (row,) = summary(again)
    assert (row["snapshot"], row["reused"]) == (1, True)
    assert [s.number for s in catalog.snapshots(ds)] == [1]

    # The same attempt after it died between committing and noting the commit: still no second snapshot.
    runs = [k for k in catalog.backend.list(f"datasets/{ds.id}/runs")
            if not k.endswith((".started.json", ".reserved.json"))]
    assert len(runs) == 1
    catalog.backend.delete(runs[0])
    (row,) = summary(cluster.retry(package, WORKFLOW, first, "artifacts-export", attempt=2))
    assert (row["snapshot"], row["reused"]) == (1, True)

    # Another execution is another run: the next snapshot.
    second = cluster.run(package, WORKFLOW, {"text": "pod again"}, "b" + uuid.uuid4().hex[:19])
    (row,) = summary(second.nodes["artifacts-export"])
    assert (row["snapshot"], row["reused"]) == (2, False)
    assert [s.execution_id for s in catalog.snapshots(ds)] == [first.execution_id, second.execution_id]


def test_export_pod_fails_naming_a_missing_dataset(package, cluster):
    cluster, root = cluster
    with pytest.raises(harness.NodeFailed) as e:
        cluster.run(package, WORKFLOW, {"text": "nowhere"}, "c" + uuid.uuid4().hex[:19])
    # The run's first node checks its export targets: it fails before any task pod runs.
    assert str(e.value).startswith("node artifacts-check-exports ")
    assert "no dataset with id or name 'models'" in str(e.value)
