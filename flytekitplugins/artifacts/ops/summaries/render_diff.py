"""Terminal rendering of a summary diff (see :func:`diff_summaries`)."""

from .render_text import column_detail
from .sizes import human_size
from .textfit import fitted_table, format_count, format_value, literal


def _signed(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    return f" ({'+' if value >= 0 else ''}{format_value(value)})"


def _stat(key, value):
    if key == "top":
        return column_detail({"top": value or []})
    return format_value(value)


def render_diff_text(diff, width=80):
    """A rich renderable (a ``Group``) describing ``diff``, its table of changed statistics fitting ``width``."""
    from rich.console import Group
    from rich.text import Text

    width = max(int(width), 20)
    out = []
    if not diff.get("changed"):
        out.append(Text("no changes", style="bold green"))
    out += _file_lines(diff)
    out += _column_lines(diff)
    for key, change in (diff.get("facts") or {}).items():
        out.append(literal(f"{key}: {format_value(change.get('old'))} -> {format_value(change.get('new'))}"))
    out += _statistics(diff, width)
    for note in diff.get("notes") or []:
        out.append(Text.assemble(("note: ", "dim"), literal(note)))
    return Group(*out)


def _file_lines(diff):
    """Lines on the file as a whole: kind and file type when they changed, size, sha256 and row count."""
    out = []
    for key in ("kind_changed", "file_type_changed"):
        if key in diff:
            out.append(literal(f"{key.split('_')[0]}: {diff[key]['old']} -> {diff[key]['new']}", style="bold"))
    size = diff.get("size") or {}
    out.append(literal(f"size: {human_size(size.get('old'))} -> {human_size(size.get('new'))}"
                       f"{_signed(size.get('change'))}"))
    if "sha256" in diff:
        sha = diff["sha256"]
        text = "changed" if sha.get("changed") else "unchanged"
        out.append(literal(f"sha256: {text} ({str(sha.get('old'))[:12]} -> {str(sha.get('new'))[:12]})"))
    if "rows" in diff:
        rows = diff["rows"]
        approx = "" if rows.get("exact") else " (from samples)"
        out.append(literal(f"rows: {format_count(rows.get('old'))} -> {format_count(rows.get('new'))}"
                           f"{_signed(rows.get('change'))}{approx}"))
    return out


def _column_lines(diff):
    """Lines on a table's columns: added, removed, retyped, reordered."""
    out = [literal(f"+ column {col['name']} ({col.get('type')})", style="green")
           for col in diff.get("columns_added") or []]
    out += [literal(f"- column {col['name']} ({col.get('type')})", style="red")
            for col in diff.get("columns_removed") or []]
    out += [literal(f"~ column {col['name']}: {col.get('old')} -> {col.get('new')}", style="yellow")
            for col in diff.get("columns_retyped") or []]
    if diff.get("column_order_changed"):
        out.append(literal("column order changed"))
    return out


def _statistics(diff, width):
    """The table of changed column statistics (nothing when none changed), fitting ``width``."""
    from rich.text import Text

    rows = []
    for col in diff.get("column_changes") or []:
        for key, change in col["changes"].items():
            rows.append([literal(col["name"]), literal(key), literal(_stat(key, change.get("old"))),
                         literal(_stat(key, change.get("new")))])
    if not rows:
        return []
    table, hidden = fitted_table(["column", "statistic", "old", "new"], rows, width, max_cell=max(width // 3, 12))
    out = [Text(""), Text("Changed statistics", style="bold"), table]
    if hidden:
        out.append(literal(f"({hidden} column(s) hidden: terminal too narrow)", style="dim"))
    return out
