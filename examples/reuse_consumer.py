"""Reuse, part 2: a flow that reads the newest "Study ADaM" ``adsl.csv`` (recorded by ``reuse_producer.py``) and
makes a report from it, and one whose input defaults to the version tagged ``approved``. Then it shows the
report's lineage: the ADaM file, the run that made it and that run's inputs.

    python examples/reuse_producer.py && python examples/reuse_consumer.py
    pyflyte run examples/reuse_consumer.py demographics_report --title "Week 1"
"""

import csv
import os
import tempfile

from flytekit import task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import DATA, REPORT, Artifact

StudyADaM = Artifact("Study ADaM", DATA)
Report = Artifact("Demographics Report", REPORT)


@task
def summarize(adsl: FlyteFile, title: str) -> Report.File(name="demographics.txt"):
    """Count subjects by sex and give the mean age."""
    with open(adsl, newline="") as f:
        rows = list(csv.DictReader(f))
    ages = [int(r["AGE"]) for r in rows]
    by_sex = {s: sum(r["SEX"] == s for r in rows) for s in sorted({r["SEX"] for r in rows})}
    path = os.path.join(tempfile.mkdtemp(), "demographics.txt")
    with open(path, "w") as f:
        f.write(f"{title}\nsubjects: {len(rows)}\nby sex: {by_sex}\n")
        f.write(f"mean age: {sum(ages) / len(ages):.1f}\n" if ages else "mean age: -\n")
    return path


@workflow
def demographics_report(title: str = "Demographics") -> Report.File(name="demographics.txt"):
    # A FlyteFile promise: a query node finds the newest succeeded run's adsl.csv when the run gets there.
    return summarize(adsl=StudyADaM.query("adsl.csv"), title=title)


@workflow
def approved_report(
    title: str = "Demographics (approved data)", adsl: FlyteFile = StudyADaM.query("adsl.csv", tag="approved")
) -> Report.File(name="demographics.txt"):
    # The default is resolved when the run starts; pass --adsl to use another file.
    return summarize(adsl=adsl, title=title)


if __name__ == "__main__":
    from flytekitplugins.artifacts import ArtifactStore
    from flytekitplugins.artifacts.cli import main as flyte_artifacts
    from flytekitplugins.artifacts.store.versions import versions

    with open(demographics_report(title="Newest ADaM")) as f:
        print(f.read())
    # Approve the oldest version, then run the flow whose input defaults to the approved one.
    oldest = versions(ArtifactStore(), "Study ADaM")[-1]["execution_id"]
    flyte_artifacts(["tag", "Study ADaM", "approved", "--execution", oldest], standalone_mode=False)
    with open(approved_report()) as f:
        print(f.read())
    flyte_artifacts(["lineage", "Demographics Report", "demographics.txt"], standalone_mode=False)
