"""Triggers narrowed by a partition value and by a tag: ``study_sites`` records ``Site Data``/``site.csv`` for a
study and site, and each trigger launches ``report_site`` (which appends what it read to ``$TRIGGER_LOG``) only for
the versions it asks for."""

import os

from flytekit import task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import DATA, Artifact, Inputs, Trigger, on_artifact

from .files import write

Sites = Artifact("Trial Sites", DATA, partition_keys=["study", "site"])


@task
def make_site(study: str, site: str, text: str) -> Sites.File(
        name="site.csv", partitions={"study": Inputs.study, "site": Inputs.site}):
    return write("site.csv", text)


@workflow
def study_sites(study: str, site: str, text: str) -> Sites.File(
        name="site.csv", partitions={"study": Inputs.study, "site": Inputs.site}):
    return make_site(study=study, site=site, text=text)


@task
def read_site(data: FlyteFile, label: str) -> str:
    with open(data) as f:
        text = f.read()
    log = os.environ.get("TRIGGER_LOG")
    if log:
        with open(log, "a") as f:
            f.write(f"{label}:{text}\n")
    return text


@workflow
def report_mini01(data: FlyteFile, label: str = "mini01") -> str:
    return read_site(data=data, label=label)


@workflow
def report_site_a(data: FlyteFile, label: str = "mini01-a") -> str:
    return read_site(data=data, label=label)


@workflow
def report_approved(data: FlyteFile, label: str = "approved") -> str:
    return read_site(data=data, label=label)


on_mini01 = Trigger(on=on_artifact(Sites, filename="site.csv", partitions={"study": "MINI01"}),
                    launch=report_mini01, input="data")
on_mini01_site_a = Trigger(on=on_artifact(Sites, filename="site.csv", partitions={"study": "MINI01", "site": "A"}),
                           launch=report_site_a, input="data")
on_approved = Trigger(on=on_artifact(Sites, filename="site.csv", tag="approved"), launch=report_approved,
                      input="data")
