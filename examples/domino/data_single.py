from typing import TypeVar

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts.domino.artifact import DATA, Artifact
from flytekitplugins.artifacts.domino.helpers import Output, run_domino_job_task

DataArtifact = Artifact("adae", DATA)

@workflow
def single_adam() -> DataArtifact.File(name="adae.sas7bdat"):
    return run_domino_job_task(
        flyte_task_name="Produce single ADaM Dataset",
        command="single_adam.py",
        output_specs=[
            Output(name="adae", type=FlyteFile[TypeVar("sas7bdat")]),
        ],
        use_project_defaults_for_omitted=True,
    )
