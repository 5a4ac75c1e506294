"""Flows for the trigger tests run pod by pod: ``produce`` records versions of ``ADaM``/``adsl.csv``; ``sweep`` runs
the plugin's ready ``triggers_sweep`` task over this module, which launches ``tfl`` once per new version through
FlyteRemote. In the test's pods FlyteRemote is the fake of ``tests/flows/fake_remote.py`` (put in place when
``FAKE_REMOTE_LOG`` is set: there is no cluster to launch on)."""

import os
import tempfile

from flytekit import task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import DATA, Artifact, Trigger, on_artifact, triggers_sweep

if os.environ.get("FAKE_REMOTE_LOG"):
    from flows import fake_remote

    fake_remote.install()

ADaM = Artifact("ADaM", DATA)


@task
def make_adsl(text: str) -> ADaM.File(name="adsl.csv"):
    path = os.path.join(tempfile.mkdtemp(prefix="task-out-"), "adsl.csv")
    with open(path, "w") as f:
        f.write(text)
    return path


@workflow
def produce(text: str) -> ADaM.File(name="adsl.csv"):
    return make_adsl(text=text)


@task
def count(adsl: FlyteFile, title: str) -> str:
    with open(adsl) as f:
        return f"{title}: {len(f.read().splitlines())} lines"


@workflow
def tfl(adsl: FlyteFile, title: str = "TFL") -> str:
    return count(adsl=adsl, title=title)


on_adsl = Trigger(on=on_artifact(ADaM, filename="adsl.csv"), launch=tfl, input="adsl")


@workflow
def sweep(modules: str = "cluster_trigger_flows") -> str:
    return triggers_sweep(modules=modules)
