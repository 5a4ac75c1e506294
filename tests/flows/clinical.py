"""Double programming, as clinical teams do it: a production and a QC workflow each write ADSL as SAS transport
(XPT v5, with labels and formats), and may introduce one kind of difference on purpose (``change``):

* ``""``: none (QC agrees with production);
* ``"age"``: subject 3's AGE is one year more;
* ``"tiny"``: subject 3's AGE differs by 1e-10 (within any sensible tolerance);
* ``"case"``: subject 2's SEX is written in lower case;
* ``"drop"``: the last subject is missing;
* ``"label"``: AGE has another label;
* ``"markup"``: subject 1's ARM is ``<b>Placebo</b>`` (a report must show it as text).
"""

import os
import tempfile

import pandas as pd
from flytekit import task, workflow

from flytekitplugins.artifacts import DATA, Artifact

Production = Artifact("CLIN ADaM", DATA)
Qc = Artifact("CLIN ADaM QC", DATA)

LABELS = {"STUDYID": "Study Identifier", "USUBJID": "Unique Subject Identifier", "AGE": "Age",
          "SEX": "Sex", "ARM": "Description of Planned Arm", "TRTSDT": "Date of First Exposure to Treatment"}


def adsl_frame(change: str = "") -> pd.DataFrame:
    n = 12
    frame = pd.DataFrame({
        "STUDYID": ["CLIN01"] * n,
        "USUBJID": [f"CLIN01-{i:03d}" for i in range(1, n + 1)],
        "AGE": [float(40 + 3 * i) for i in range(n)],
        "SEX": ["F" if i % 3 else "M" for i in range(n)],
        "ARM": ["Placebo" if i % 2 else "Drug 50 mg" for i in range(n)],
        "TRTSDT": pd.to_datetime([f"2024-01-{i + 1:02d}" for i in range(n)]).date,
    })
    if change == "age":
        frame.loc[2, "AGE"] += 1
    elif change == "tiny":
        frame.loc[2, "AGE"] += 1e-10
    elif change == "case":
        frame.loc[1, "SEX"] = frame.loc[1, "SEX"].lower()
    elif change == "drop":
        frame = frame.iloc[:-1]
    elif change == "markup":
        frame.loc[0, "ARM"] = "<b>Placebo</b>"
    return frame


def write_adsl(change: str) -> str:
    import pyreadstat

    labels = dict(LABELS, AGE="Age in Years") if change == "label" else LABELS
    frame = adsl_frame(change)
    path = os.path.join(tempfile.mkdtemp(), "adsl.xpt")
    pyreadstat.write_xport(frame, path, table_name="ADSL", file_label="Subject-Level Analysis Dataset",
                           column_labels=[labels[c] for c in frame.columns], file_format_version=5,
                           variable_format={"TRTSDT": "DATE9.", "AGE": "8."})
    return path


@task
def production_adsl(change: str) -> Production.File(name="adsl.xpt"):
    return write_adsl(change)


@task
def qc_adsl(change: str) -> Qc.File(name="adsl.xpt"):
    return write_adsl(change)


@workflow
def production(change: str = "") -> Production.File(name="adsl.xpt"):
    return production_adsl(change=change)


@workflow
def qc(change: str = "") -> Qc.File(name="adsl.xpt"):
    return qc_adsl(change=change)
