"""Workflows with export nodes, run for real by the export tests. Tasks write into fresh temp folders."""

import typing

from flytekit import task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import (
    DATA,
    MODEL,
    REPORT,
    Artifact,
    ExportArtifactFilesToDatasetSpec,
    ExportArtifactToDatasetsSpec,
    run_launch_export_artifacts_task,
)

from .files import write

DataArtifact = Artifact(name="My Data", type=DATA)
ModelArtifact = Artifact(name="My Model", type=MODEL)
ReportArtifact = Artifact(name="Reports", type=REPORT)


@task
def prep(text: str) -> DataArtifact.File(name="data.csv"):
    return write("out.csv", f"col\n{text}\n")


@task
def train(data: FlyteFile) -> FlyteFile:
    with open(data) as f:
        return write("model.bin", "model of " + f.read())


@task
def report(
    data: FlyteFile,
) -> typing.Tuple[ReportArtifact.File(name="summary.txt"), ReportArtifact.File(name="detail.txt")]:
    with open(data) as f:
        text = f.read()
    return write("s.txt", f"{len(text)} bytes"), write("d.txt", f"detail: {text}")


# The model is declared only by the workflow's return, after the export call in the body.
@workflow
def training(text: str) -> ModelArtifact.File(name="model.pt"):
    data = prep(text=text)
    run_launch_export_artifacts_task(
        spec_list=[ExportArtifactToDatasetsSpec(artifact=ModelArtifact, dataset_id="models")]
    )
    return train(data=data)


@workflow
def chosen_files(text: str) -> ModelArtifact.File(name="model.pt"):
    data = prep(text=text)
    report(data=data)
    run_launch_export_artifacts_task(
        spec_list=[
            ExportArtifactFilesToDatasetSpec(files=[ReportArtifact.File(name="summary.txt")], dataset_id="reports"),
            ExportArtifactToDatasetsSpec(artifact=DataArtifact, dataset_id="reports"),
            ExportArtifactToDatasetsSpec(artifact=ModelArtifact, dataset_id="models"),
        ],
        retries=2,
    )
    return train(data=data)


@workflow
def inner(text: str) -> DataArtifact.File(name="data.csv"):
    return prep(text=text)


# The exported file is recorded by the sub-workflow's own recorder, not this workflow's.
@workflow
def outer(text: str) -> FlyteFile:
    data = inner(text=text)
    run_launch_export_artifacts_task(spec_list=[ExportArtifactToDatasetsSpec(artifact=DataArtifact, dataset_id="data")])
    return train(data=data)


@workflow
def to_missing_dataset(text: str) -> ModelArtifact.File(name="model.pt"):
    data = prep(text=text)
    run_launch_export_artifacts_task(
        spec_list=[
            ExportArtifactToDatasetsSpec(artifact=DataArtifact, dataset_id="models"),
            ExportArtifactToDatasetsSpec(artifact=ModelArtifact, dataset_id="no-such-dataset"),
        ]
    )
    return train(data=data)
