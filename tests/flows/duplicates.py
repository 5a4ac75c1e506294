"""Workflows that break the unique-filename rule. Compilation is lazy, so defining them is fine;
calling or compiling them raises before any task runs."""

import typing

from flytekit import map_task, task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import MODEL, Artifact

from .core import RAN, DataArtifact, prep, sub, write


@task
def prep_both(text: str) -> typing.Tuple[DataArtifact.File(name="data.csv"), FlyteFile]:
    RAN.append("prep_both")
    return write("raw.csv", text), write("processed.csv", text)


# The seed's forbidden example: a task output and the workflow return both claim My Data/data.csv.
@workflow
def seed_duplicate(text: str) -> DataArtifact.File(name="data.csv"):
    raw, processed = prep_both(text=text)
    return processed


@workflow
def called_twice(text: str):
    prep(text=text)
    prep(text=text)


@workflow
def duplicate_through_subworkflow(text: str) -> DataArtifact.File(name="sub.csv"):
    sub(text=text)
    return prep(text=text)


SameNameAsModel = Artifact("My Data", MODEL)


@task
def model_typed(text: str) -> SameNameAsModel.File(name="w.bin"):
    return write("w.bin", text)


@workflow
def conflicting_types(text: str):
    prep(text=text)
    model_typed(text=text)


@workflow
def mapped(texts: typing.List[str]) -> typing.List[FlyteFile]:
    return map_task(prep)(text=texts)
