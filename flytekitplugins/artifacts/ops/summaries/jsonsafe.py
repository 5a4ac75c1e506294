"""Turn values found in files into small JSON-safe values (str, int, float, bool, None)."""

import datetime
import decimal
import math

MAX_TEXT = 200


def short_text(text, limit=MAX_TEXT):
    """``text`` cut to ``limit`` characters, with an ellipsis when it was longer."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def first_line(exc):
    """The first line of an exception's message (its type's name when it has none), at most 300 characters: what a
    summary says about a file it could not read."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def json_value(value, limit=MAX_TEXT):
    """A JSON-safe form of one cell value: numbers stay numbers, missing values become None, the rest text.

    Non-finite floats become the strings "nan", "inf" and "-inf" (JSON has no such numbers).
    """
    if value is None:
        return None
    value = _python_scalar(value)
    if isinstance(value, (bool, int, float, decimal.Decimal)):
        return _json_safe_number(value)
    if _is_missing(value):
        return None
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return short_text(value.isoformat(), limit)
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat) and type(value).__module__.startswith("pandas"):
        return short_text(isoformat(), limit)
    if isinstance(value, bytes):
        return short_text(value.decode("utf-8", errors="backslashreplace"), limit)
    return short_text(value, limit)


def _python_scalar(value):
    """The Python value of a numpy scalar (taken without importing numpy); any other value as it is."""
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy":
        try:
            return item()
        except (TypeError, ValueError):
            pass
    return value


def _json_safe_number(value):
    """A bool, int, float or Decimal as JSON can hold it: huge ints and infinities as text, NaN as None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**63 else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    return _json_safe_number(float(value)) if value.is_finite() else None


def json_number(value):
    """A JSON-safe statistic: finite numbers as int/float, others (timestamps, text) as short text."""
    return json_value(value, limit=80)


def _is_missing(value):
    # pandas NA / NaT compare unequal to themselves or raise on bool(); both mean "missing".
    name = type(value).__name__
    return name in ("NAType", "NaTType")
