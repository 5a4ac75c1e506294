"""HTML rendering of a stored summary dict: a self-contained fragment with every value escaped."""

import html
import re

from .render_text import column_detail
from .sizes import human_size
from .textfit import format_count, format_value, visible

# Only these media types become data: URIs, and only with plain base64 data.
_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/svg+xml"})
_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")

_STYLE = (
    "<style>"
    ".artifact-summary{font-family:sans-serif;font-size:13px}"
    ".artifact-summary table{border-collapse:collapse;margin:4px 0 12px}"
    ".artifact-summary th,.artifact-summary td{border:1px solid #ddd;padding:2px 6px;text-align:left;"
    "vertical-align:top;max-width:24em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}"
    ".artifact-summary th{background:#f4f4f4}"
    ".artifact-summary .null{color:#999;font-style:italic}"
    ".artifact-summary .error{color:#b00}"
    ".artifact-summary .note{color:#666}"
    ".artifact-summary pre{background:#f8f8f8;padding:6px;overflow:auto;max-height:30em}"
    "</style>"
)


def _e(value):
    return html.escape(visible(format_value(value)), quote=True)


def render_html(summary, rows=20, style=True):
    """An HTML fragment showing ``summary``: facts, column statistics and preview rows, thumbnail, or first lines.

    Every value from the file is escaped; images appear only as ``<img>`` data URIs of allowed image types, so
    nothing in a file can run as script. ``style`` adds a small ``<style>`` block scoped to the fragment's class.
    """
    parts = [_STYLE] if style else []
    parts.append('<div class="artifact-summary">')
    parts.append(_facts(summary))
    if summary.get("error"):
        parts.append(f'<p class="error">error: {_e(summary["error"])}</p>')
    for note in summary.get("notes") or []:
        parts.append(f'<p class="note">{_e(note)}</p>')
    kind = summary.get("kind")
    if kind == "table" and summary.get("columns"):
        parts.append(_columns(summary))
        if summary.get("cdisc"):
            parts.append(_metadata(summary["cdisc"]))
        parts.append(_preview(summary, rows))
    elif kind == "image":
        parts.append(_image(summary))
    elif kind == "text" and summary.get("head") is not None:
        lines = (visible(line, keep="\t") for line in summary["head"][: rows * 10])
        parts.append("<pre>" + html.escape("\n".join(lines)) + "</pre>")
    parts.append("</div>")
    return "".join(parts)


def _facts(summary):
    facts = [("kind", summary.get("kind")), ("type", summary.get("file_type") or "-"),
             ("size", human_size(summary.get("size")))]
    kind = summary.get("kind")
    if kind == "table":
        rows = summary.get("rows")
        facts.append(("rows", format_count(rows) if rows is not None else
                      f"{format_count(summary.get('sample_rows'))}+ (not counted)"))
        facts.append(("columns", format_count(summary.get("column_count"))))
    elif kind == "image" and "width" in summary:
        facts.append(("dimensions", f"{format_value(summary['width'])} \u00d7 {format_value(summary.get('height'))}"))
        if summary.get("mode"):
            facts.append(("mode", summary["mode"]))
    elif kind == "text" and "lines" in summary:
        facts.append(("lines", format_count(summary["lines"]) + ("" if summary.get("lines_exact", True) else "+")))
    elif kind == "pdf":
        if "pages" in summary:
            facts.append(("pages", format_count(summary["pages"])))
        if summary.get("title"):
            facts.append(("title", summary["title"]))
    if summary.get("sampled"):
        read = summary.get("read") or {}
        what = ", ".join(
            text for text in (
                f"{format_count(read['rows'])} rows" if read.get("rows") is not None else "",
                human_size(read["bytes"]) if read.get("bytes") is not None else "",
            ) if text
        )
        facts.append(("sampled", f"yes: read {what or 'part of the file'}"))
    cells = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts)
    return f"<table>{cells}</table>"


def _columns(summary):
    columns = summary["columns"]
    has_labels = any(c.get("label") for c in columns)
    headers = ["column"] + (["label"] if has_labels else []) + ["type", "nulls", "distinct", "values"]
    out = ["<table><thead><tr>", "".join(f"<th>{_e(h)}</th>" for h in headers), "</tr></thead><tbody>"]
    for c in columns:
        cells = [c.get("name", "")] + ([c.get("label", "")] if has_labels else []) + [
            c.get("type", ""),
            format_count(c["nulls"]) if "nulls" in c else "",
            format_count(c["distinct"]) if "distinct" in c else "",
            column_detail(c),
        ]
        out.append("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _metadata(cdisc):
    from .sas_metadata import metadata_rows

    line, headers, rows = metadata_rows(cdisc)
    out = [f"<p>SAS metadata: {_e(line)}</p><table><thead><tr>", "".join(f"<th>{_e(h)}</th>" for h in headers),
           "</tr></thead><tbody>"]
    out += ["<tr>" + "".join(f"<td>{_e(v)}</td>" for v in r) + "</tr>" for r in rows]
    out.append("</tbody></table>")
    return "".join(out)


def _preview(summary, rows):
    preview = (summary.get("preview") or [])[:rows]
    if not preview:
        return ""
    names = [c.get("name", "") for c in summary["columns"]]
    out = [f"<p>First {len(preview)} rows</p><table><thead><tr>"]
    out.append("".join(f"<th>{_e(n)}</th>" for n in names))
    out.append("</tr></thead><tbody>")
    for row in preview:
        out.append(
            "<tr>" + "".join('<td class="null">null</td>' if v is None else f"<td>{_e(v)}</td>" for v in row) + "</tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def _image(summary):
    thumb = summary.get("thumbnail")
    if not isinstance(thumb, dict):
        return ""
    media_type, data = thumb.get("media_type"), thumb.get("data")
    if media_type not in _IMAGE_TYPES or not isinstance(data, str) or not _BASE64.match(data):
        return '<p class="note">thumbnail not shown: not a plain image</p>'
    size = ""
    for key in ("width", "height"):
        value = thumb.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            size += f' {key}="{value}"'
    if media_type == "image/svg+xml":
        size = ' style="max-width:128px;max-height:128px"'
    return f'<img alt="thumbnail" src="data:{media_type};base64,{data}"{size}>'
