"""Terminal text helpers: literal, escaped cells and tables whose rows never wrap at a given width.

Only ``rich`` is imported (lazily); values are always wrapped in ``rich.text.Text`` so markup in data is shown as
written, and control characters are replaced by visible escapes before they reach the terminal.
"""

import unicodedata

# Space taken between two columns of a fitted table (right padding plus the divider).
COLUMN_GAP = 2
MIN_CELL = 6
MAX_CELL = 32

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}


def visible(text, keep=""):
    """``text`` with control, format and separator characters (escape sequences included) shown as escapes.

    Characters in ``keep`` (for example a tab in preformatted text) are left as they are.
    """
    text = str(text)
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() or ch == " " or ch in keep:
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif unicodedata.category(ch) in ("Zs",):
            out.append(" ")
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def literal(text, style=""):
    """A rich Text of ``text`` made visible, never parsed as markup."""
    from rich.text import Text

    return Text(visible(text), style=style, no_wrap=True, overflow="ellipsis")


def cell_width(text):
    """Terminal cells ``text`` takes (wide characters count twice)."""
    from rich.cells import cell_len

    return cell_len(text)


def truncate(text, width):
    """A copy of rich Text ``text`` cut to ``width`` cells, ending in an ellipsis when it was cut."""
    text = text.copy()
    text.truncate(max(width, 1), overflow="ellipsis")
    return text


def fit_widths(natural, width, min_cell=MIN_CELL):
    """Column widths for columns wanting ``natural`` cells, so that the table fits ``width``.

    Columns are kept left to right while each can have at least ``min(natural, min_cell)`` cells; the rest are
    dropped. Spare cells then go one at a time to the kept columns still narrower than they want.
    Returns the widths of the kept columns (the dropped ones are the tail).
    """
    kept = []
    used = 0
    for want in natural:
        least = max(1, min(want, min_cell))
        extra = least + (COLUMN_GAP if kept else 0)
        if used + extra > width:
            break
        kept.append(least)
        used += extra
    spare = width - used
    while spare > 0:
        grew = False
        for i, want in enumerate(natural[: len(kept)]):
            if spare and kept[i] < want:
                kept[i] += 1
                spare -= 1
                grew = True
        if not grew:
            break
    return kept


def fitted_table(headers, rows, width, max_cell=MAX_CELL, min_cell=MIN_CELL):
    """A rich Table of ``headers`` (str) and ``rows`` (lists of rich Text) no wider than ``width``.

    Returns ``(table, hidden)``: cells are cut with an ellipsis and never wrap; columns that do not fit are left out
    from the right, ``hidden`` says how many.
    """
    from rich import box
    from rich.table import Table

    header_texts = [literal(h, style="bold") for h in headers]
    natural = []
    for i, header in enumerate(header_texts):
        longest = max([cell_width(header.plain)] + [cell_width(row[i].plain) for row in rows if i < len(row)])
        natural.append(max(1, min(longest, max_cell)))
    widths = fit_widths(natural, width, min_cell)
    table = Table(
        box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), expand=False
    )
    for header, w in zip(header_texts, widths):
        table.add_column(truncate(header, w), width=w, min_width=w, max_width=w, no_wrap=True, overflow="ellipsis")
    for row in rows:
        table.add_row(*[truncate(cell, w) for cell, w in zip(row, widths)])
    return table, len(headers) - len(widths)




def format_value(value):
    """A statistic or cell value as short text: numbers with up to 6 significant digits, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def format_count(value):
    """A count with thousands separators, or ``?`` when unknown."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else "?"


def counted(value, noun, suffix=""):
    """``1 file``, ``2,048 files``, ``? files`` (unknown); ``suffix`` follows the number (``100+ rows``)."""
    return f"{format_count(value)}{suffix} {noun if value == 1 and not suffix else noun + 's'}"
