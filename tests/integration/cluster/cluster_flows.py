"""The flows the cluster test serializes and runs pod by pod.

This module is imported in every emulated pod from its loader arguments alone, so it must not depend on anything
the test process sets up (no fixtures, no module state shared with the test).
"""

import os
import tempfile
import typing

from flytekit import ContainerTask, kwtypes, task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import (
    DATA,
    MODEL,
    REPORT,
    Artifact,
    ExportArtifactToDatasetsSpec,
    Input,
    Output,
    run_command_task,
    run_launch_export_artifacts_task,
)

DataArtifact = Artifact(name="My Data", type=DATA)
ModelArtifact = Artifact(name="My Model", type=MODEL)
ReportArtifact = Artifact(name="Data Report", type=REPORT)

#: The dataset the training flow exports into; the test creates it before the run.
DATASET = "clean-data"


def _write(name: str, data: bytes) -> str:
    path = os.path.join(tempfile.mkdtemp(prefix="task-out-"), name)
    with open(path, "wb") as f:
        f.write(data)
    return path


@task
def train(processed_data: FlyteFile[typing.TypeVar("csv")]) -> FlyteFile[typing.TypeVar("pt")]:
    with open(processed_data, "rb") as f:
        return FlyteFile(_write("weights.bin", b"weights of " + f.read()))


# A raw container: no flytekit in the image, so nothing of the plugin runs where its output is produced.
summarize = ContainerTask(
    name="summarize",
    image="docker.io/library/busybox:1.36",
    input_data_dir="/var/inputs",
    output_data_dir="/var/outputs",
    inputs=kwtypes(data=FlyteFile),
    outputs=kwtypes(summary=ReportArtifact.File(name="summary.txt")),
    command=["sh", "-c", "wc -c < /var/inputs/data > /var/outputs/summary"],
)


@workflow
def training_workflow(data_path: str) -> ModelArtifact.File(name="model.pt"):
    # The seed's shape: a job task declared in the body, whose pod finds it again by compiling this workflow.
    data = run_command_task(
        flyte_task_name="Prep data",
        command='printf "source,rows\\n%s,3\\n" "$INPUT_DATA_PATH" > "$OUTPUT_PROCESSED_DATA"',
        inputs=[Input(name="data_path", type=str, value=data_path)],
        output_specs=[Output(name="processed_data", type=DataArtifact.File(name="data.csv"))],
    )
    summarize(data=data)
    run_launch_export_artifacts_task(
        spec_list=[ExportArtifactToDatasetsSpec(artifact=DataArtifact, dataset_id=DATASET)],
        environment_name="Domino Standard Environment",
        hardware_tier_id="small-k8s",
    )
    return train(processed_data=data)
