"""A workflow whose first task leaves a marker file, exporting into a dataset named by a Domino-style id: the tests
check that a missing dataset stops the run before that task runs (locally and pod by pod)."""

from flytekit import task, workflow

from flytekitplugins.artifacts import DATA, Artifact, ExportArtifactToDatasetsSpec, run_launch_export_artifacts_task

from .files import write

Cleaned = Artifact(name="Cleaned", type=DATA)
#: Spelled like a dataset id (24 hex digits), as a flow ported from Domino names its dataset.
DATASET_ID = "65f0c0ffee0123456789abcd"


@task
def first(marker: str) -> str:
    with open(marker, "w") as f:
        f.write("the first task ran\n")
    return "ran"


@task
def clean(note: str) -> Cleaned.File(name="clean.csv"):
    return write("clean.csv", f"note\n{note}\n")


@workflow
def preflight(marker: str) -> Cleaned.File(name="clean.csv"):
    note = first(marker=marker)
    run_launch_export_artifacts_task(spec_list=[ExportArtifactToDatasetsSpec(artifact=Cleaned, dataset_id=DATASET_ID)])
    return clean(note=note)
