"""A recorded table read whole for a value-level compare: its frame and each variable's metadata.

SAS files (xpt, sas7bdat) give each variable's label, length and format through pyreadstat; other tables give the
type only. pandas, pyarrow and pyreadstat are imported when a table is read, never before.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field

from ...errors import ArtifactValueError

#: File types a compare reads (the readers of ``summaries.frames``).
TABLE_TYPES = ("csv", "tsv", "parquet", "feather", "arrow", "jsonl", "xpt", "sas7bdat", "xlsx")


@dataclass
class LoadedTable:
    """One side of a compare: the frame, which file it came from, and ``variables`` (name -> metadata)."""

    frame: typing.Any
    label: str
    variables: typing.Dict[str, dict] = field(default_factory=dict)
    dataset: dict = field(default_factory=dict)


def read_table(path: str, file_type: str, label: str) -> LoadedTable:
    """Read the table at ``path`` (of ``file_type``); ``label`` names it in errors (artifact/file@execution)."""
    if file_type not in TABLE_TYPES:
        raise ArtifactValueError(
            f"{label} is a {file_type or 'file of unknown type'}, not a table: compare reads "
            f"{', '.join(TABLE_TYPES)}; use `flyte-artifacts diff` for other files"
        )
    try:
        if file_type in ("xpt", "sas7bdat"):
            return _read_sas(path, file_type, label)
        if file_type == "parquet":
            return _read_parquet(path, label)
        from ..summaries.frames import read_frame

        frame = read_frame(path, file_type)
    except ArtifactValueError:
        raise
    except Exception as e:  # a damaged file: every reader raises its own kind
        raise ArtifactValueError(f"cannot read {label} as {file_type}: {_first_line(e)}") from None
    return LoadedTable(frame, label, {str(c): {"type": str(t)} for c, t in frame.dtypes.items()})


def _read_parquet(path: str, label: str) -> LoadedTable:
    """Parquet straight into polars through Arrow (no pandas copy): what keeps a 1,000,000 x 20 compare quick."""
    import polars as pl
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    frame = pl.from_arrow(table)
    return LoadedTable(frame, label, {f.name: {"type": str(f.type)} for f in table.schema})


def _read_sas(path: str, file_type: str, label: str) -> LoadedTable:
    import pyreadstat

    reader = pyreadstat.read_xport if file_type == "xpt" else pyreadstat.read_sas7bdat
    frame, meta = reader(path)
    labels = dict(zip(meta.column_names, meta.column_labels or [None] * len(meta.column_names)))
    widths = meta.variable_storage_width or {}
    formats = meta.original_variable_types or {}
    variables = {
        name: {"type": str(frame[name].dtype), "label": labels.get(name) or "", "length": widths.get(name),
               "format": formats.get(name) or ""}
        for name in frame.columns
    }
    dataset = {"name": meta.table_name or "", "label": meta.file_label or ""}
    return LoadedTable(frame, label, variables, dataset)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__

