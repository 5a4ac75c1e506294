from typing import Tuple, TypeVar

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts.domino.artifact import DATA, Artifact
from flytekitplugins.artifacts.domino.helpers import Output, run_domino_job_task

DataArtifact = Artifact("adam", DATA)

@workflow
def multiple_adam() -> Tuple[
    DataArtifact.File(name="adae.sas7bdat"),
    DataArtifact.File(name="advs.sas7bdat"),
    # if name does not include the extension, then provide the type kwarg
    DataArtifact.File(name="adsl dataset", type="sas7bdat"),
]:
    # files in an Artifact can be produced by different Flows tasks
    # in this example, one task produces two of the files, and another task produces the third
    adae_dataset, advs_dataset = run_domino_job_task(
        flyte_task_name="Produce adae and advs Datasets",
        command="produce_adae_and_advs.py",
        output_specs=[
            Output(name="adae", type=FlyteFile[TypeVar("sas7bdat")]),
            Output(name="advs", type=FlyteFile[TypeVar("sas7bdat")]),
        ],
        use_project_defaults_for_omitted=True,
    )
    adsl_dataset = run_domino_job_task(
        flyte_task_name="Produce adsl Dataset",
        command="produce_adsl.py",
        output_specs=[
            Output(name="adsl", type=FlyteFile[TypeVar("sas7bdat")]),
        ],
        use_project_defaults_for_omitted=True,
    )
    return adae_dataset, advs_dataset, adsl_dataset
