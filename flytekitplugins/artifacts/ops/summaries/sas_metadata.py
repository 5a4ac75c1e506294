"""CDISC-relevant metadata of a SAS file (xpt, sas7bdat), from pyreadstat's metadata: the dataset's name, label and
character encoding; each variable's label, SAS type (char or num), length in bytes and display format, and whether
its values are SAS dates, datetimes or times (pyreadstat turns those into dates already); and, for transport files,
the XPT v5 rules a submission must keep (FDA's Study Data Technical Conformance Guide) as warnings.
"""

from __future__ import annotations

import typing

#: XPT v5 limits: variable and dataset names, labels, character values (bytes).
MAX_NAME, MAX_LABEL, MAX_CHAR = 8, 40, 200
DATE_FORMATS = ("DATE", "YYMMDD", "MMDDYY", "DDMMYY", "E8601DA", "IS8601DA", "YYQ", "MONYY", "WEEKDATE", "DAY")
DATETIME_FORMATS = ("DATETIME", "E8601DT", "IS8601DT", "DATEAMPM")
TIME_FORMATS = ("TIME", "E8601TM", "IS8601TM", "HHMM", "TOD")
#: At most this many warnings of one kind are listed (the rest are counted).
MAX_WARNINGS = 10


def value_kind(sas_format: typing.Optional[str]) -> typing.Optional[str]:
    """``"date"``, ``"datetime"`` or ``"time"`` for a SAS display format that shows one (``DATE9.``), else None."""
    name = (sas_format or "").upper().lstrip("$").rstrip(".0123456789")
    for kind, prefixes in (("datetime", DATETIME_FORMATS), ("date", DATE_FORMATS), ("time", TIME_FORMATS)):
        if any(name.startswith(p) for p in prefixes):
            return kind
    return None


def metadata_rows(cdisc: dict) -> typing.Tuple[str, typing.List[str], typing.List[typing.List[str]]]:
    """(dataset line, headers, rows) of the metadata for a text or HTML page."""
    ds = cdisc.get("dataset") or {}
    line = " \u00b7 ".join(bit for bit in (f"dataset {ds.get('name') or '?'}", ds.get("label") or "",
                                           f"encoding {ds.get('encoding')}" if ds.get("encoding") else "") if bit)
    rows = [[v["name"], v["label"], v["type"], "" if v["length"] is None else str(v["length"]), v["format"],
             v.get("values", "")] for v in cdisc.get("variables") or []]
    return line, ["variable", "label", "type", "length", "format", "values"], rows


def sas_metadata(frame, meta, file_type: str) -> dict:
    """The ``cdisc`` part of a SAS table's summary: ``dataset`` and ``variables``, and ``warnings`` (a list)."""
    labels = meta.column_names_to_labels or {}
    formats = meta.original_variable_types or {}
    widths = meta.variable_storage_width or {}
    kinds = getattr(meta, "readstat_variable_types", None) or {}
    variables = []
    for name in meta.column_names:
        fmt = formats.get(name) or ""
        variable = {"name": name, "label": labels.get(name) or "",
                    "type": "char" if kinds.get(name) == "string" else "num",
                    "length": widths.get(name), "format": fmt}
        if value_kind(fmt):
            variable["values"] = value_kind(fmt)
        variables.append(variable)
    dataset = {"name": meta.table_name or "", "label": meta.file_label or "",
               "encoding": meta.file_encoding or None}  # a transport file does not say
    warnings = xpt_v5_warnings(dataset, variables, frame) if file_type == "xpt" else []
    return {"dataset": dataset, "variables": variables, "warnings": warnings}


def xpt_v5_warnings(dataset: dict, variables: typing.List[dict], frame) -> typing.List[str]:
    """What breaks the XPT v5 rules: names over 8 characters, labels over 40, character values over 200 bytes,
    and non-ASCII names, labels or values (checked in the rows read)."""
    found: typing.List[str] = []
    if len(dataset["name"]) > MAX_NAME:
        found.append(f"dataset name {dataset['name']!r} is longer than {MAX_NAME} characters")
    if len(dataset["label"]) > MAX_LABEL:
        found.append(f"dataset label is longer than {MAX_LABEL} characters ({len(dataset['label'])})")
    for v in variables:
        found += _variable_warnings(v, frame)
    if len(found) > MAX_WARNINGS:
        found = found[:MAX_WARNINGS] + [f"... and {len(found) - MAX_WARNINGS} more XPT v5 problems"]
    return found


def _variable_warnings(v: dict, frame) -> typing.List[str]:
    name, out = v["name"], []
    if len(name) > MAX_NAME:
        out.append(f"variable name {name!r} is longer than {MAX_NAME} characters")
    if len(v["label"]) > MAX_LABEL:
        out.append(f"label of {name} is longer than {MAX_LABEL} characters ({len(v['label'])})")
    if not (name + v["label"]).isascii():
        out.append(f"variable {name!r} has non-ASCII characters in its name or label")
    if v["type"] == "char" and isinstance(v["length"], int) and v["length"] > MAX_CHAR:
        out.append(f"character variable {name} is {v['length']} bytes long: XPT v5 allows {MAX_CHAR}")
    if v["type"] == "char" and name in frame.columns:
        values = frame[name].dropna().astype(str)
        if len(values) and not values.map(str.isascii).all():
            out.append(f"variable {name} has non-ASCII values")
    return out
