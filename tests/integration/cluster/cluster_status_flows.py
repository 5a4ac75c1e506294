"""Flows for the run-status tests run pod by pod (imported in every emulated pod from its loader arguments)."""

import os
import tempfile

from flytekit import task, workflow

from flytekitplugins.artifacts import DATA, Artifact

DataArtifact = Artifact(name="My Data", type=DATA)


def _write(name: str, data: bytes) -> str:
    path = os.path.join(tempfile.mkdtemp(prefix="task-out-"), name)
    with open(path, "wb") as f:
        f.write(data)
    return path


@task
def produce_data() -> DataArtifact.File(name="data.csv"):
    return _write("data.csv", b"a,b\n1,2\n")


@task
def failing_check(threshold: int = 3) -> str:
    if threshold > 2:
        raise RuntimeError("the quality check failed")
    return "ok"


@workflow
def failing_sibling_workflow() -> DataArtifact.File(name="data.csv"):
    # The check shares no data with the artifact's producer: only the recorder's dependency on every node keeps
    # propeller from recording (and publishing) the file of a run that then fails.
    failing_check()
    return produce_data()


@workflow
def data_only_workflow() -> DataArtifact.File(name="data.csv"):
    return produce_data()
