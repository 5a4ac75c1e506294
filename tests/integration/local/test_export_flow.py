"""The export node in real workflows: wiring, snapshots per run, run-time and compile-time errors."""

import glob
import hashlib
import json
import os

import pytest
from flows import exports
from flytekit import Resources, task, workflow
from flytekit.configuration import Image, ImageConfig, SerializationSettings
from flytekit.tools.translator import get_serializable
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import (
    DATA,
    MODEL,
    Artifact,
    ArtifactNotFoundError,
    ArtifactTypeError,
    ArtifactValueError,
    ExportArtifactFilesToDatasetSpec,
    ExportArtifactToDatasetsSpec,
    run_launch_export_artifacts_task,
)
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

# Run against every supported flytekit minor too (make compat).
pytestmark = pytest.mark.compat


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def request_of(node) -> dict:
    (b,) = [b for b in node.bindings if b.var == "request"]
    return json.loads(b.binding.scalar.primitive.string_value)


def files_of(snap):
    return {f.path: f for f in snap.files}


def test_export_runs_after_the_workflow_return_artifact(catalog, three_datasets):
    out = exports.training(text="hello")
    (snap,) = catalog.snapshots("models")
    (f,) = snap.files
    with open(out) as fh:
        model_text = fh.read()
    # model.pt exists only through the workflow's return annotation, bound after the export call in the body.
    assert (f.path, f.artifact, f.type, f.node_id, f.task) == (
        "model.pt",
        "My Model",
        "MODEL",
        "n1",
        "flows.exports.train",
    )
    assert (f.size, f.sha256) == (len(model_text), sha(model_text))
    (run,) = ArtifactStore().executions()
    assert (snap.number, snap.execution_id, snap.workflow, snap.node_id) == (
        1,
        run["execution_id"],
        "flows.exports.training",
        "artifacts-export",
    )
    ds = catalog.get("models")
    with open(os.path.join(ds.uri, f.key)) as fh:
        assert fh.read() == model_text
    # The dataset folder carries a copy of the manifest, so it describes itself.
    with open(os.path.join(ds.uri, "snapshots", "1.json")) as fh:
        assert json.load(fh)["files"][0]["sha256"] == f.sha256


def test_compiled_export_node_depends_on_the_recorder():
    nodes = {n.id: n for n in exports.training.nodes}
    export = nodes["artifacts-export"]
    assert [u.id for u in export.upstream_nodes] == ["artifacts-recorder", "artifacts-check-exports"]
    assert {u.id for u in nodes["artifacts-recorder"].upstream_nodes} == {"n0", "n1", "artifacts-check-exports"}
    # The export targets are checked by the first node, which every other node waits for.
    assert nodes["artifacts-check-exports"].upstream_nodes == []
    assert all("artifacts-check-exports" in [u.id for u in n.upstream_nodes] for i, n in nodes.items()
               if i != "artifacts-check-exports")
    assert export.flyte_entity.name == "flytekitplugins.artifacts.flyte.nodes.export.export_artifacts"
    req = request_of(export)
    assert req["targets"] == [{"dataset": "models", "files": [["My Model", "model.pt"]]}]


def test_each_run_adds_the_next_snapshot(catalog, three_datasets):
    for text in ("one", "two", "three"):
        exports.training(text=text)
    snaps = catalog.snapshots("models")
    assert [s.number for s in snaps] == [1, 2, 3]
    runs = [r["execution_id"] for r in reversed(ArtifactStore().executions())]
    assert [s.execution_id for s in snaps] == runs
    assert [s.files[0].sha256 for s in snaps] == [sha(f"model of col\n{t}\n") for t in ("one", "two", "three")]
    assert catalog.snapshot("models", "latest").number == 3
    # Earlier snapshots still resolve to their own bytes.
    first = catalog.get("models")
    with open(os.path.join(first.uri, snaps[0].files[0].key)) as fh:
        assert fh.read() == "model of col\none\n"


def test_artifact_spec_and_files_spec_into_two_datasets(catalog, three_datasets):
    exports.chosen_files(text="abc")
    (reports,) = catalog.snapshots("reports")
    (models,) = catalog.snapshots("models")
    # Only the chosen report file, plus every file of the data artifact.
    assert sorted(files_of(reports)) == ["data.csv", "summary.txt"]
    assert files_of(reports)["summary.txt"].artifact == "Reports"
    assert files_of(reports)["data.csv"].sha256 == sha("col\nabc\n")
    assert sorted(files_of(models)) == ["model.pt"]
    assert reports.execution_id == models.execution_id


def test_overrides_reach_the_export_node():
    node = {n.id: n for n in exports.chosen_files.nodes}["artifacts-export"]
    assert node.metadata.retries.retries == 2


def test_file_recorded_by_a_sub_workflow_is_exported_after_it(catalog, three_datasets):
    exports.outer(text="nested")
    nodes = {n.id: n for n in exports.outer.nodes}
    sub = [n for n in exports.outer.nodes if getattr(n.flyte_entity, "name", "") == "flows.exports.inner"][0]
    assert sub in nodes["artifacts-export"].upstream_nodes
    (snap,) = catalog.snapshots("data")
    assert files_of(snap)["data.csv"].sha256 == sha("col\nnested\n")


def test_missing_dataset_fails_before_anything_is_copied(catalog, three_datasets):
    with pytest.raises(ArtifactNotFoundError, match="'no-such-dataset'") as e:
        exports.to_missing_dataset(text="x")
    # Checked before the first task: no task ran, so no run recorded anything.
    assert "exports into a dataset that does not exist, so nothing was run" in str(e.value)
    assert "datasets create no-such-dataset --uri" in str(e.value)
    assert catalog.store.executions(include_all=True) == []
    # "models" was resolvable and listed first, yet nothing went into it.
    assert catalog.snapshots("models") == []
    assert not os.path.exists(os.path.join(catalog.get("models").uri, "snapshots"))


def test_summary_output_and_deck(catalog, three_datasets):
    from flytekitplugins.artifacts.flyte.nodes.export import export_artifacts, summary_html

    exports.training(text="deck")
    request = request_of({n.id: n for n in exports.training.nodes}["artifacts-export"])
    # Run the node's task on its own, in the execution that recorded the file (as a retry in that run would).
    from flytekitplugins.artifacts.store.identity import ExecutionIdentity, reset_local_run, set_local_run

    (run,) = ArtifactStore().executions()
    token = set_local_run(ExecutionIdentity(run["execution_id"], "local", "local", True))
    try:
        rows = json.loads(export_artifacts(request=json.dumps(request), recorded="[]"))
    finally:
        reset_local_run(token)
    ds = catalog.get("models")
    assert rows == [
        {
            "bytes": len("model of col\ndeck\n"),
            "dataset_id": ds.id,
            "dataset_name": "models",
            "files": 1,
            "reused": False,
            "snapshot": 2,
        }
    ]
    page = summary_html(rows)
    assert "models" in page and ds.id in page and "<td>2</td>" in page


def test_deck_page_is_written(catalog, three_datasets):
    from flytekit.core.context_manager import FlyteContextManager

    sandbox = FlyteContextManager.current_context().file_access.local_sandbox_dir

    def pages():
        found = set()
        for p in glob.glob(os.path.join(sandbox, "**", "deck.html"), recursive=True):
            with open(p, encoding="utf-8") as f:
                if "Dataset export" in f.read():
                    found.add(p)
        return found

    before = pages()
    exports.training(text="deck-page")
    # flytekit writes each local task's decks under the local sandbox; the export task's has the summary.
    (page,) = pages() - before
    with open(page, encoding="utf-8") as f:
        assert catalog.get("models").id in f.read()


# ---- compile-time errors ------------------------------------------------------------------------------------

D = Artifact(name="Compile Data", type=DATA)
M = Artifact(name="Compile Model", type=MODEL)


@task
def make_d(text: str) -> D.File(name="d.csv"):
    return exports.write("d.csv", text)


def test_empty_spec_list_is_refused():
    with pytest.raises(ArtifactValueError, match="non-empty list"):

        @workflow
        def wf(text: str) -> FlyteFile:
            run_launch_export_artifacts_task(spec_list=[])
            return make_d(text=text)

        wf.compile()


def test_artifact_without_files_in_the_workflow_is_refused():
    with pytest.raises(ArtifactValueError, match=r"\['Compile Model'\].*no output of the workflow declares"):

        @workflow
        def wf(text: str) -> FlyteFile:
            run_launch_export_artifacts_task(spec_list=[ExportArtifactToDatasetsSpec(artifact=M, dataset_id="ds")])
            return make_d(text=text)

        wf.compile()


def test_file_spec_naming_an_undeclared_file_is_refused():
    with pytest.raises(ArtifactValueError, match=r"'other\.csv' of artifact 'Compile Data'.*\['d\.csv'\]"):

        @workflow
        def wf(text: str) -> FlyteFile:
            run_launch_export_artifacts_task(
                spec_list=[ExportArtifactFilesToDatasetSpec(files=[D.File(name="other.csv")], dataset_id="ds")]
            )
            return make_d(text=text)

        wf.compile()


@pytest.mark.parametrize("bad", ["", "   "])
def test_empty_dataset_id_is_refused(bad):
    with pytest.raises(ArtifactValueError, match="dataset_id must not be empty"):
        ExportArtifactToDatasetsSpec(artifact=D, dataset_id=bad)
    with pytest.raises(ArtifactValueError, match="dataset_id must not be empty"):
        ExportArtifactFilesToDatasetSpec(files=[D.File(name="d.csv")], dataset_id=bad)


def test_non_string_dataset_id_is_refused():
    with pytest.raises(ArtifactTypeError, match="dataset_id must be a string"):
        ExportArtifactToDatasetsSpec(artifact=D, dataset_id=42)


def test_same_filename_from_two_artifacts_into_one_dataset_is_refused():
    E = Artifact(name="Compile Extra", type=DATA)

    @task
    def make_e(text: str) -> E.File(name="d.csv"):
        return exports.write("d.csv", text)

    with pytest.raises(ArtifactValueError, match="'d.csv' of both"):

        @workflow
        def wf(text: str) -> FlyteFile:
            make_e(text=text)
            run_launch_export_artifacts_task(
                spec_list=[
                    ExportArtifactToDatasetsSpec(artifact=D, dataset_id="ds"),
                    ExportArtifactToDatasetsSpec(artifact=E, dataset_id="ds"),
                ]
            )
            return make_d(text=text)

        wf.compile()


def test_bad_overrides_are_refused():
    with pytest.raises(ArtifactTypeError, match="requests must be a flytekit.Resources"):

        @workflow
        def wf(text: str) -> FlyteFile:
            run_launch_export_artifacts_task(
                spec_list=[ExportArtifactToDatasetsSpec(artifact=D, dataset_id="ds")], requests={"cpu": "1"}
            )
            return make_d(text=text)

        wf.compile()


def test_call_outside_a_workflow_is_refused():
    with pytest.raises(ArtifactValueError, match="inside a @workflow"):
        run_launch_export_artifacts_task(spec_list=[ExportArtifactToDatasetsSpec(artifact=D, dataset_id="ds")])


# ---- serialization ------------------------------------------------------------------------------------------


def test_export_node_serializes_with_module_loader_args_and_overrides():
    @workflow
    def wf(text: str) -> FlyteFile:
        run_launch_export_artifacts_task(
            spec_list=[ExportArtifactToDatasetsSpec(artifact=D, dataset_id="ds")],
            retries=3,
            container_image="ghcr.io/example/exporter:2",
            requests=Resources(cpu="1", mem="1Gi"),
            limits=Resources(cpu="2", mem="2Gi"),
        )
        return make_d(text=text)

    settings = SerializationSettings(
        image_config=ImageConfig(default_image=Image(name="default", fqn="ghcr.io/example/flows", tag="1")),
        project="p",
        domain="d",
        version="v1",
    )
    from collections import OrderedDict

    entities = OrderedDict()
    spec = get_serializable(entities, settings, wf)
    node = [n for n in spec.template.nodes if n.id == "artifacts-export"][0]
    assert node.metadata.retries.retries == 3
    assert node.metadata.timeout.total_seconds() == 3 * 3600
    assert [r.value for r in node.task_node.overrides.resources.requests] == ["1", "1Gi"]
    assert [r.value for r in node.task_node.overrides.resources.limits] == ["2", "2Gi"]
    assert node.task_node.overrides.container_image == "ghcr.io/example/exporter:2"
    task_spec = [
        e
        for e in entities.values()
        if getattr(getattr(e, "template", None), "id", None) is not None
        and e.template.id.name == "flytekitplugins.artifacts.flyte.nodes.export.export_artifacts"
    ][0]
    args = list(task_spec.template.container.args)
    assert args[args.index("--") + 1 :] == [
        "task-module",
        "flytekitplugins.artifacts.flyte.nodes.export",
        "task-name",
        "export_artifacts",
    ]


def test_artifact_of_another_type_is_refused():
    wrong = Artifact(name="Compile Data", type=MODEL)  # the outputs declare it as DATA
    with pytest.raises(ArtifactTypeError, match="declares artifact 'Compile Data' as DATA"):

        @workflow
        def wf(text: str) -> FlyteFile:
            run_launch_export_artifacts_task(spec_list=[ExportArtifactToDatasetsSpec(artifact=wrong, dataset_id="ds")])
            return make_d(text=text)

        wf.compile()
