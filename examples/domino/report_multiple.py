from flytekit import workflow

from flytekitplugins.artifacts.domino.artifact import REPORT, Artifact
from flytekitplugins.artifacts.domino.helpers import Output, run_domino_job_task

ReportArtifact = Artifact("TFL Reports", REPORT)

@workflow
def multiple_report():
    # files in an Artifact can be produced by different Flows tasks
    # in this example, one task produces one file, and another task produces the other
    vscat_pdf = run_domino_job_task(
        flyte_task_name="Produce vscat PDF",
        command="produce_t_vscat.py",
        output_specs=[
            Output(name="t_vscat", type=ReportArtifact.File(name="t_vscat.pdf")),
        ],
        use_project_defaults_for_omitted=True,
    )
    ae_rel_pdf = run_domino_job_task(
        flyte_task_name="Produce ae_rel PDF",
        command="produce_t_ae_rel.py",
        output_specs=[
            # if name does not include the extension, then provide the type kwarg
            Output(name="t_ae_rel", type=ReportArtifact.File(name="t_ae_rel tfl report", type="pdf")),
        ],
        use_project_defaults_for_omitted=True,
    )
