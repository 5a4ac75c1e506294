"""Workflows whose runs end badly after some of their files were recorded (a sub-workflow records its own)."""

import os
import signal

from flytekit import task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import DATA, Artifact

from .files import write

Cleaned = Artifact(name="Cleaned", type=DATA)


@task
def clean(text: str) -> Cleaned.File(name="clean.csv"):
    return write("clean.csv", f"col\n{text}\n")


@workflow
def cleaning(text: str) -> Cleaned.File(name="clean.csv"):
    return clean(text=text)


@task
def check(data: FlyteFile, how: str) -> str:
    if how == "fail":
        raise ValueError("the check failed")
    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    return "ok"


@workflow
def pipeline(text: str, how: str) -> str:
    # The sub-workflow records clean.csv as soon as it finishes; the check after it decides how the run ends.
    return check(data=cleaning(text=text), how=how)
