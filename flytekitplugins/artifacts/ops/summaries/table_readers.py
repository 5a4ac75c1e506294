"""Read a bounded sample of a table file into a pandas DataFrame, with the exact row count where the format has it.

Every reader returns a :class:`TableSample`. pandas, pyarrow, pyreadstat and python-calamine are imported inside
the readers. What a sample may hold is decided from what the file says of itself before anything is decoded (the
header line of a csv, the footer of a parquet file, the dimension of a worksheet), so a table that is very wide,
nested many values deep or packed tight is sampled within the budget instead of being expanded in memory first.
"""

import dataclasses
import importlib.util
import io
import os
import re
import zipfile
from typing import Any, Optional
from xml.etree import ElementTree

from .jsonsafe import first_line
from .table_stats import MAX_COLUMNS  # a sample keeps the first ones; the summary says how many the file has

CHUNK = 1024 * 1024
#: An xlsx sheet is read whole by calamine: refused when its XML unpacks to more than this many times max_bytes.
XLSX_XML_FACTOR = 4


@dataclasses.dataclass
class TableSample:
    """A DataFrame holding the first rows of a table file, and what is known about the whole file."""

    frame: Any
    rows: Optional[int]  # rows in the whole file, when known
    sampled: bool  # True when ``frame`` holds fewer rows (or fewer bytes were read) than the file has
    bytes_read: Optional[int] = None
    labels: dict = dataclasses.field(default_factory=dict)  # column name -> label (SAS)
    notes: list = dataclasses.field(default_factory=list)
    column_count: Optional[int] = None  # columns in the whole file, when the sample holds fewer
    cdisc: Optional[dict] = None  # SAS files: dataset and variable metadata, XPT v5 warnings (sas_metadata.py)


class TableReadError(Exception):
    """The file could not be read as a table of its type; the message says why."""


def read_head_bytes(path, max_bytes, max_lines):
    """The leading whole lines of ``path``: at most ``max_bytes`` bytes and about ``max_lines`` lines.

    Returns ``(data, complete)``; ``complete`` is True when the whole file was read.
    """
    parts, size, lines = [], 0, 0
    with open(path, "rb") as f:
        while size < max_bytes and lines <= max_lines:
            chunk = f.read(min(CHUNK, max_bytes - size))
            if not chunk:
                return b"".join(parts), True
            parts.append(chunk)
            size += len(chunk)
            lines += chunk.count(b"\n")
        complete = not f.read(1)
    data = b"".join(parts)
    if complete:
        return data, True
    cut = data.rfind(b"\n")
    if cut < 0:
        raise TableReadError(f"no line end in the first {size} bytes: a line is longer than the byte budget")
    return data[: cut + 1], False


def _decode_frame(parse, data):
    """Run ``parse(text_stream)`` on ``data`` as UTF-8, then as Latin-1 when it is not UTF-8."""
    for encoding in ("utf-8", "latin-1"):
        try:
            return parse(io.StringIO(data.decode(encoding))), encoding
        except UnicodeDecodeError:
            continue
    raise TableReadError("text is neither UTF-8 nor Latin-1")  # pragma: no cover - Latin-1 decodes any bytes


def _bounded(frame, max_rows, complete):
    """Cut ``frame`` to ``max_rows``; the second value is True when the file holds more rows than returned."""
    if len(frame) > max_rows:
        return frame.iloc[:max_rows].reset_index(drop=True), True
    return frame, not complete


def _header_fields(path, max_bytes, sep):
    """The number of fields of the first line (separators counted, quotes not parsed), read in chunks."""
    count, read = 1, 0
    sep_b = sep.encode()
    with open(path, "rb") as f:
        while read < max_bytes:
            chunk = f.read(min(CHUNK, max_bytes - read))
            if not chunk:
                break
            read += len(chunk)
            end = chunk.find(b"\n")
            count += chunk.count(sep_b, 0, end if end >= 0 else len(chunk))
            if end >= 0:
                break
    return count


def _first_fields(data, sep, keep):
    """``data`` with each line cut after its first ``keep`` fields."""
    sep_b = sep.encode()
    return b"\n".join(sep_b.join(line.split(sep_b, keep)[:keep]) for line in data.split(b"\n"))


def read_delimited(path, budget, sep):
    """A sample of a csv/tsv file: the first rows within ``max_rows``, ``max_cells`` and ``max_bytes``; of a file
    wider than :data:`MAX_COLUMNS`, only the first columns."""
    import pandas as pd

    fields = _header_fields(path, budget.max_bytes, sep)
    kept = min(fields, MAX_COLUMNS)
    rows = budget.rows_for(kept)
    data, complete = read_head_bytes(path, budget.max_bytes, rows + 2)
    if not data.strip():
        raise TableReadError("the file is empty")
    if fields > kept:
        data = _first_fields(data, sep, kept)
    try:
        frame, encoding = _decode_frame(
            lambda text: pd.read_csv(text, sep=sep, nrows=rows + 1, low_memory=False), data
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise TableReadError(f"cannot parse as {'tsv' if sep == chr(9) else 'csv'}: {first_line(exc)}") from exc
    frame, more = _bounded(frame, rows, complete)
    sample = TableSample(frame, None if more else len(frame), more, bytes_read=len(data))
    if encoding != "utf-8":
        sample.notes.append(f"decoded as {encoding}")
    if fields > kept:
        sample.column_count = fields
        sample.sampled = True
        sample.notes.append(f"only the first {kept:,} of {fields:,} columns were read (lines cut at the "
                            f"{kept:,}th separator)")
    return sample


def read_json_lines(path, budget):
    """A sample of a JSON lines file (one JSON object per line)."""
    import pandas as pd

    data, complete = read_head_bytes(path, budget.max_bytes, budget.max_rows + 1)
    if not data.strip():
        raise TableReadError("the file is empty")
    try:
        frame, _ = _decode_frame(lambda text: pd.read_json(text, lines=True, nrows=budget.max_rows + 1), data)
    except ValueError as exc:
        raise TableReadError(f"cannot parse as JSON lines: {first_line(exc)}") from exc
    frame, more = _bounded(frame, budget.max_rows, complete)
    return TableSample(frame, None if more else len(frame), more, bytes_read=len(data))


def _parquet_rows_within(metadata, columns, budget):
    """How many leading rows of a parquet file fit ``max_rows`` and ``max_cells``, judged from the footer's value
    counts of ``columns`` (each element of a nested list is a value): whole row groups while they fit, then the
    share of the next one its values per row allow."""
    allowed, cells = 0, 0
    for i in range(metadata.num_row_groups):
        group = metadata.row_group(i)
        values = sum(group.column(j).num_values for j in range(group.num_columns)
                     if group.column(j).path_in_schema.split(".", 1)[0] in columns)
        rows = group.num_rows
        if rows == 0:
            continue
        if cells + values <= budget.max_cells and allowed + rows <= budget.max_rows:
            allowed, cells = allowed + rows, cells + values
            continue
        per_row = max(1.0, values / rows)
        allowed += max(0, min(budget.max_rows - allowed, int((budget.max_cells - cells) / per_row)))
        break
    return allowed


def read_parquet(path, budget):
    """The first rows of a parquet file within ``max_rows`` and ``max_cells`` (nested values counted, from the
    footer, before anything is decoded), of its first :data:`MAX_COLUMNS` columns; the row count comes from its
    footer."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        total = pf.metadata.num_rows
        names = pf.schema_arrow.names
        kept = names[:MAX_COLUMNS]
        allowed = _parquet_rows_within(pf.metadata, set(kept), budget)
        batches, got = [], 0
        if allowed:
            for batch in pf.iter_batches(batch_size=min(allowed, 65536), columns=kept):
                batches.append(batch)
                got += batch.num_rows
                if got >= allowed:
                    break
        schema = pa.schema([pf.schema_arrow.field(n) for n in kept])
        table = pa.Table.from_batches(batches) if batches else schema.empty_table()
    except (pa.ArrowException, OSError) as exc:
        raise TableReadError(f"cannot read parquet: {first_line(exc)}") from exc
    table = table.slice(0, allowed)
    sample = TableSample(_to_pandas(table), total, table.num_rows < total)
    if not allowed and total:
        sample.notes.append(f"no rows read: the first rows hold more than {budget.max_cells:,} values (max_cells)")
    if len(names) > len(kept):
        sample.column_count = len(names)
        sample.sampled = True
        sample.notes.append(f"only the first {len(kept):,} of {len(names):,} columns were read")
    return sample


def read_arrow_file(path, budget):
    """The first ``max_rows`` rows of a feather (v2) / Arrow IPC file; the row count comes from its batches."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    try:
        with pa.memory_map(os.fspath(path)) as source:
            try:
                reader = ipc.open_file(source)
            except pa.ArrowInvalid:
                return _read_feather_v1(path, budget)
            total = reader.count_rows()
            rows = budget.rows_for(len(reader.schema))
            batches, got = [], 0
            for i in range(reader.num_record_batches):
                batch = reader.get_batch(i)
                batches.append(batch)
                got += batch.num_rows
                if got >= rows:
                    break
            table = pa.Table.from_batches(batches, schema=reader.schema)
            table = table.slice(0, rows)
            frame = _to_pandas(table)
    except (pa.ArrowException, OSError) as exc:
        raise TableReadError(f"cannot read feather/arrow: {first_line(exc)}") from exc
    return TableSample(frame, total, table.num_rows < total)


def _read_feather_v1(path, budget):
    import pyarrow.feather as feather

    size = os.path.getsize(path)
    if size > budget.max_bytes:
        raise TableReadError(f"feather v1 file of {size} bytes is larger than the byte budget ({budget.max_bytes})")
    table = feather.read_table(os.fspath(path))
    total = table.num_rows
    table = table.slice(0, budget.max_rows)
    return TableSample(_to_pandas(table), total, table.num_rows < total, bytes_read=size)


def read_sas(path, budget, file_type):
    """The first ``max_rows`` rows of a SAS transport (xpt) or SAS data set (sas7bdat) file, with column labels."""
    import pyreadstat

    read = pyreadstat.read_xport if file_type == "xpt" else pyreadstat.read_sas7bdat
    try:
        frame, meta = read(os.fspath(path), row_limit=budget.max_rows + 1)
    except Exception as exc:  # pyreadstat raises its own ReadstatError / PyreadstatError
        raise TableReadError(f"cannot read {file_type}: {first_line(exc)}") from exc
    total = meta.number_rows if isinstance(meta.number_rows, int) and meta.number_rows >= 0 else None
    more = len(frame) > budget.max_rows or (total is not None and total > budget.max_rows)
    frame = frame.iloc[: budget.max_rows]
    if total is None and not more:
        total = len(frame)
    labels = {str(k): str(v) for k, v in (meta.column_names_to_labels or {}).items() if v}
    from .sas_metadata import sas_metadata

    sample = TableSample(frame, total, more, labels=labels, cdisc=sas_metadata(frame, meta, file_type))
    if getattr(meta, "table_name", None):
        sample.notes.append(f"SAS table name: {meta.table_name}")
    return sample


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+:([A-Z]+)\d+"')


def _column_number(letters):
    number = 0
    for c in letters:
        number = number * 26 + (ord(c) - 64)
    return number


def _first_sheet_extent(path):
    """(unpacked bytes of the first worksheet's XML, its column count from its dimension or None), read from the
    package's own index and the sheet's first bytes."""
    with zipfile.ZipFile(path) as z:
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        first = book.find("m:sheets/m:sheet", _NS)
        rid = first.get(f"{{{_NS['r']}}}id") if first is not None else None
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        target = next((r.get("Target") for r in rels.findall("rel:Relationship", _NS) if r.get("Id") == rid), None)
        if target is None:
            raise TableReadError("the workbook names no first sheet")
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        info = z.getinfo(member)
        with z.open(info) as f:
            head = f.read(4096)
    found = _DIMENSION.search(head)
    return info.file_size, (_column_number(found.group(1).decode()) if found else None)


def read_xlsx(path, budget):
    """The first rows of the first sheet of an xlsx workbook within ``max_rows`` and ``max_cells`` (needs
    python-calamine). A sheet whose XML unpacks to more than ``XLSX_XML_FACTOR`` times ``max_bytes`` is not read."""
    if importlib.util.find_spec("python_calamine") is None:
        raise TableReadError("reading xlsx needs python-calamine, which is not installed")
    import pandas as pd

    try:
        unpacked, columns = _first_sheet_extent(os.fspath(path))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError) as exc:
        raise TableReadError(f"cannot read xlsx: {first_line(exc)}") from exc
    if unpacked > XLSX_XML_FACTOR * budget.max_bytes:
        raise TableReadError(f"the first sheet unpacks to {unpacked:,} bytes of XML, more than {XLSX_XML_FACTOR} x "
                             f"the byte budget ({budget.max_bytes:,}): not read")
    kept = min(columns or 1, MAX_COLUMNS)
    rows = budget.rows_for(kept)
    try:
        frame = pd.read_excel(os.fspath(path), sheet_name=0, nrows=rows + 1, engine="calamine",
                              usecols=list(range(MAX_COLUMNS)) if (columns or 0) > MAX_COLUMNS else None)
    except Exception as exc:  # calamine and zipfile raise many unrelated types for a damaged workbook
        raise TableReadError(f"cannot read xlsx: {first_line(exc)}") from exc
    frame, more = _bounded(frame, rows, True)
    sample = TableSample(frame, None if more else len(frame), more)
    sample.notes.append("first sheet only")
    if (columns or 0) > MAX_COLUMNS:
        sample.column_count, sample.sampled = columns, True
        sample.notes.append(f"only the first {MAX_COLUMNS:,} of {columns:,} columns were read")
    return sample


def read_table_sample(path, file_type, budget):
    """Dispatch on ``file_type``; raises :class:`TableReadError` when the file is not a readable table."""
    if file_type in ("csv",):
        return read_delimited(path, budget, ",")
    if file_type in ("tsv", "tab"):
        return read_delimited(path, budget, "\t")
    if file_type in ("jsonl", "ndjson"):
        return read_json_lines(path, budget)
    if file_type in ("parquet", "pq"):
        return read_parquet(path, budget)
    if file_type in ("feather", "arrow", "ipc"):
        return read_arrow_file(path, budget)
    if file_type in ("xpt", "sas7bdat"):
        return read_sas(path, budget, file_type)
    if file_type == "xlsx":
        return read_xlsx(path, budget)
    raise TableReadError(f"no table reader for file type {file_type!r}")


def _to_pandas(table):
    # Arrow types pandas cannot hold natively (nested, extension) still convert, as objects.
    return table.to_pandas()

