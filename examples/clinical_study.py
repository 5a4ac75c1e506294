"""A small clinical study, end to end: SDTM in, ADaM datasets out as SAS transport files, then a safety TFL report,
and the ADaM artifact exported to the dataset "adam" as a new snapshot on every run.

    Load SDTM ----> Derive ADSL ----> Derive ADAE and ADVS ----> Safety TFLs
     dm, ae, vs      adsl.xpt          adae.xpt, advs.xpt          safety_tfl.pdf
                     '------- ADaM (DATA artifact) -------'        Safety TFLs (REPORT artifact)
                                     |
                                     '--> export to dataset "adam"

Every step is a script run as a command task (``examples/scripts``): files move between steps as task outputs and
inputs; the ADaM files come from two different tasks. The SDTM domains are CSV files in ``examples/data/sdtm``.

    python examples/clinical_study.py           # creates the dataset "adam" if needed, runs, prints the results
    flyte-artifacts datasets create adam --uri ~/flyte-datasets/adam   # once, for pyflyte run
    pyflyte run examples/clinical_study.py clinical_study
"""

import typing
from typing import TypeVar

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import (
    DATA,
    REPORT,
    Artifact,
    ExportArtifactToDatasetsSpec,
    Input,
    Output,
    run_command_task,
    run_launch_export_artifacts_task,
)

DATASET = "adam"

AdamArtifact = Artifact(name="MINI01 ADaM", type=DATA)
TflArtifact = Artifact(name="MINI01 Safety TFLs", type=REPORT)

XPT = FlyteFile[TypeVar("xpt")]


@workflow
def clinical_study(sdtm_folder: str = "data/sdtm") -> TflArtifact.File(name="safety_tfl.pdf"):
    sdtm = run_command_task(
        flyte_task_name="Load SDTM",
        command="python scripts/load_sdtm.py",
        inputs=[Input(name="sdtm_folder", type=str, value=sdtm_folder)],
        output_specs=[Output(name="dm", type=XPT), Output(name="ae", type=XPT), Output(name="vs", type=XPT)],
    )
    adsl = run_command_task(
        flyte_task_name="Derive ADSL",
        command="python scripts/derive_adsl.py",
        inputs=[Input(name="dm", type=XPT, value=sdtm["dm"])],
        output_specs=[Output(name="adsl", type=AdamArtifact.File(name="adsl.xpt"))],
    )
    adae, advs = run_command_task(
        flyte_task_name="Derive ADAE and ADVS",
        command="python scripts/derive_adae_advs.py",
        inputs=[
            Input(name="ae", type=XPT, value=sdtm["ae"]),
            Input(name="vs", type=XPT, value=sdtm["vs"]),
            Input(name="adsl", type=XPT, value=adsl),
        ],
        output_specs=[
            Output(name="adae", type=AdamArtifact.File(name="adae.xpt")),
            Output(name="advs", type=AdamArtifact.File(name="advs.xpt")),
        ],
    )
    report = run_command_task(
        flyte_task_name="Safety TFLs",
        command="python scripts/tfl_report.py",
        inputs=[
            Input(name="adsl", type=XPT, value=adsl),
            Input(name="adae", type=XPT, value=adae),
            Input(name="advs", type=XPT, value=advs),
        ],
        output_specs=[Output(name="report", type=TflArtifact.File(name="safety_tfl.pdf"))],
    )
    run_launch_export_artifacts_task(
        spec_list=[ExportArtifactToDatasetsSpec(artifact=AdamArtifact, dataset_id=DATASET)]
    )
    return report


def main(dataset_uri: typing.Optional[str] = None):
    """Run the study flow once and print what it produced: its artifact files and the new snapshot of "adam".

    Returns that snapshot (a ``DatasetSnapshot``)."""
    from flytekitplugins.artifacts.cli import main as flyte_artifacts
    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog

    DatasetCatalog().ensure(DATASET, dataset_uri)
    clinical_study()
    flyte_artifacts(["list", "--latest"], standalone_mode=False)
    flyte_artifacts(["datasets", "show", DATASET], standalone_mode=False)
    return DatasetCatalog().snapshot(DATASET)


if __name__ == "__main__":
    main()
