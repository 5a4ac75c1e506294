"""Workflows the web page tests run for real: data, a figure, a PDF, a dataset export and hostile names."""

import os
import struct
import tempfile
import typing
import zlib

from flytekit import task, workflow
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import (
    DATA,
    REPORT,
    Artifact,
    ExportArtifactToDatasetsSpec,
    run_launch_export_artifacts_task,
)

StudyData = Artifact(name="Study Data", type=DATA)
Figures = Artifact(name="Figures", type=REPORT)
# Artifact names may not hold '/', so a flow cannot declare "<script>...</script>"; the tests write that one as a
# record directly. This name and filename are the worst a flow can declare.
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_FILE = '<b onmouseover="alert(2)">x.csv'
Hostile = Artifact(name=HOSTILE_NAME, type=DATA)
StudyReport = Artifact(name="Study Report", type=REPORT)
# A file made from another run's hostile file, under a hostile name of its own: the lineage graph must show both
# as text.
HOSTILE_DERIVED = '"><svg onload=alert(7)>'
HostileDerived = Artifact(name=HOSTILE_DERIVED, type=REPORT)


def write_bytes(name: str, data: bytes) -> str:
    """A file in a fresh temp folder, as a real task writes its outputs."""
    path = os.path.join(tempfile.mkdtemp(prefix="task-out-"), name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def png(width: int = 48, height: int = 24, rgb=(91, 60, 196)) -> bytes:
    """A small solid-colour PNG image."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` (plain ASCII, no parentheses)."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@task
def prep(text: str) -> StudyData.File(name="data.csv"):
    extra = "" if text == "first" else "3,extra\n"  # a later version with one more row, for the diff
    return write_bytes("data.csv", f"subject,note\n1,{text}\n2,<b>bold</b>\n{extra}".encode())


@task
def figures(title: str) -> typing.Tuple[Figures.File(name="plot.png"), Figures.File(name="summary.pdf")]:
    return write_bytes("plot.png", png()), write_bytes("summary.pdf", pdf(title))


@task
def hostile() -> Hostile.File(name=HOSTILE_FILE):
    return write_bytes("h.csv", b"a,b\n<script>alert(3)</script>,1\n")


@workflow
def study(text: str, title: str) -> None:
    prep(text=text)
    figures(title=title)
    run_launch_export_artifacts_task(spec_list=[ExportArtifactToDatasetsSpec(artifact=StudyData, dataset_id="study")])


@workflow
def hostile_names() -> None:
    hostile()


@task
def report(data: FlyteFile, odd: FlyteFile) -> typing.Tuple[StudyReport.File(name="report.txt"),
                                                           HostileDerived.File(name="derived.txt")]:
    with open(data) as f:
        rows = f.read().count("\n") - 1
    with open(odd) as f:
        odd_bytes = len(f.read())
    return (write_bytes("report.txt", f"subjects: {rows}\n".encode()),
            write_bytes("derived.txt", f"{odd_bytes} bytes\n".encode()))


@workflow
def consume() -> None:
    """Reads the newest Study Data file and the hostile file (two queries: lineage across runs)."""
    report(data=StudyData.query("data.csv"), odd=Hostile.query(HOSTILE_FILE))
