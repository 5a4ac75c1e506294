"""The unique-filename rule and the other compile-time checks: they fail before any task runs."""

import pytest
from flows import core, duplicates
from flytekit import ContainerTask, kwtypes, workflow

from flytekitplugins.artifacts import ArtifactTypeError, ArtifactValueError, DuplicateArtifactFileError
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

# Run against every supported flytekit minor too (make compat).
pytestmark = [pytest.mark.usefixtures("clear_ran"), pytest.mark.compat]


def test_seed_duplicate_fails_before_any_task_runs():
    with pytest.raises(DuplicateArtifactFileError) as e:
        duplicates.seed_duplicate(text="x")
    msg = str(e.value)
    for part in ["'My Data'", "'data.csv'", "node n0", "flows.duplicates.prep_both", "output 'o0'", "output 'o1'"]:
        assert part in msg
    assert core.RAN == []
    assert ArtifactStore().executions() == []
    # Still refused the second time (no half-compiled workflow left behind).
    with pytest.raises(DuplicateArtifactFileError):
        duplicates.seed_duplicate(text="x")
    assert core.RAN == []


def test_same_task_called_twice():
    with pytest.raises(DuplicateArtifactFileError) as e:
        duplicates.called_twice(text="x")
    assert "node n0" in str(e.value) and "node n1" in str(e.value) and "flows.core.prep" in str(e.value)
    assert core.RAN == []


def test_duplicate_across_subworkflow():
    with pytest.raises(DuplicateArtifactFileError) as e:
        duplicates.duplicate_through_subworkflow.compile()
    assert "'sub.csv'" in str(e.value) and "sub-workflow node n0" in str(e.value)


def test_one_artifact_one_type():
    with pytest.raises(ArtifactValueError) as e:
        duplicates.conflicting_types(text="x")
    assert "DATA" in str(e.value) and "MODEL" in str(e.value) and "'My Data'" in str(e.value)
    assert core.RAN == []


def test_map_task_over_artifact_task_fails_clearly():
    with pytest.raises(ArtifactTypeError) as e:
        duplicates.mapped(texts=["a", "b"])
    assert "map task" in str(e.value) and "'data.csv'" in str(e.value)
    assert core.RAN == []


def test_same_filename_in_two_artifacts_is_fine():
    core.two_artifacts_same_name(text="x")
    recs = ArtifactStore().records(ArtifactStore().latest_execution())
    assert sorted((r.artifact, r.filename) for r in recs) == [("My Data", "data.csv"), ("Other Data", "data.csv")]


def test_container_task_outputs_are_in_the_plan():
    produce = ContainerTask(
        name="produce_adam",
        image="busybox",
        command=["sh", "-c", "echo"],
        inputs=kwtypes(n=int),
        outputs=kwtypes(adae=core.DataArtifact.File(name="adae.xpt"), log=str),
    )

    @workflow
    def uses_container(n: int) -> core.ModelArtifact.File(name="model.pt"):
        adae, _ = produce(n=n)
        return core.train(data=adae)

    uses_container.compile()
    plan = uses_container._artifact_plan
    got = sorted((e.declaration.filename, e.node_id, e.task, e.output_name, e.site) for e in plan.recorded)
    assert got == [
        ("adae.xpt", "n0", "produce_adam", "adae", "task"),
        ("model.pt", "n1", "flows.core.train", "o0", "workflow"),
    ]
    # The interface flytekit compiled for the container task carries the declaration.
    lt = produce.interface.outputs["adae"].type
    assert lt.annotation.annotations["flytekitplugins.artifacts"]["filename"] == "adae.xpt"
    # ...and the recorder node is part of the workflow, wired to both outputs.
    rec = [n for n in uses_container.nodes if n.id == "artifacts-recorder"]
    assert len(rec) == 1 and {u.id for u in rec[0].upstream_nodes} == {"n0", "n1"}


def test_container_task_duplicate_with_workflow_return():
    produce = ContainerTask(
        name="prep_data_container",
        image="busybox",
        command=["true"],
        inputs=kwtypes(p=str),
        outputs=kwtypes(raw_data=core.DataArtifact.File(name="data.csv"), processed_data=core.FlyteFile),
    )

    @workflow
    def seed(p: str) -> core.DataArtifact.File(name="data.csv"):
        r = produce(p=p)
        return r.processed_data

    with pytest.raises(DuplicateArtifactFileError) as e:
        seed.compile()
    assert "prep_data_container" in str(e.value) and "'raw_data'" in str(e.value) and "'processed_data'" in str(e.value)
