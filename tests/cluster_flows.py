"""The flows the cluster test serializes and runs pod by pod.

This module is imported in every emulated pod from its loader arguments alone, so it must not depend on anything
the test process sets up (no fixtures, no module state shared with the test).
"""

import os
import tempfile
import typing

from flytekit import ContainerTask, kwtypes, task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import DATA, MODEL, REPORT, Artifact

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
def prep(data_path: str) -> DataArtifact.File(name="data.csv"):
    return FlyteFile(_write("prepared.csv", f"source,rows\n{data_path},3\n".encode()))


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
    data = prep(data_path=data_path)
    summarize(data=data)
    return train(processed_data=data)
