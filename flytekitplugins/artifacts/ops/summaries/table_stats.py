"""Column statistics and the preview rows of a table sample (a pandas DataFrame)."""

from .jsonsafe import json_number, json_value, short_text
from .textfit import counted

PREVIEW_ROWS = 20
TOP_VALUES = 5
MAX_COLUMNS = 1000


def column_stats(series):
    """Statistics of one column: type, nulls, distinct, and min/max/mean (numbers, times) or top values (text)."""
    from pandas.api import types as ptypes

    dtype = series.dtype
    if dtype.kind in "iuf" and not ptypes.is_extension_array_dtype(dtype):
        return _numpy_number_stats(series.to_numpy(), str(dtype))
    stats = {"type": str(dtype), "nulls": int(series.isna().sum())}
    values = series.dropna()
    try:
        stats["distinct"] = int(values.nunique())
        hashable = values
    except TypeError:  # lists or dicts (nested parquet / json lines) are unhashable
        hashable = values.map(repr)
        stats["distinct"] = int(hashable.nunique())
    if ptypes.is_bool_dtype(dtype):
        stats["top"] = _top(hashable)
    elif ptypes.is_numeric_dtype(dtype):
        if len(values):
            stats["min"] = json_number(values.min())
            stats["max"] = json_number(values.max())
            stats["mean"] = json_number(float(values.astype("float64").mean()))
    elif ptypes.is_datetime64_any_dtype(dtype) or ptypes.is_timedelta64_dtype(dtype):
        if len(values):
            stats["min"] = json_number(values.min())
            stats["max"] = json_number(values.max())
    else:
        stats["top"] = _top(hashable)
    return stats


def _numpy_number_stats(array, type_name):
    """The statistics of a plain numpy number column, straight from numpy: the same numbers as the pandas calls
    (each of which costs more than the whole column when a file has a few rows)."""
    import numpy as np

    stats = {"type": type_name, "nulls": 0}
    if array.dtype.kind == "f":
        missing = np.isnan(array)
        stats["nulls"] = int(missing.sum())
        array = array[~missing]
    stats["distinct"] = int(len(np.unique(array)))
    if len(array):
        stats["min"] = json_number(array.min())
        stats["max"] = json_number(array.max())
        with np.errstate(invalid="ignore", over="ignore"):  # inf and -inf together: the mean is nan, quietly
            stats["mean"] = json_number(float(array.mean(dtype="float64")))
    return stats


def _top(values):
    counts = values.value_counts(dropna=True).head(TOP_VALUES)
    return [[json_value(value, limit=80), int(count)] for value, count in counts.items()]


def preview(frame, rows=PREVIEW_ROWS, max_columns=MAX_COLUMNS):
    """The first ``rows`` rows as lists of JSON-safe values (the column names are the summary's columns)."""
    # Slicing costs more than the whole preview of a small table: only a larger one is cut.
    head = frame if len(frame) <= rows and frame.shape[1] <= max_columns else frame.iloc[:rows, :max_columns]
    return [[json_value(v) for v in row] for row in head.itertuples(index=False, name=None)]


def table_summary(sample, clock):
    """The table part of a summary built from a :class:`TableSample`, computing statistics while time remains."""
    frame = sample.frame
    names = [short_text(name, 120) for name in frame.columns]
    columns, skipped = [], 0
    # items() hands out each column by position (duplicate names too), cheaper than iloc per column.
    for name, (key, series) in zip(names[:MAX_COLUMNS], frame.items()):
        column = {"name": name}
        label = sample.labels.get(str(key))
        if label:
            column["label"] = short_text(label, 200)
        if clock.expired():
            column["type"] = str(series.dtype)
            skipped += 1
        else:
            column.update(column_stats(series))
        columns.append(column)
    result = {
        "rows": sample.rows,
        "rows_exact": sample.rows is not None,
        "sample_rows": int(len(frame)),
        "column_count": int(sample.column_count or frame.shape[1]),
        "columns": columns,
        "preview": preview(frame),
    }
    notes = list(sample.notes)
    if sample.cdisc is not None:
        result["cdisc"] = sample.cdisc
        notes += [f"XPT v5: {w}" for w in sample.cdisc["warnings"]]
    if sample.rows is None:
        notes.append(f"row count unknown: the first {counted(len(frame), 'row')} were read")
    if sample.sampled:
        notes.append(f"statistics describe the first {counted(len(frame), 'row')}")
    if frame.shape[1] > MAX_COLUMNS:  # a reader that keeps every column (SAS)
        notes.append(f"statistics of the first {MAX_COLUMNS} of {frame.shape[1]} columns")
    if skipped:
        notes.append(f"time budget spent: statistics of {skipped} column(s) skipped")
    result["notes"] = notes
    return result
