"""Workflows whose artifact files carry partitions: from a workflow input, through a task input, and a constant."""

from flytekit import task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import DATA, Artifact, Inputs

from .files import write

ADaM = Artifact("ADaM", DATA, partition_keys=["study"])
Sites = Artifact("Site Data", DATA, partition_keys=["study", "site"])


@task
def make_adsl(study: str, rows: int) -> ADaM.File(name="adsl.csv", partitions={"study": Inputs.study}):
    return write("adsl.csv", "USUBJID,STUDY\n" + "".join(f"{study}-{i},{study}\n" for i in range(rows)))


@workflow
def adam(study: str, rows: int = 2) -> ADaM.File(name="adsl.csv", partitions={"study": Inputs.study}):
    return make_adsl(study=study, rows=rows)


@task
def make_site(study: str, site: str) -> Sites.File(name="site.csv", partitions={"study": Inputs.study,
                                                                               "site": Inputs.site}):
    return write("site.csv", f"STUDY,SITE\n{study},{site}\n")


@workflow
def site_data(trial: str, site: str) -> FlyteFile:
    # The task's input `study` is bound to the workflow input `trial`; `site` to the workflow input of that name.
    return make_site(study=trial, site=site)


@task
def make_fixed() -> ADaM.File(name="adae.csv", partitions={"study": "FIXED01"}):
    return write("adae.csv", "USUBJID\nX-1\n")


@workflow
def fixed() -> None:
    make_fixed()


@task
def count_rows(adsl: FlyteFile) -> int:
    with open(adsl) as f:
        return len(f.read().splitlines()) - 1


@workflow
def rows_of_mini02() -> int:
    return count_rows(adsl=ADaM.query("adsl.csv", study="MINI02"))


@workflow
def rows_by_default(adsl: FlyteFile = ADaM.query("adsl.csv", partitions={"study": "MINI01"})) -> int:
    return count_rows(adsl=adsl)
