"""MODEL artifact with a single file: a flow produces model.pkl, tracked as its own model artifact "My Model". The
task's output is called ``my_model``; the artifact file is named by the workflow's return type.

    python examples/model_single.py
    pyflyte run examples/model_single.py single_model
"""

from typing import TypeVar

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import MODEL, Artifact, Output, run_command_task

ModelArtifact = Artifact("My Model", MODEL)


@workflow
def single_model() -> ModelArtifact.File(name="model.pkl"):
    return run_command_task(
        flyte_task_name="Produce model",
        command="scripts/produce_model.py",
        output_specs=[
            # name of the Output can differ from the name of the ArtifactFile
            Output(name="my_model", type=FlyteFile[TypeVar("pkl")]),
        ],
        use_project_defaults_for_omitted=True,
    )


if __name__ == "__main__":
    from flytekitplugins.artifacts.cli import main as flyte_artifacts

    single_model()
    flyte_artifacts(["list", "--latest"], standalone_mode=False)
