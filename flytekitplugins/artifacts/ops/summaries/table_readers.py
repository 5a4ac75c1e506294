"""Read a bounded sample of a table file into a pandas DataFrame, with the exact row count where the format has it.

Every reader returns a :class:`TableSample`. pandas, pyarrow and pyreadstat are imported inside the readers.
"""

import dataclasses
import importlib.util
import io
import os
from typing import Any, Optional

from .jsonsafe import first_line

CHUNK = 1024 * 1024


@dataclasses.dataclass
class TableSample:
    """A DataFrame holding the first rows of a table file, and what is known about the whole file."""

    frame: Any
    rows: Optional[int]  # rows in the whole file, when known
    sampled: bool  # True when ``frame`` holds fewer rows (or fewer bytes were read) than the file has
    bytes_read: Optional[int] = None
    labels: dict = dataclasses.field(default_factory=dict)  # column name -> label (SAS)
    notes: list = dataclasses.field(default_factory=list)


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


def read_delimited(path, budget, sep):
    """A sample of a csv/tsv file: the first ``max_rows`` rows within ``max_bytes``."""
    import pandas as pd

    data, complete = read_head_bytes(path, budget.max_bytes, budget.max_rows + 2)
    if not data.strip():
        raise TableReadError("the file is empty")
    try:
        frame, encoding = _decode_frame(
            lambda text: pd.read_csv(text, sep=sep, nrows=budget.max_rows + 1, low_memory=False), data
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise TableReadError(f"cannot parse as {'tsv' if sep == chr(9) else 'csv'}: {first_line(exc)}") from exc
    frame, more = _bounded(frame, budget.max_rows, complete)
    sample = TableSample(frame, None if more else len(frame), more, bytes_read=len(data))
    if encoding != "utf-8":
        sample.notes.append(f"decoded as {encoding}")
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


def read_parquet(path, budget):
    """The first ``max_rows`` rows of a parquet file; the row count comes from its footer."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        total = pf.metadata.num_rows
        batches, got = [], 0
        for batch in pf.iter_batches(batch_size=min(budget.max_rows, 65536)):
            batches.append(batch)
            got += batch.num_rows
            if got >= budget.max_rows:
                break
        table = pa.Table.from_batches(batches) if batches else pf.schema_arrow.empty_table()
    except (pa.ArrowException, OSError) as exc:
        raise TableReadError(f"cannot read parquet: {first_line(exc)}") from exc
    table = table.slice(0, budget.max_rows)
    return TableSample(_to_pandas(table), total, table.num_rows < total)


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
            batches, got = [], 0
            for i in range(reader.num_record_batches):
                batch = reader.get_batch(i)
                batches.append(batch)
                got += batch.num_rows
                if got >= budget.max_rows:
                    break
            table = pa.Table.from_batches(batches, schema=reader.schema)
            table = table.slice(0, budget.max_rows)
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
    sample = TableSample(frame, total, more, labels=labels)
    if getattr(meta, "table_name", None):
        sample.notes.append(f"SAS table name: {meta.table_name}")
    return sample


def read_xlsx(path, budget):
    """The first ``max_rows`` rows of the first sheet of an xlsx workbook (needs openpyxl)."""
    if importlib.util.find_spec("openpyxl") is None:
        raise TableReadError("reading xlsx needs openpyxl, which is not installed")
    import pandas as pd

    try:
        frame = pd.read_excel(os.fspath(path), sheet_name=0, nrows=budget.max_rows + 1, engine="openpyxl")
    except Exception as exc:  # openpyxl and zipfile raise many unrelated types for a damaged workbook
        raise TableReadError(f"cannot read xlsx: {first_line(exc)}") from exc
    frame, more = _bounded(frame, budget.max_rows, True)
    sample = TableSample(frame, None if more else len(frame), more)
    sample.notes.append("first sheet only")
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

