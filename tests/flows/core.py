"""Workflows the core tests run for real. Tasks write into fresh temp folders, like real tasks do."""

import typing

from flytekit import dynamic, task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import DATA, MODEL, REPORT, Artifact

from .files import write

DataArtifact = Artifact(name="My Data", type=DATA)
ModelArtifact = Artifact(name="My Model", type=MODEL)
ReportArtifact = Artifact("TFL Reports", REPORT)

#: Tasks append their name here when they run, so tests can tell that nothing ran.
RAN: typing.List[str] = []


@task
def prep(text: str) -> DataArtifact.File(name="data.csv"):
    RAN.append("prep")
    return write("out.csv", f"col\n{text}\n")


@task
def train(data: FlyteFile) -> FlyteFile:
    RAN.append("train")
    with open(data) as f:
        return write("model.bin", "model of " + f.read())


@workflow
def training(text: str) -> ModelArtifact.File(name="model.pt"):
    data = prep(text=text)
    return train(data=data)


@task
def fail_after(data: FlyteFile) -> FlyteFile:
    RAN.append("fail_after")
    if data:
        raise RuntimeError("boom")
    return data


@workflow
def failing(text: str) -> FlyteFile:
    return fail_after(data=prep(text=text))


@task
def two_reports(a: str, b: str) -> typing.Tuple[
    ReportArtifact.File(name="t_vscat.pdf"), ReportArtifact.File(name="t_ae_rel tfl report", type="pdf")
]:
    return write("a.pdf", a), write("b.pdf", b)


@workflow
def reports(a: str, b: str) -> typing.Tuple[FlyteFile, FlyteFile]:
    return two_reports(a=a, b=b)


Outputs = typing.NamedTuple(
    "Outputs",
    [("model", ModelArtifact.File(name="model.pkl")), ("classes", ModelArtifact.File(name="classes", type="txt"))],
)


@task
def make_model(text: str) -> typing.Tuple[FlyteFile, FlyteFile]:
    return write("m.pkl", text), write("c.txt", "a\nb\n")


@workflow
def named_model(text: str) -> Outputs:
    m, c = make_model(text=text)
    return Outputs(model=m, classes=c)


@task
def named_task(text: str) -> Outputs:
    return Outputs(model=write("m.pkl", text), classes=write("c.txt", "x\n"))


@workflow
def named_task_wf(text: str) -> FlyteFile:
    out = named_task(text=text)
    return out.model


@task
def same_bytes(text: str) -> typing.Tuple[DataArtifact.File(name="a.csv"), DataArtifact.File(name="b.csv")]:
    return write("a.csv", text), write("b.csv", text)


@workflow
def same_bytes_wf(text: str):
    same_bytes(text=text)


# The same declaration on a task output and on the workflow return that passes it through: one file, one record.
@workflow
def declared_twice(text: str) -> DataArtifact.File(name="data.csv"):
    return prep(text=text)


# The same filename in two different artifacts is fine.
OtherData = Artifact("Other Data", DATA)


@task
def plain(text: str) -> FlyteFile:
    return write("x.csv", text)


@workflow
def two_artifacts_same_name(text: str) -> OtherData.File(name="data.csv"):
    prep(text=text)
    return plain(text=text)


@workflow
def sub(text: str) -> DataArtifact.File(name="sub.csv"):
    return plain(text=text)


@workflow
def parent(text: str) -> typing.Tuple[DataArtifact.File(name="sub.csv"), ModelArtifact.File(name="model.pt")]:
    s = sub(text=text)
    return s, train(data=s)


@dynamic
def dyn(text: str) -> FlyteFile:
    return plain(text=text)


@workflow
def with_dynamic(text: str) -> DataArtifact.File(name="dyn.csv"):
    return dyn(text=text)


@dynamic
def dyn_calls_prep(text: str, n: int) -> str:
    # A dynamic body may use its inputs as plain values; it is compiled with them, in a pod as here.
    for _ in range(n):
        prep(text=text)
    return text


@workflow
def dynamic_inner(text: str, n: int) -> str:
    return dyn_calls_prep(text=text, n=n)
