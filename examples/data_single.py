"""DATA artifact with a single file: a flow produces one ADaM dataset, adae.xpt, tracked as its own data artifact
"adae". The task output is a plain ``FlyteFile``; the workflow's return type makes it the artifact file.

    python examples/data_single.py
    pyflyte run examples/data_single.py single_adam

Domino's documentation writes ``adae.sas7bdat``; open-source tools cannot write that format, so the examples write
SAS transport files (``.xpt``) with pyreadstat instead.
"""

from typing import TypeVar

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import DATA, Artifact, Output, run_command_task

DataArtifact = Artifact("adae", DATA)


@workflow
def single_adam() -> DataArtifact.File(name="adae.xpt"):
    return run_command_task(
        flyte_task_name="Produce single ADaM Dataset",
        command="scripts/single_adam.py",
        output_specs=[
            Output(name="adae", type=FlyteFile[TypeVar("xpt")]),
        ],
        use_project_defaults_for_omitted=True,
    )


if __name__ == "__main__":
    from flytekitplugins.artifacts.cli import main as flyte_artifacts

    single_adam()
    flyte_artifacts(["list", "--latest"], standalone_mode=False)
