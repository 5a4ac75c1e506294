"""The reuse flows the cluster test serializes and runs pod by pod (imported in every emulated pod)."""

import os
import tempfile

from flytekit import task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import DATA, REPORT, Artifact

ADaM = Artifact("ADaM", DATA)
Report = Artifact("Safety Report", REPORT)


def _write(name: str, text: str) -> str:
    path = os.path.join(tempfile.mkdtemp(prefix="task-out-"), name)
    with open(path, "w") as f:
        f.write(text)
    return path


@task
def make_adsl(study: str, version: int) -> ADaM.File(name="adsl.xpt"):
    return _write("adsl.xpt", f"ADSL {study} v{version}\n")


@workflow
def produce(study: str, version: int):
    make_adsl(study=study, version=version)


@task
def render(adsl: FlyteFile, title: str) -> Report.File(name="report.txt"):
    with open(adsl) as f:
        return _write("report.txt", f"{title}\n{f.read()}")


@workflow
def report(title: str) -> Report.File(name="report.txt"):
    return render(adsl=ADaM.query("adsl.xpt"), title=title)


@workflow
def report_approved(title: str) -> Report.File(name="report.txt"):
    return render(adsl=ADaM.query("adsl.xpt", tag="approved"), title=title)


@workflow
def report_default(title: str, adsl: FlyteFile = ADaM.query("adsl.xpt")) -> Report.File(name="report.txt"):
    return render(adsl=adsl, title=title)
