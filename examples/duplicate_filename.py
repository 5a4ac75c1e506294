"""An artifact cannot hold the same filename twice. ``training_workflow`` declares "My Data"/data.csv on a task
output and again on the workflow's return (a different value), so compiling it fails with
``DuplicateArtifactFileError`` before any task runs. ``fixed_training_workflow`` gives the raw copy its own name.

    python examples/duplicate_filename.py           # shows the error, then runs the fixed workflow
    pyflyte run examples/duplicate_filename.py training_workflow         # fails with the error
    pyflyte run examples/duplicate_filename.py fixed_training_workflow   # runs

Because ``training_workflow`` cannot compile, this module cannot be registered; that is the point of it.
"""

from typing import TypeVar

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import DATA, Artifact, CommandTask, DuplicateArtifactFileError

DataArtifact = Artifact(name="My Data", type=DATA)


@workflow
def training_workflow(data_path: str = "data/measurements.csv") -> DataArtifact.File(name="data.csv"):
    data_prep_job = CommandTask(
        name="Prep data",
        command="python scripts/prep_data_with_raw.py",
        inputs={"data_path": str},
        outputs={
            # error - DataArtifact already has another data.csv
            "raw_data": DataArtifact.File(name="data.csv"),
            "processed_data": FlyteFile[TypeVar("csv")],
        },
    )
    data_prep_results = data_prep_job(data_path=data_path)

    return data_prep_results["processed_data"]  # Final output is returned here


@workflow
def fixed_training_workflow(data_path: str = "data/measurements.csv") -> DataArtifact.File(name="data.csv"):
    data_prep_job = CommandTask(
        name="Prep data",
        command="python scripts/prep_data_with_raw.py",
        inputs={"data_path": str},
        outputs={
            "raw_data": DataArtifact.File(name="raw_data.csv"),  # one filename per file of the artifact
            "processed_data": FlyteFile[TypeVar("csv")],
        },
    )
    data_prep_results = data_prep_job(data_path=data_path)

    return data_prep_results["processed_data"]


def duplicate_error() -> DuplicateArtifactFileError:
    """Compile ``training_workflow`` and return the error it is rejected with."""
    try:
        training_workflow.compile()
    except DuplicateArtifactFileError as e:
        return e
    raise AssertionError("training_workflow compiled, but it declares My Data/data.csv twice")


if __name__ == "__main__":
    from flytekitplugins.artifacts.cli import main as flyte_artifacts

    print(f"training_workflow is rejected before anything runs:\n  {duplicate_error()}\n")
    fixed_training_workflow()
    flyte_artifacts(["list", "--latest"], standalone_mode=False)
