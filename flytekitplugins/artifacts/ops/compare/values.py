"""Value-level compare of two tables, as SAS PROC COMPARE does it: proccompy (DuckDB) joins the two on their key
and counts, per variable, the values that differ beyond the tolerance; this module adds what a clinical programmer
checks next (variables whose type, label, length or format differ) and turns the result into one plain document.

The document (:func:`compare_tables`) has ``equal``, ``key``, ``options``, ``base`` and ``compare`` (name, rows,
columns, dataset name and label), ``observations`` (in both, only in one, the first keys of those only in one),
``variables`` (only in one, attribute differences) and ``values`` (per compared variable: how many differ, the
largest absolute difference and the first differences with their key, base and compare values).
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass

from ...errors import ArtifactValueError
from .tables import LoadedTable

#: Differences listed per variable, and keys listed per side for observations in one table only.
FIRST = 10
#: The column a compare without a key joins on: the observation number, counted from 1 as SAS does.
OBS = "_OBS_"
ATTRIBUTES = ("type", "label", "length", "format")


@dataclass(frozen=True)
class CompareOptions:
    """How two tables are compared. ``key``: the variables that identify an observation (none: the observation
    number); ``abs_tol``/``rel_tol``: numbers are equal when within either tolerance; ``ignore_case``: text values
    are compared without regard to case."""

    key: typing.Tuple[str, ...] = ()
    abs_tol: float = 0.0
    rel_tol: float = 0.0
    ignore_case: bool = False

    def __post_init__(self):
        for name in ("abs_tol", "rel_tol"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
                raise ArtifactValueError(f"{name} must be a finite number >= 0, got {value!r}")
        for k in self.key:
            if not isinstance(k, str) or not k.strip() or not k.isprintable():
                raise ArtifactValueError(f"key variables must be non-empty printable names, got {k!r}")
        if len(set(self.key)) != len(self.key):
            raise ArtifactValueError(f"key {','.join(self.key)!r} names a variable twice")

    def as_dict(self) -> dict:
        return {"key": list(self.key), "abs_tol": self.abs_tol, "rel_tol": self.rel_tol,
                "ignore_case": self.ignore_case}


class _Within:
    """A proccompy tolerance: numbers are unequal only when they differ by more than ``abs_tol`` and by more than
    ``rel_tol`` of the larger magnitude (equal when within either)."""

    def __init__(self, abs_tol: float, rel_tol: float):
        self.abs_tol, self.rel_tol = float(abs_tol), float(rel_tol)

    def unequal_sql(self, base_col: str, compare_col: str) -> str:
        gap = f"ABS({base_col} - {compare_col})"
        conditions = [f"({gap} > {self.abs_tol!r})"]
        if self.rel_tol:
            conditions.append(f"({gap} > {self.rel_tol!r} * GREATEST(ABS({base_col}), ABS({compare_col})))")
        return "(" + " AND ".join(conditions) + ")"


def compare_tables(base: LoadedTable, compare: LoadedTable, options: CompareOptions = CompareOptions()) -> dict:
    """The value-level compare of ``base`` and ``compare`` (see the module docstring)."""
    import polars as pl
    import proccompy

    left, right = _polars(base.frame), _polars(compare.frame)
    key = list(options.key)
    _check_key(key, left, right, base, compare)
    if not key:
        left = left.with_row_index(OBS, offset=1)
        right = right.with_row_index(OBS, offset=1)
        key = [OBS]
    shared = [c for c in left.columns if c in right.columns and c not in key]
    if options.ignore_case:
        left, right = _upper(left, shared), _upper(right, shared)
    numeric = [c for c in shared if left[c].dtype.is_numeric() and right[c].dtype.is_numeric()]
    tolerances = {c: _Within(options.abs_tol, options.rel_tol) for c in numeric
                  if options.abs_tol or options.rel_tol}
    try:
        result = proccompy.compare(left, right, id_columns=key, var_columns=shared, tolerances=tolerances,
                                   base_name=base.label, compare_name=compare.label, case_insensitive_columns=False)
    except ValueError as e:
        raise ArtifactValueError(f"cannot compare {base.label} with {compare.label}: {_duplicates(e, key)}") from None
    joined = result.joined()
    document = {
        "key": [] if key == [OBS] else key,
        "options": options.as_dict(),
        "base": _side(base, left, key),
        "compare": _side(compare, right, key),
        "observations": _observations(result, joined, key, pl),
        "variables": _variables(base, compare, left, right, key),
        "values": [_values(s, joined, key, pl) for s in result.column_summaries],
    }
    document["equal"] = _equal(document)
    return document


def _polars(frame: typing.Any):
    import polars as pl

    if isinstance(frame, pl.DataFrame):
        return frame
    return pl.from_pandas(frame)


def _check_key(key, left, right, base, compare) -> None:
    for side, frame in ((base, left), (compare, right)):
        missing = [k for k in key if k not in frame.columns]
        if missing:
            raise ArtifactValueError(
                f"key variable {', '.join(missing)} is not in {side.label} (its variables: "
                f"{', '.join(frame.columns[:30])}{' ...' if len(frame.columns) > 30 else ''}); pass --key with "
                "variables both tables have"
            )


def _upper(frame, columns):
    import polars as pl

    text = [c for c in columns if frame[c].dtype == pl.String]
    return frame.with_columns([pl.col(c).str.to_uppercase() for c in text]) if text else frame


def _duplicates(error: ValueError, key) -> str:
    text = str(error).splitlines()[0]
    if "duplicate" in text.lower():
        return f"the key {','.join(key)} does not identify one observation ({text}); add variables to --key"
    return text


def _side(table: LoadedTable, frame, key) -> dict:
    return {"name": table.label, "rows": frame.height, "columns": len([c for c in frame.columns if c != OBS]),
            "dataset": table.dataset}


def _key_of(row: dict, key) -> dict:
    return {("obs" if k == OBS else k): _plain(row[k]) for k in key}


def _observations(result, joined, key, pl) -> dict:
    firsts = {}
    for name, origin in (("base_only_first", result.base_only_rows()), ("compare_only_first",
                                                                      result.compare_only_rows())):
        firsts[name] = [_key_of(r, key) for r in origin.sort(key).head(FIRST).select(key).to_dicts()]
    return {"in_both": result.n_rows_both, "base_only": result.n_rows_base_only,
            "compare_only": result.n_rows_compare_only, **firsts}


def _variables(base: LoadedTable, compare: LoadedTable, left, right, key) -> dict:
    base_only = [c for c in left.columns if c not in right.columns and c != OBS]
    compare_only = [c for c in right.columns if c not in left.columns and c != OBS]
    differences = []
    for name in (c for c in left.columns if c in right.columns and c != OBS):
        b, c = dict(base.variables.get(name, {})), dict(compare.variables.get(name, {}))
        b["type"], c["type"] = str(left[name].dtype), str(right[name].dtype)
        for attribute in ATTRIBUTES:
            if attribute in b and attribute in c and b[attribute] != c[attribute]:
                differences.append({"name": name, "attribute": attribute, "base": b[attribute],
                                    "compare": c[attribute]})
    return {"base_only": base_only, "compare_only": compare_only, "attribute_differences": differences}


def _values(summary, joined, key, pl) -> dict:
    name = summary.column
    unequal = summary.n_unequal + summary.n_null_mismatch
    differences = []
    if unequal:
        from proccompy.types import ROW_BOTH

        rows = (joined.filter((pl.col("row_origin") == ROW_BOTH) & pl.col(f"{name}_unequal"))
                .sort(key).head(FIRST).select([*key, f"{name}_base", f"{name}_compare"]).to_dicts())
        differences = [{"key": _key_of(r, key), "base": _plain(r[f"{name}_base"]),
                        "compare": _plain(r[f"{name}_compare"])} for r in rows]
    return {"name": name, "unequal": unequal, "compared": summary.n_compared,
            "max_difference": _plain(summary.max_abs_diff), "base_type": summary.base_dtype,
            "compare_type": summary.compare_dtype, "differences": differences}


def _plain(value: typing.Any) -> typing.Any:
    """``value`` as JSON can hold it: numbers, text, None; dates and times as ISO text; NaN as None."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _equal(document: dict) -> bool:
    obs, variables = document["observations"], document["variables"]
    return not (obs["base_only"] or obs["compare_only"] or variables["base_only"] or variables["compare_only"]
                or variables["attribute_differences"] or any(v["unequal"] for v in document["values"]))
