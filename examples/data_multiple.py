"""DATA artifact with several files: adae.xpt, advs.xpt and adsl (named without an extension, so ``type="xpt"``)
tracked together as the data artifact "adam". One task produces two of the files, another the third.

    python examples/data_multiple.py
    pyflyte run examples/data_multiple.py multiple_adam
"""

from typing import Tuple, TypeVar

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import DATA, Artifact, Output, run_command_task

DataArtifact = Artifact("adam", DATA)


@workflow
def multiple_adam() -> Tuple[
    DataArtifact.File(name="adae.xpt"),
    DataArtifact.File(name="advs.xpt"),
    # if name does not include the extension, then provide the type kwarg
    DataArtifact.File(name="adsl dataset", type="xpt"),
]:
    # files in an Artifact can be produced by different Flows tasks
    # in this example, one task produces two of the files, and another task produces the third
    adae_dataset, advs_dataset = run_command_task(
        flyte_task_name="Produce adae and advs Datasets",
        command="scripts/produce_adae_and_advs.py",
        output_specs=[
            Output(name="adae", type=FlyteFile[TypeVar("xpt")]),
            Output(name="advs", type=FlyteFile[TypeVar("xpt")]),
        ],
        use_project_defaults_for_omitted=True,
    )
    adsl_dataset = run_command_task(
        flyte_task_name="Produce adsl Dataset",
        command="scripts/produce_adsl.py",
        output_specs=[
            Output(name="adsl", type=FlyteFile[TypeVar("xpt")]),
        ],
        use_project_defaults_for_omitted=True,
    )
    return adae_dataset, advs_dataset, adsl_dataset


if __name__ == "__main__":
    from flytekitplugins.artifacts.cli import main as flyte_artifacts

    multiple_adam()
    flyte_artifacts(["list", "--latest"], standalone_mode=False)
