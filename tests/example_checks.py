"""What the example flows record and how the files they write are checked: shared by their local runs
(``integration/local``) and their pod-by-pod runs (``integration/cluster``)."""

import os
import pickle
import re

import pandas as pd
import pyreadstat
from repo_paths import EXAMPLES

MEASUREMENTS = os.path.join(EXAMPLES, "data", "measurements.csv")

# ---- examples/ -------------------------------------------------------------------------------------------------

# file -> (workflow, {(artifact, type, filename): (node_id, output_name, task name suffix)})
EXPECTED = {
    "training.py": (
        "training_workflow",
        {
            ("My Data", "DATA", "data.csv"): ("n0", "processed_data", ".training_workflow.Prep data"),
            ("My Model", "MODEL", "model.pt"): ("n1", "model", ".training_workflow.Train model"),
        },
    ),
    "data_single.py": (
        "single_adam",
        {("adae", "DATA", "adae.xpt"): ("n0", "adae", ".single_adam.Produce single ADaM Dataset")},
    ),
    "data_multiple.py": (
        "multiple_adam",
        {
            ("adam", "DATA", "adae.xpt"): ("n0", "adae", ".multiple_adam.Produce adae and advs Datasets"),
            ("adam", "DATA", "advs.xpt"): ("n0", "advs", ".multiple_adam.Produce adae and advs Datasets"),
            ("adam", "DATA", "adsl dataset"): ("n1", "adsl", ".multiple_adam.Produce adsl Dataset"),
        },
    ),
    "model_single.py": (
        "single_model",
        {("My Model", "MODEL", "model.pkl"): ("n0", "my_model", ".single_model.Produce model")},
    ),
    "model_multiple.py": (
        "multiple_model",
        {
            ("My Model", "MODEL", "model.pkl"): ("n0", "my_model", ".multiple_model.Produce model with classes"),
            ("My Model", "MODEL", "classes"): ("n0", "my_classes", ".multiple_model.Produce model with classes"),
        },
    ),
    "report_single.py": (
        "single_report",
        {("TFL Report", "REPORT", "t_vscat.pdf"): ("n0", "t_vscat", ".single_report.Produce PDF")},
    ),
    "report_multiple.py": (
        "multiple_report",
        {
            ("TFL Reports", "REPORT", "t_vscat.pdf"): ("n0", "t_vscat", ".multiple_report.Produce vscat PDF"),
            ("TFL Reports", "REPORT", "t_ae_rel tfl report"): ("n1", "t_ae_rel", ".multiple_report.Produce ae_rel PDF"),
        },
    ),
    "export_to_dataset.py": (
        "training_workflow",
        {
            ("My Data", "DATA", "data.csv"): ("n0", "processed_data", ".training_workflow.Prep data"),
            ("My Model", "MODEL", "model.pt"): ("n1", "model", ".training_workflow.Train model"),
        },
    ),
    "clinical_study.py": (
        "clinical_study",
        {
            ("MINI01 ADaM", "DATA", "adsl.xpt"): ("n1", "adsl", ".clinical_study.Derive ADSL"),
            ("MINI01 ADaM", "DATA", "adae.xpt"): ("n2", "adae", ".clinical_study.Derive ADAE and ADVS"),
            ("MINI01 ADaM", "DATA", "advs.xpt"): ("n2", "advs", ".clinical_study.Derive ADAE and ADVS"),
            ("MINI01 Safety TFLs", "REPORT", "safety_tfl.pdf"): ("n3", "report", ".clinical_study.Safety TFLs"),
        },
    ),
}


def check_pdf(path, pages=None):
    with open(path, "rb") as f:
        data = f.read()
    assert data.startswith(b"%PDF-1.4\n") and data.rstrip().endswith(b"%%EOF")
    xref = int(re.search(rb"startxref\n(\d+)\n", data).group(1))
    assert data[xref : xref + 5] == b"xref\n"
    count = int(re.search(rb"/Type /Pages /Kids \[[^\]]*\] /Count (\d+)", data).group(1))
    if pages is not None:
        assert count == pages
    # Every object the cross-reference table lists starts where it says.
    table = data[xref:].split(b"trailer")[0].split(b"\n")[3:]
    for number, line in enumerate((ln for ln in table if ln.strip()), start=1):
        offset = int(line.split()[0])
        assert data[offset:].startswith(b"%d 0 obj" % number)


def check_content(key, path):
    artifact, _, filename = key
    if filename == "data.csv":
        df = pd.read_csv(path)
        assert list(df.columns) == ["temperature", "pressure", "humidity", "yield"]
        assert len(df) == 57 and not df.isna().any().any()  # the three incomplete rows are gone
    elif filename in ("model.pt", "model.pkl"):
        with open(path, "rb") as f:
            model = pickle.load(f)
        assert model["features"] == ["temperature", "pressure", "humidity"]
    elif filename == "classes":
        with open(path) as f:
            assert f.read().split() == ["low", "medium", "high"]
    elif filename.endswith(".xpt") or filename == "adsl dataset":
        df, meta = pyreadstat.read_xport(path)
        table = "ADSL" if filename.startswith("adsl") else filename[:4].upper()
        assert meta.table_name == table
        assert len(df) == {"ADSL": 16, "ADAE": 34, "ADVS": 135}[table]
        assert "USUBJID" in df.columns
    elif filename == "safety_tfl.pdf":
        check_pdf(path, pages=4)
    elif "pdf" in filename or filename.startswith("t_"):
        check_pdf(path, pages=1)
    else:
        raise AssertionError(f"no content check for {key}")


# ---- examples/domino/: the seed's flows ------------------------------------------------------------------------

# (artifact, type, filename) -> (node_id, output_name, file_type) of the seed's training flow
SEED_TRAINING = {
    ("My Data", "DATA", "data.csv"): ("n0", "processed_data", "csv"),
    ("My Model", "MODEL", "model.pt"): ("n1", "model", "pt"),
}


def check_seed_content(key, path):
    _, _, filename = key
    with open(path, "rb") as f:
        data = f.read()
    if filename == "data.csv":
        assert data.startswith(b"temperature,pressure,humidity,yield\n") and data.count(b"\n") == 58
    elif filename in ("model.pt", "model.pkl"):
        assert pickle.loads(data)["features"] == ["temperature", "pressure", "humidity"]
    elif filename == "classes":
        assert data.decode().split() == ["low", "medium", "high"]
    elif "sas7bdat" in key[2] or filename == "adsl dataset":
        # SAS transport bytes under the seed's .sas7bdat names (open-source tools cannot write SAS7BDAT).
        df, meta = pyreadstat.read_xport(path)
        table = "ADSL" if filename.startswith("adsl") else filename[:4].upper()
        assert meta.table_name == table and "USUBJID" in df.columns and len(df) > 0
    else:
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF"), filename
