"""Partitioned flows the cluster test serializes and runs pod by pod (imported in every emulated pod)."""

import os
import tempfile

from flytekit import task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import DATA, Artifact, Inputs

ADaM = Artifact("ADaM", DATA, partition_keys=["study"])


@task
def make_adsl(study: str, version: int) -> ADaM.File(name="adsl.csv", partitions={"study": Inputs.study}):
    path = os.path.join(tempfile.mkdtemp(prefix="task-out-"), "adsl.csv")
    with open(path, "w") as f:
        f.write(f"ADSL {study} v{version}\n")
    return path


@workflow
def produce(trial: str, version: int):
    make_adsl(study=trial, version=version)


@task
def read_text(adsl: FlyteFile) -> str:
    with open(adsl) as f:
        return f.read()


@workflow
def read_s1(adsl: FlyteFile = ADaM.query("adsl.csv", study="S1")) -> str:
    return read_text(adsl=adsl)


@workflow
def read_s2() -> str:
    return read_text(adsl=ADaM.query("adsl.csv", study="S2"))
