"""Reuse, part 1: a flow that produces the analysis dataset ``adsl.csv`` as a version of the DATA artifact
"Study ADaM". Every succeeded run is a new version; ``reuse_consumer.py`` reads the newest one (or a tagged one).

    python examples/reuse_producer.py
    pyflyte run examples/reuse_producer.py produce_adam --cutoff 2024-06-30
"""

import csv
import os
import tempfile

from flytekit import task, workflow

from flytekitplugins.artifacts import DATA, Artifact

StudyADaM = Artifact("Study ADaM", DATA)

SUBJECTS = [("01-001", 54, "F", "2024-03-02"), ("01-002", 61, "M", "2024-04-15"), ("01-003", 47, "F", "2024-07-09")]


@task
def derive_adsl(cutoff: str) -> StudyADaM.File(name="adsl.csv"):
    """One row per subject enrolled on or before ``cutoff`` (ISO date)."""
    path = os.path.join(tempfile.mkdtemp(), "adsl.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["USUBJID", "AGE", "SEX", "RFSTDTC"])
        w.writerows(s for s in SUBJECTS if s[3] <= cutoff)
    return path


@workflow
def produce_adam(cutoff: str = "2024-12-31"):
    derive_adsl(cutoff=cutoff)


if __name__ == "__main__":
    from flytekitplugins.artifacts.cli import main as flyte_artifacts

    produce_adam(cutoff="2024-06-30")
    produce_adam(cutoff="2024-12-31")
    flyte_artifacts(["versions", "Study ADaM"], standalone_mode=False)
