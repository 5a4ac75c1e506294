"""Workflows the trigger tests run for real: one produces versions of ``ADaM``/``adsl.xpt``, one is launched by
each new version and writes what it was given into an artifact of its own (and a line into ``$TRIGGER_LOG``)."""

import os

from flytekit import task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import DATA, REPORT, Artifact, Trigger, on_artifact

from .files import write

ADaM = Artifact("ADaM", DATA)
TFL = Artifact("TFL Reports", REPORT)


@task
def make_adsl(text: str) -> ADaM.File(name="adsl.xpt"):
    return write("adsl.xpt", text)


@workflow
def produce(text: str) -> ADaM.File(name="adsl.xpt"):
    return make_adsl(text=text)


@task
def render(adsl: FlyteFile, title: str) -> TFL.File(name="tfl.txt"):
    with open(adsl) as f:
        text = f.read()
    if text.startswith("boom"):
        raise ValueError(f"cannot report on {text!r}")
    log = os.environ.get("TRIGGER_LOG")
    if log:
        with open(log, "a") as f:
            f.write(text + "\n")
    return write("tfl.txt", f"{title}: {text}")


@workflow
def tfl_reports(adsl: FlyteFile, title: str = "TFL") -> TFL.File(name="tfl.txt"):
    return render(adsl=adsl, title=title)


on_adsl = Trigger(on=on_artifact(ADaM, filename="adsl.xpt"), launch=tfl_reports, input="adsl")


@workflow
def tfl_strict(adsl: FlyteFile, title: str) -> TFL.File(name="tfl.txt"):
    return render(adsl=adsl, title=title)
