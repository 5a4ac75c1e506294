"""Tables a clinical flow records for Dataset-JSON export: the SAS-written files of tests/data/sas (copied as they
are), an ADSL written as parquet with dates and as csv, a file that is not a table, and a damaged transport file.
``to_json`` also exports the SAS transport file and the parquet file into the dataset ``clin-json`` as
Dataset-JSON (``format="dataset-json"``) and the csv as it is."""

import os
import shutil
import tempfile
import typing

import pandas as pd
from flytekit import task, workflow

from flytekitplugins.artifacts import (
    DATA,
    Artifact,
    ExportArtifactFilesToDatasetSpec,
    run_launch_export_artifacts_task,
)

SAS_DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "sas")
Tables = Artifact("CLIN Tables", DATA)
DATASET = "clin-json"


def _folder() -> str:
    return tempfile.mkdtemp()


def adsl_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": ["CLIN01-001", "CLIN01-002", "CLIN01-003"],
        "AGE": [64, 52, 71],
        "WEIGHT": [70.5, None, 81.25],
        "SAFFL": [True, False, True],
        "TRTSDT": pd.to_datetime(["2024-01-15", "2024-02-01", None]).date,
        "ARM": ["Placebo", "<b>Drug</b> 50 mg", "Drug \u00b5g"],
    })


@task
def sas_files() -> typing.Tuple[Tables.File(name="sample.sas7bdat"), Tables.File(name="sample.xpt"),
                                 Tables.File(name="labelled.sas7bdat")]:
    out = _folder()
    paths = []
    for source, name in (("sample.sas7bdat", "sample.sas7bdat"), ("sample.xpt", "sample.xpt"),
                         ("test_file_label_linux.sas7bdat", "labelled.sas7bdat")):
        paths.append(shutil.copy(os.path.join(SAS_DATA, source), os.path.join(out, name)))
    return tuple(paths)


@task
def other_files() -> typing.Tuple[Tables.File(name="adsl.parquet"), Tables.File(name="adsl.csv"),
                                   Tables.File(name="notes.txt"), Tables.File(name="broken.xpt")]:
    out = _folder()
    frame = adsl_frame()
    frame.to_parquet(os.path.join(out, "adsl.parquet"), index=False)
    frame.to_csv(os.path.join(out, "adsl.csv"), index=False)
    with open(os.path.join(out, "notes.txt"), "w") as f:
        f.write("not a table\n")
    with open(os.path.join(SAS_DATA, "sample.xpt"), "rb") as f:
        head = f.read(300)  # the first records of a transport file, cut off in the middle of its headers
    with open(os.path.join(out, "broken.xpt"), "wb") as f:
        f.write(head)
    return (os.path.join(out, "adsl.parquet"), os.path.join(out, "adsl.csv"), os.path.join(out, "notes.txt"),
            os.path.join(out, "broken.xpt"))


@workflow
def tables():
    sas_files()
    other_files()


@workflow
def to_json():
    sas_files()
    other_files()
    run_launch_export_artifacts_task(spec_list=[
        ExportArtifactFilesToDatasetSpec(files=[Tables.File(name="sample.xpt"), Tables.File(name="adsl.parquet")],
                                         dataset_id=DATASET, format="dataset-json"),
        ExportArtifactFilesToDatasetSpec(files=[Tables.File(name="adsl.csv")], dataset_id=DATASET),
    ])


# The CDISC pilot study's ADTTE (CDISCPILOT01, SAS transport as published), as production, and a QC version
# written again from its values and metadata, with one AVAL one day more when ``change`` is set.
Pilot = Artifact("CDISCPILOT01 ADaM", DATA)
PilotQc = Artifact("CDISCPILOT01 ADaM QC", DATA)
ADTTE = os.path.join(SAS_DATA, "adtte.xpt")


@task
def pilot_adtte() -> Pilot.File(name="adtte.xpt"):
    return shutil.copy(ADTTE, os.path.join(_folder(), "adtte.xpt"))


@task
def pilot_adtte_qc(change: bool) -> PilotQc.File(name="adtte.xpt"):
    import pyreadstat

    frame, meta = pyreadstat.read_xport(ADTTE)
    if change:
        frame.loc[frame["USUBJID"] == "01-701-1047", "AVAL"] += 1
    path = os.path.join(_folder(), "adtte.xpt")
    pyreadstat.write_xport(frame, path, table_name=meta.table_name, file_label=meta.file_label,
                           column_labels=meta.column_labels, file_format_version=5,
                           variable_format={k: v for k, v in meta.original_variable_types.items() if v})
    return path


@workflow
def pilot(change: bool = False):
    pilot_adtte()
    pilot_adtte_qc(change=change)
