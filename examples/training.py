"""The training workflow: a data-prep script and a training script run as command tasks. The prepared data is a
file of the DATA artifact "My Data", the trained model a file of the MODEL artifact "My Model".

    python examples/training.py
    pyflyte run examples/training.py training_workflow --data_path data/measurements.csv

The tasks are built with ``CommandTask`` in the shape of Domino's documented ``DominoJobTask`` (name, command,
inputs and outputs as dicts), inside the workflow body. Relative paths (the scripts, ``data_path``) are read from the
folder of this file, where command tasks run by default.
"""

from typing import TypeVar

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import DATA, MODEL, Artifact, CommandTask

# define the artifact name and type which may be REPORT, DATA or MODEL
DataArtifact = Artifact(name="My Data", type=DATA)
ModelArtifact = Artifact(name="My Model", type=MODEL)


@workflow
def training_workflow(data_path: str = "data/measurements.csv") -> ModelArtifact.File(name="model.pt"):
    data_prep_job = CommandTask(
        name="Prep data",
        command="python scripts/prep_data.py",
        inputs={"data_path": str},
        outputs={"processed_data": DataArtifact.File(name="data.csv")},
    )
    data_prep_results = data_prep_job(data_path=data_path)

    training_job = CommandTask(
        name="Train model",
        command="python scripts/train_model.py",
        inputs={"processed_data": FlyteFile[TypeVar("csv")]},
        outputs={"model": FlyteFile[TypeVar("pt")]},
    )
    training_results = training_job(processed_data=data_prep_results["processed_data"])

    return training_results["model"]  # Final output is returned here


if __name__ == "__main__":
    from flytekitplugins.artifacts.cli import main as flyte_artifacts

    training_workflow()
    flyte_artifacts(["list", "--latest"], standalone_mode=False)
