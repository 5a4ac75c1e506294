"""Files that summaries once blew their budget on, made by the tasks that produce them: a csv whose header has five
million columns, an xlsx as wide as Excel allows, a parquet whose one row group holds a three-million-entry
dictionary; and an ordinary small csv recorded after them."""

import os
import shutil
import tempfile
import typing
import zipfile

from flytekit import task, workflow

from flytekitplugins.artifacts import DATA, Artifact

Hostile = Artifact(name="Hostile", type=DATA)

_XLSX_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
    'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>',
    "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


def _out(name: str) -> str:
    return os.path.join(tempfile.mkdtemp(prefix="task-out-"), name)


def _column(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


@task
def wide_csv(columns: int) -> Hostile.File(name="wide.csv"):
    path = _out("wide.csv")
    with open(path, "w") as f:
        f.write(",".join(f"c{i}" for i in range(columns)) + "\n")
        f.write(",".join("1" for _ in range(columns)) + "\n")
    return path


@task
def wide_xlsx(rows: int) -> Hostile.File(name="wide.xlsx"):
    """Every column Excel allows (16,384), ``rows`` rows, written as the sheet's XML."""
    path = _out("wide.xlsx")
    cols = [_column(i) for i in range(16384)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in _XLSX_PARTS.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w") as w:
            w.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                    b'main"><sheetData>')
            for r in range(1, rows + 1):
                w.write((f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in cols) + "</row>").encode())
            w.write(b"</sheetData></worksheet>")
    return path


@task
def dictionary_parquet(entries: int) -> Hostile.File(name="dict.parquet"):
    """One row group, one string column of ``entries`` distinct values: a large dictionary page to decode."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = _out("dict.parquet")
    table = pa.table({"s": pa.array([f"value-{i:012d}" for i in range(entries)])})
    pq.write_table(table, path, row_group_size=entries, use_dictionary=True, compression="zstd")
    return path


@task
def ordinary_csv() -> Hostile.File(name="ordinary.csv"):
    path = _out("ordinary.csv")
    with open(path, "w") as f:
        f.write("id,value\n" + "".join(f"{i},{i * i}\n" for i in range(100)))
    return path


@workflow
def hostile(columns: int = 5_000_000, rows: int = 80, entries: int = 3_000_000) -> typing.Tuple[
        Hostile.File(name="wide.csv"), Hostile.File(name="wide.xlsx"), Hostile.File(name="dict.parquet"),
        Hostile.File(name="ordinary.csv")]:
    return wide_csv(columns=columns), wide_xlsx(rows=rows), dictionary_parquet(entries=entries), ordinary_csv()


@task
def copied_parquet(source: str) -> Hostile.File(name="dict.parquet"):
    """A parquet file made elsewhere (by another process), so this process never held its decoded contents."""
    path = _out("dict.parquet")
    shutil.copyfile(source, path)
    return path


@workflow
def parquet_then_ordinary(source: str) -> typing.Tuple[
        Hostile.File(name="dict.parquet"), Hostile.File(name="ordinary.csv")]:
    return copied_parquet(source=source), ordinary_csv()
