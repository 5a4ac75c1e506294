"""Programmatic export to a dataset: the training workflow, plus ``run_launch_export_artifacts_task``, which adds
an export node: after every file of "My Data" is recorded, the node writes them as one new, numbered snapshot of
the dataset "training-data". Domino-only arguments (environment, hardware tier) are accepted and ignored.

    python examples/export_to_dataset.py      # creates the dataset beside the artifact store if needed
    flyte-artifacts datasets create training-data --uri ~/flyte-datasets/training-data   # once, for pyflyte run
    pyflyte run examples/export_to_dataset.py training_workflow
    flyte-artifacts datasets show training-data
"""

from typing import TypeVar

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import (
    DATA,
    MODEL,
    Artifact,
    CommandTask,
    ExportArtifactToDatasetsSpec,
    run_launch_export_artifacts_task,
)

DATASET = "training-data"

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

    # Programmatic export is enabled here
    run_launch_export_artifacts_task(
        spec_list=[
            ExportArtifactToDatasetsSpec(
                artifact=DataArtifact,
                dataset_id=DATASET,
            ),
            # ... More exports can be defined in this list, if needed.
        ],
        environment_name="Domino Standard Environment",
        hardware_tier_id="small-k8s",
        use_project_defaults_for_omitted=True,
    )

    return training_results["model"]  # Final output is returned here


if __name__ == "__main__":
    from flytekitplugins.artifacts.cli import main as flyte_artifacts
    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog

    DatasetCatalog().ensure(DATASET)
    training_workflow()
    flyte_artifacts(["list", "--latest"], standalone_mode=False)
    flyte_artifacts(["datasets", "show", DATASET], standalone_mode=False)
