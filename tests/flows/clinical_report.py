"""Production, QC and the compare of the two in one workflow, as docs/clinical.md shows it: a task calls
``compare_files`` on the two ADSL transport files and returns the report as a REPORT artifact, in the three forms
``write_report`` writes (html, txt, json). ``change`` is the difference QC introduces (see ``clinical.py``)."""

import os
import tempfile
import typing

from flytekit import task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import REPORT, Artifact
from flytekitplugins.artifacts.ops.compare import CompareOptions, compare_files, write_report

from .clinical import Production, Qc, write_adsl

QcReport = Artifact("CLIN QC Report", REPORT)


@task
def production_adsl() -> Production.File(name="adsl.xpt"):
    return write_adsl("")


@task
def qc_adsl(change: str) -> Qc.File(name="adsl.xpt"):
    return write_adsl(change)


@task
def compare_adsl(production: FlyteFile, qc: FlyteFile) -> typing.Tuple[
        QcReport.File(name="compare.html"), QcReport.File(name="compare.txt"), QcReport.File(name="compare.json")]:
    document = compare_files(production.download(), qc.download(), CompareOptions(key=("USUBJID",)),
                             base_type="xpt", compare_type="xpt")
    folder = tempfile.mkdtemp()
    return tuple(write_report(document, os.path.join(folder, f"compare.{ext}")) for ext in ("html", "txt", "json"))


@workflow
def double_programming(change: str = "") -> None:
    compare_adsl(production=production_adsl(), qc=qc_adsl(change=change))
