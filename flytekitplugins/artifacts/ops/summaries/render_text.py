"""Terminal rendering of a stored summary dict (rich renderables); reads only the dict, never the file."""

from .sizes import human_size
from .textfit import counted, fitted_table, format_count, format_value, literal

# A preview column narrower than this is not worth showing: fewer, readable columns instead.
PREVIEW_MIN_CELL = 10


def render_text(summary, width=80, rows=10):
    """A rich renderable (a ``Group``) describing ``summary`` whose tables fit ``width`` columns, no row wrapped.

    Print it with ``console.print(render_text(summary, console.width))``. ``rows`` bounds the preview rows of
    a table and the lines shown of a text file. Every value is shown literally (no markup) with control characters
    escaped.
    """
    from rich.console import Group
    from rich.text import Text

    width = max(int(width), 20)
    out = [_headline(summary)]
    if summary.get("error"):
        out.append(Text.assemble(("error: ", "bold red"), literal(summary["error"])))
    if summary.get("sampled"):
        out.append(literal(_sample_line(summary), style="yellow"))
    for note in summary.get("notes") or []:
        out.append(Text.assemble(("note: ", "dim"), literal(note)))
    kind = summary.get("kind")
    if kind == "table" and summary.get("columns"):
        out.extend(_table_parts(summary, width, rows))
    elif kind == "text" and summary.get("head"):
        out.extend(_text_parts(summary, width, rows))
    return Group(*out)


def print_summary(summary, console=None, rows=10):
    """Print ``summary`` to ``console`` (a rich Console; a new one on stdout when None) at the console's width."""
    from rich.console import Console

    console = console or Console()
    console.print(render_text(summary, width=console.width, rows=rows))


def _headline(summary):
    from rich.text import Text

    bits = [str(summary.get("kind", "?")), str(summary.get("file_type") or "no type"), human_size(summary.get("size"))]
    kind = summary.get("kind")
    if kind == "table" and "error" in summary:
        bits.append("not read as a table")
    elif kind == "table":
        rows = summary.get("rows")
        rows_text = counted(rows, "row") if rows is not None else counted(summary.get("sample_rows"), "row", "+")
        bits.append(f"{rows_text} \u00d7 {counted(summary.get('column_count'), 'column')}")
    elif kind == "image" and "width" in summary:
        bits.append(f"{format_value(summary.get('width'))} \u00d7 {format_value(summary.get('height'))} px")
        if summary.get("mode"):
            bits.append(str(summary["mode"]))
        if summary.get("frames"):
            bits.append(counted(summary["frames"], "frame"))
        if summary.get("thumbnail"):
            bits.append("thumbnail in the HTML view")
    elif kind == "text" and "lines" in summary:
        more = "" if summary.get("lines_exact", True) else "+"
        bits.append(counted(summary.get("lines"), "line", more))
    elif kind == "pdf":
        if "pages" in summary:
            bits.append(counted(summary.get("pages"), "page"))
        if summary.get("title"):
            bits.append(f"title: {summary['title']}")
    return Text.assemble(literal(" \u00b7 ".join(bits), style="bold"))


def _sample_line(summary):
    read = summary.get("read") or {}
    parts = []
    if read.get("rows") is not None:
        parts.append(counted(read["rows"], "row"))
    if read.get("bytes") is not None:
        parts.append(human_size(read["bytes"]))
    what = " / ".join(parts) or "part of the file"
    limits = summary.get("limits") or {}
    bound = ""
    if limits:
        bound = (
            f" (limits: {human_size(limits.get('max_bytes'))}, {format_count(limits.get('max_rows'))} rows,"
            f" {format_value(limits.get('max_seconds'))} s)"
        )
    return f"sampled: read the first {what}{bound}"


def column_detail(column):
    """One line describing a column's values: min/max/mean for numbers and times, top values for the rest."""
    parts = []
    for key in ("min", "max", "mean"):
        if key in column:
            parts.append(f"{key} {format_value(column[key])}")
    if column.get("top"):
        parts.append(", ".join(f"{format_value(value)} ({count})" for value, count in column["top"]))
    return " \u00b7 ".join(parts)


def _table_parts(summary, width, rows):
    from rich.text import Text

    columns = summary["columns"]
    has_labels = any(c.get("label") for c in columns)
    headers = ["column"] + (["label"] if has_labels else []) + ["type", "nulls", "distinct", "values"]
    stats_rows = []
    for column in columns:
        row = [literal(column.get("name", ""))]
        if has_labels:
            row.append(literal(column.get("label", "")))
        row += [
            literal(column.get("type", "")),
            literal(format_count(column["nulls"]) if "nulls" in column else ""),
            literal(format_count(column["distinct"]) if "distinct" in column else ""),
            literal(column_detail(column)),
        ]
        stats_rows.append(row)
    stats, hidden_stats = fitted_table(headers, stats_rows, width, max_cell=max(width, 32))
    out = [Text(""), Text("Columns", style="bold"), stats]
    if hidden_stats:
        out.append(literal(f"({hidden_stats} statistics column(s) hidden: terminal too narrow)", style="dim"))
    if summary.get("cdisc"):
        out += _metadata_parts(summary["cdisc"], width)
    preview = summary.get("preview") or []
    if rows > 0 and preview:
        names = [c.get("name", "") for c in columns]
        cells = [
            [literal("null", style="dim italic") if v is None else literal(format_value(v)) for v in row]
            for row in preview[:rows]
        ]
        table, hidden = fitted_table(names, cells, width, min_cell=PREVIEW_MIN_CELL)
        shown = min(rows, len(preview))
        out += [Text(""), Text(f"First {shown} rows", style="bold"), table]
        hidden += max(0, (summary.get("column_count") or len(names)) - len(names))
        if hidden:
            out.append(literal(f"({hidden} more column(s) not shown)", style="dim"))
    return out


def _metadata_parts(cdisc, width):
    from rich.text import Text

    from .sas_metadata import metadata_rows

    line, headers, rows = metadata_rows(cdisc)
    table, _ = fitted_table(headers, [[literal(c) for c in r] for r in rows], width, max_cell=max(width, 32))
    return [Text(""), Text("SAS metadata", style="bold"), literal(line), table]


def _text_parts(summary, width, rows):
    from rich.text import Text

    head = summary["head"][: max(rows, 0)]
    out = [Text("")]
    for line in head:
        text = literal(line)
        text.truncate(width, overflow="ellipsis")
        out.append(text)
    total = summary.get("lines")
    if isinstance(total, int) and total > len(head):
        out.append(literal(f"\u2026 ({format_count(total - len(head))} more lines)", style="dim"))
    return out
