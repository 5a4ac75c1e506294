"""REPORT artifact with a single file: a flow produces one TFL, t_vscat.pdf (a figure of systolic blood pressure),
tracked as its own report artifact "TFL Report".

    python examples/report_single.py
    pyflyte run examples/report_single.py single_report
"""

from typing import TypeVar

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import REPORT, Artifact, Output, run_command_task

ReportArtifact = Artifact("TFL Report", REPORT)


@workflow
def single_report() -> ReportArtifact.File(name="t_vscat.pdf"):
    return run_command_task(
        flyte_task_name="Produce PDF",
        command="scripts/produce_t_vscat.py",
        output_specs=[
            Output(name="t_vscat", type=FlyteFile[TypeVar("pdf")]),
        ],
        use_project_defaults_for_omitted=True,
    )


if __name__ == "__main__":
    from flytekitplugins.artifacts.cli import main as flyte_artifacts

    single_report()
    flyte_artifacts(["list", "--latest"], standalone_mode=False)
