"""REPORT artifact with several files made at different steps: t_vscat.pdf and "t_ae_rel tfl report" (named
without an extension, so ``type="pdf"``) tracked together as the report artifact "TFL Reports". Here the
artifact files are declared on the tasks' outputs, and the workflow returns nothing.

    python examples/report_multiple.py
    pyflyte run examples/report_multiple.py multiple_report
"""

from flytekit import workflow

from flytekitplugins.artifacts import REPORT, Artifact, Output, run_command_task

ReportArtifact = Artifact("TFL Reports", REPORT)


@workflow
def multiple_report():
    # files in an Artifact can be produced by different Flows tasks
    # in this example, one task produces one file, and another task produces the other
    vscat_pdf = run_command_task(
        flyte_task_name="Produce vscat PDF",
        command="scripts/produce_t_vscat.py",
        output_specs=[
            Output(name="t_vscat", type=ReportArtifact.File(name="t_vscat.pdf")),
        ],
        use_project_defaults_for_omitted=True,
    )
    ae_rel_pdf = run_command_task(
        flyte_task_name="Produce ae_rel PDF",
        command="scripts/produce_t_ae_rel.py",
        output_specs=[
            # if name does not include the extension, then provide the type kwarg
            Output(name="t_ae_rel", type=ReportArtifact.File(name="t_ae_rel tfl report", type="pdf")),
        ],
        use_project_defaults_for_omitted=True,
    )


if __name__ == "__main__":
    from flytekitplugins.artifacts.cli import main as flyte_artifacts

    multiple_report()
    flyte_artifacts(["list", "--latest"], standalone_mode=False)
