"""Workflows the inspection tests run for real: tables, images and documents as artifact files, DataFrame
outputs, and a task with its own Deck."""

import os
import tempfile
import typing

import numpy as np
import pandas as pd
import pyarrow as pa
from flytekit import task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import DATA, MODEL, REPORT, Artifact
from flytekitplugins.artifacts.ops.summaries import read_frame

from .files import write

Adam = Artifact("ADaM", DATA)
Model = Artifact("Model", MODEL)
Tfl = Artifact("TFL", REPORT)


def study_frame(n: int = 254, seed: int = 7) -> pd.DataFrame:
    """An ADSL-like table with numbers, text, and some missing values."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, n).astype(float)
    age[::17] = np.nan
    return pd.DataFrame(
        {
            "USUBJID": [f"S-{i:04d}" for i in range(n)],
            "AGE": age,
            "SEX": rng.choice(["F", "M"], n),
            "ARM": rng.choice(["Placebo", "Xanomeline High", "Xanomeline Low"], n),
            "WEIGHT": rng.normal(75, 12, n).round(1),
        }
    )


def _path(name: str) -> str:
    return os.path.join(tempfile.mkdtemp(prefix="task-out-"), name)


@task
def tables(n: int) -> typing.Tuple[Adam.File(name="adsl.csv"), Adam.File(name="adsl.parquet"),
                                   Adam.File(name="adsl.xpt")]:
    import pyreadstat

    frame = study_frame(n)
    csv, parquet, xpt = _path("adsl.csv"), _path("adsl.parquet"), _path("adsl.xpt")
    frame.to_csv(csv, index=False)
    frame.to_parquet(parquet, index=False)
    pyreadstat.write_xport(frame, xpt, table_name="ADSL", file_format_version=8)
    return csv, parquet, xpt


@task
def figures(pages: int) -> typing.Tuple[Tfl.File(name="t_vscat.pdf"), Tfl.File(name="f_age.png")]:
    from PIL import Image
    from pypdf import PdfWriter

    pdf = _path("t_vscat.pdf")
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    with open(pdf, "wb") as f:
        writer.write(f)
    png = _path("f_age.png")
    Image.new("RGB", (300, 200), (20, 120, 200)).save(png)
    return pdf, png


@task
def broken() -> Model.File(name="weights.parquet"):
    return write("weights.parquet", "this is not parquet")


@workflow
def study(n: int = 254, pages: int = 3) -> typing.Tuple[Adam.File(name="adsl.csv"), Adam.File(name="adsl.parquet"),
                                                        Adam.File(name="adsl.xpt"), Tfl.File(name="t_vscat.pdf"),
                                                        Tfl.File(name="f_age.png")]:
    csv, parquet, xpt = tables(n=n)
    pdf, png = figures(pages=pages)
    return csv, parquet, xpt, pdf, png


@workflow
def unparsable() -> Model.File(name="weights.parquet"):
    return broken()


# ---- DataFrames as artifact values ------------------------------------------------------------------------------


@task
def frame_out(n: int) -> Adam.File(name="adsl.parquet"):
    return study_frame(n)


@task
def arrow_out(n: int) -> Adam.File(name="adae.csv"):
    return pa.Table.from_pandas(study_frame(n), preserve_index=False)


@task
def rows_of(adsl: FlyteFile) -> int:
    return len(read_frame(adsl))


@workflow
def frames(n: int = 40) -> typing.Tuple[Adam.File(name="adsl.parquet"), Adam.File(name="adae.csv"), int]:
    adsl = frame_out(n=n)
    adae = arrow_out(n=n)
    return adsl, adae, rows_of(adsl=adsl)


@task
def wrong_frame() -> Adam.File(name="adsl.sas7bdat"):
    return study_frame(5)


# ---- versions for diffs -----------------------------------------------------------------------------------------


@task
def version(n: int, extra: bool) -> Adam.File(name="adsl.parquet"):
    frame = study_frame(n)
    if extra:
        frame["TRTDUR"] = np.arange(n)
        frame = frame.drop(columns=["WEIGHT"])
        frame["AGE"] = frame["AGE"].astype(str)
    return frame


@workflow
def versioned(n: int, extra: bool) -> Adam.File(name="adsl.parquet"):
    return version(n=n, extra=extra)


# ---- a task with its own Deck ----------------------------------------------------------------------------------


@task(enable_deck=True)
def with_deck(text: str) -> Tfl.File(name="notes.txt"):
    return write("notes.txt", text)


@workflow
def decked(text: str = "hello") -> Tfl.File(name="notes.txt"):
    return with_deck(text=text)
