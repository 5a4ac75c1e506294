"""The ``columns`` of a Dataset-JSON v1.1 file, and how each value of a column is written.

A SAS file's columns take their label, length and display format from the same metadata its summary shows
(``summaries/sas_metadata.py``): character variables are ``string``, numeric ones ``double``, and numeric variables
whose format shows a date, datetime or time are ``date``/``datetime``/``time`` with ``targetDataType: integer`` (SAS
keeps them as numbers; the file holds them as ISO 8601 text, as the standard asks). Other tables get their types
from the frame's: integers, floats, booleans, dates, datetimes, times, decimals, and text for everything else.
"""

from __future__ import annotations

import datetime
import decimal
import math
import typing

#: The Dataset-JSON dataType of each kind of value, and how a value of that kind is written.
KINDS = ("string", "integer", "double", "float", "boolean", "date", "datetime", "time", "decimal")


def _text(value):
    return str(value)


def _integer(value):
    return int(value)


def _number(value):
    number = float(value)
    return number if math.isfinite(number) else None  # JSON holds no infinity: written as missing


def _boolean(value):
    return bool(value)


def _date(value):
    if isinstance(value, datetime.datetime):
        value = value.date()
    return value.isoformat()


def _datetime(value):
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None).isoformat() if value.tzinfo is None else value.isoformat()
    return datetime.datetime.combine(value, datetime.time()).isoformat()


def _time(value):
    return value.isoformat()


def _decimal(value):
    return format(decimal.Decimal(value), "f")


WRITERS: typing.Dict[str, typing.Callable[[typing.Any], typing.Any]] = {
    "string": _text, "integer": _integer, "double": _number, "float": _number, "boolean": _boolean,
    "date": _date, "datetime": _datetime, "time": _time, "decimal": _decimal,
}


def converter(kind: str) -> typing.Callable[[typing.Any], typing.Any]:
    """The function writing one value of ``kind``: missing values (None, NaN, NaT) become ``null``."""
    import pandas as pd

    write = WRITERS[kind]

    def convert(value):
        if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value):
            return None
        return write(value)

    return convert


def kind_of_series(series) -> str:
    """The Dataset-JSON dataType for a pandas column with no SAS metadata."""
    import pandas as pd
    from pandas.api import types as t

    if t.is_bool_dtype(series.dtype):
        return "boolean"
    if t.is_integer_dtype(series.dtype):
        return "integer"
    if t.is_float_dtype(series.dtype):
        return "float" if getattr(series.dtype, "itemsize", 8) == 4 else "double"
    if t.is_datetime64_any_dtype(series.dtype):
        return "datetime"
    values = series.dropna()
    if len(values) and not isinstance(series.dtype, pd.StringDtype):
        for kind, types in (("datetime", datetime.datetime), ("date", datetime.date), ("time", datetime.time),
                            ("decimal", decimal.Decimal)):
            if all(isinstance(v, types) for v in values):
                return kind
    return "string"


def _sas_kind(variable: dict) -> str:
    values = variable.get("values")
    if values in ("date", "datetime", "time"):
        return values
    return "string" if variable.get("type") == "char" else "double"


def _display_format(sas_format: str) -> str:
    """SAS's format name as pyreadstat gives it (``DATE9``, ``8.2``) written as SAS does (``DATE9.``, ``8.2``)."""
    return sas_format if "." in sas_format else f"{sas_format}."


def _text_length(series) -> typing.Optional[int]:
    lengths = series.dropna().astype(str).map(lambda s: len(s.encode("utf-8")))
    longest = int(lengths.max()) if len(lengths) else 0
    return longest or None  # the standard's length is at least 1


def build_columns(frame, dataset_name: str, sas_variables: typing.Optional[typing.List[dict]],
                  key: typing.Sequence[str] = ()) -> typing.List[dict]:
    """The column definitions of ``frame`` (SAS metadata where given), with ``keySequence`` for ``key``."""
    by_name = {v["name"]: v for v in sas_variables or []}
    columns = []
    for name in frame.columns:
        name = str(name)
        variable = by_name.get(name)
        kind = _sas_kind(variable) if variable is not None else kind_of_series(frame[name])
        column = {"itemOID": f"IT.{dataset_name}.{name}", "name": name,
                  "label": (variable or {}).get("label") or "", "dataType": kind}
        if kind in ("date", "datetime", "time") and variable is not None:
            column["targetDataType"] = "integer"
        elif kind == "decimal":
            column["targetDataType"] = "decimal"
        length = (variable or {}).get("length")
        if variable is None and kind == "string":
            length = _text_length(frame[name])
        if isinstance(length, int) and length >= 1:
            column["length"] = length
        if variable is not None and variable.get("format"):
            column["displayFormat"] = _display_format(variable["format"])
        if name in key:
            column["keySequence"] = list(key).index(name) + 1
        columns.append(column)
    return columns
