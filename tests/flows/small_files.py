"""A workflow of small csv artifact files, each from a task of its own (the shape bench/small_files.py measures)."""

import os
import tempfile

from flytekit import task, workflow

from flytekitplugins.artifacts import DATA, Artifact

Small = Artifact("Small Tables", DATA)


def _csv(name: str, rows: int) -> str:
    path = os.path.join(tempfile.mkdtemp(prefix="task-out-"), name)
    with open(path, "w") as f:
        f.write("id,value\n" + "".join(f"{i},{i * 3}\n" for i in range(rows)))
    return path


@task
def first(rows: int) -> Small.File(name="first.csv"):
    return _csv("first.csv", rows)


@task
def second(rows: int) -> Small.File(name="second.csv"):
    return _csv("second.csv", rows + 1)


@workflow
def two_tables(rows: int = 4):
    first(rows=rows)
    second(rows=rows)
