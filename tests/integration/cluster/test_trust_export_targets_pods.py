"""Pod by pod against S3: a run exporting into a dataset that does not exist fails at its first node, before any task
pod runs (the first task would leave a marker file); once the dataset exists the same workflow runs and exports."""

import json
import uuid

import cluster_harness as harness
import pytest
from repo_paths import TESTS

WORKFLOW = "flows.export_preflight.preflight"
PACKAGED = (TESTS, "flows.export_preflight", "ghcr.io/example/flows:1", "flows.tgz")


def test_the_check_node_comes_first_and_stops_the_run_before_any_task(package, cluster, tmp_path, monkeypatch):
    from flows.export_preflight import DATASET_ID

    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    wf = package.workflow(WORKFLOW)
    nodes = {n.id: n for n in wf.nodes}
    others = [i for i in nodes if i != "artifacts-check-exports"]
    assert others and all("artifacts-check-exports" in nodes[i].upstream_node_ids for i in others)
    cluster, root = cluster
    marker = tmp_path / "marker.txt"
    eid = "p" + uuid.uuid4().hex[:19]
    with pytest.raises(harness.NodeFailed) as e:
        cluster.run(package, WORKFLOW, {"marker": str(marker)}, eid)
    message = str(e.value)
    assert message.startswith("node artifacts-check-exports ")
    assert any("exports into a dataset that does not exist, so nothing was run" in line
               and f"datasets create NAME --uri FOLDER|s3://BUCKET/PREFIX --id {DATASET_ID}" in line
               for line in message.splitlines())
    assert not marker.exists()
    store = ArtifactStore(root)
    assert not store.exists() or store.executions(include_all=True) == []

    monkeypatch.setenv("FLYTE_ARTIFACTS_ROOT", root)
    catalog = DatasetCatalog(ArtifactStore(root))
    catalog.create("cleaned", f"s3://{cluster.s3.bucket}/datasets/cleaned", dataset_id=DATASET_ID)
    result = cluster.run(package, WORKFLOW, {"marker": str(marker)}, "q" + uuid.uuid4().hex[:19])
    assert result.order[0] == "artifacts-check-exports" and result.order[-1] == "artifacts-export"
    assert marker.read_text() == "the first task ran\n"
    (row,) = json.loads(harness.primitive_text(result.nodes["artifacts-export"].outputs.literals["o0"]))
    assert (row["dataset_id"], row["snapshot"], row["files"]) == (DATASET_ID, 1, 1)
    assert [r["status"] for r in ArtifactStore(root).executions()] == ["succeeded"]
