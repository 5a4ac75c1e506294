"""MODEL artifact with several files: a classifier (model.pkl) and its class list (classes, named without an
extension, so ``type="txt"``) tracked together as the model artifact "My Model".

    python examples/model_multiple.py
    pyflyte run examples/model_multiple.py multiple_model
"""

from typing import Tuple, TypeVar

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import MODEL, Artifact, Output, run_command_task

ModelArtifact = Artifact("My Model", MODEL)


@workflow
def multiple_model() -> Tuple[
    ModelArtifact.File(name="model.pkl"),
    # if name does not include the extension, then provide the type kwarg
    ModelArtifact.File(name="classes", type="txt"),
]:
    return run_command_task(
        flyte_task_name="Produce model with classes",
        command="scripts/produce_model_with_classes.py",
        output_specs=[
            # name of the Output can differ from the name of the ArtifactFile
            Output(name="my_model", type=FlyteFile[TypeVar("pkl")]),
            Output(name="my_classes", type=FlyteFile[TypeVar("txt")]),
        ],
        use_project_defaults_for_omitted=True,
    )


if __name__ == "__main__":
    from flytekitplugins.artifacts.cli import main as flyte_artifacts

    multiple_model()
    flyte_artifacts(["list", "--latest"], standalone_mode=False)
