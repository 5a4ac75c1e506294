from typing import TypeVar

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts.domino.artifact import REPORT, Artifact
from flytekitplugins.artifacts.domino.helpers import Output, run_domino_job_task

ReportArtifact = Artifact("TFL Report", REPORT)

@workflow
def single_report() -> ReportArtifact.File(name="t_vscat.pdf"):
    return run_domino_job_task(
        flyte_task_name="Produce PDF",
        command="produce_t_vscat.py",
        output_specs=[
            Output(name="t_vscat", type=FlyteFile[TypeVar("pdf")]),
        ],
        use_project_defaults_for_omitted=True,
    )
