"""Two flows that share an artifact: a producer of ADaM files and consumers that query them."""

from flytekit import task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import DATA, REPORT, Artifact

from .files import write

ADaM = Artifact("ADaM", DATA)
Report = Artifact("Safety Report", REPORT)


@task
def make_adsl(study: str, version: int) -> ADaM.File(name="adsl.xpt"):
    return write("adsl.xpt", f"ADSL {study} v{version}\n")


@task
def make_adae(adsl: FlyteFile) -> ADaM.File(name="adae.xpt"):
    with open(adsl) as f:
        return write("adae.xpt", "ADAE from " + f.read())


@workflow
def produce(study: str, version: int):
    adsl = make_adsl(study=study, version=version)
    make_adae(adsl=adsl)


@task
def boom(adsl: FlyteFile) -> FlyteFile:
    if adsl:
        raise RuntimeError("the run fails after making its files")
    return adsl


@workflow
def produce_sub(study: str, version: int):
    make_adsl(study=study, version=version)


@workflow
def produce_then_fail(study: str, version: int) -> FlyteFile:
    # The sub-workflow records its file, then the run fails.
    sub = produce_sub(study=study, version=version)
    plain = write_plain(text="x")
    sub >> plain
    return boom(adsl=plain)


@task
def write_plain(text: str) -> FlyteFile:
    return write("plain.txt", text)


@task
def render(adsl: FlyteFile, title: str) -> Report.File(name="report.txt"):
    with open(adsl) as f:
        return write("report.txt", f"{title}\n{f.read()}")


@workflow
def report(title: str = "Safety") -> Report.File(name="report.txt"):
    return render(adsl=ADaM.query("adsl.xpt"), title=title)


@workflow
def report_approved(title: str = "Approved") -> Report.File(name="report.txt"):
    return render(adsl=ADaM.query("adsl.xpt", tag="approved"), title=title)


@workflow
def report_default(adsl: FlyteFile = ADaM.query("adsl.xpt"), title: str = "Default") -> Report.File(name="report.txt"):
    return render(adsl=adsl, title=title)
