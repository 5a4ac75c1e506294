"""The compare document as a person reads it: text that fits a terminal, a self-contained HTML page, or JSON; and
:func:`write_report`, which writes one of them to a file whole or not at all."""

from __future__ import annotations

import html
import json
import os
import tempfile
import typing

from ...errors import ArtifactValueError
from ..summaries.textfit import fitted_table, format_value, literal, visible

REPORT_TYPES = ("json", "txt", "html")


def _key_text(key: dict) -> str:
    return ", ".join(f"{k}={_cell(v)}" for k, v in key.items())


def _cell(value) -> str:
    """A value as it differs: numbers with every significant digit (60.0000001 is not 60), None as ``.`` (SAS's
    missing value)."""
    if value is None:
        return "."
    if isinstance(value, float):
        return repr(value)
    return format_value(value)


def summary_lines(document: dict) -> typing.List[str]:
    """The report's headline facts, one line each."""
    base, comp, obs, var = document["base"], document["compare"], document["observations"], document["variables"]
    opts = document["options"]
    lines = [f"base    {base['name']}", f"        {base['rows']:,} obs, {base['columns']} variables",
             f"compare {comp['name']}", f"        {comp['rows']:,} obs, {comp['columns']} variables",
             f"key {', '.join(document['key']) or '(observation number)'}  tolerance abs {opts['abs_tol']:g} "
             f"rel {opts['rel_tol']:g}{'  ignoring case' if opts['ignore_case'] else ''}",
             f"observations: {obs['in_both']:,} in both, {obs['base_only']:,} only in base, "
             f"{obs['compare_only']:,} only in compare"]
    unequal = [v for v in document["values"] if v["unequal"]]
    lines.append(f"variables: {len(document['values'])} compared, {len(unequal)} with unequal values")
    lines.append(f"           {len(var['base_only'])} only in base, {len(var['compare_only'])} only in compare, "
                 f"{len(var['attribute_differences'])} attribute differences")
    lines.append("EQUAL" if document["equal"] else "DIFFERENT")
    return lines


def sections(document: dict) -> typing.List[typing.Tuple[str, typing.List[str], typing.List[list]]]:
    """(title, headers, rows) of each table of the report, for the text and the HTML forms alike."""
    obs, var = document["observations"], document["variables"]
    sections = []
    only = [["base", _key_text(k)] for k in obs["base_only_first"]]
    only += [["compare", _key_text(k)] for k in obs["compare_only_first"]]
    if only:
        sections.append(("Observations in one table only (first 10 each)", ["in", "key"], only))
    names = [["base", n] for n in var["base_only"]] + [["compare", n] for n in var["compare_only"]]
    if names:
        sections.append(("Variables in one table only", ["in", "variable"], names))
    if var["attribute_differences"]:
        sections.append(("Variable attributes that differ", ["variable", "attribute", "base", "compare"],
                         [[d["name"], d["attribute"], _cell(d["base"]), _cell(d["compare"])]
                          for d in var["attribute_differences"]]))
    unequal = [v for v in document["values"] if v["unequal"]]
    if unequal:
        sections.append(("Variables with unequal values", ["variable", "unequal", "max diff"],
                         [[v["name"], f"{v['unequal']:,}", format_value(v["max_difference"])] for v in unequal]))
    for v in unequal:
        sections.append((f"{v['name']}: first {len(v['differences'])} of {v['unequal']:,} differences",
                         ["key", "base", "compare"],
                         [[_key_text(d["key"]), _cell(d["base"]), _cell(d["compare"])]
                          for d in v["differences"]]))
    return sections


def render_text(document: dict, width: int = 80):
    """A rich renderable of the report whose lines never exceed ``width``."""
    from rich.console import Group

    parts: list = [literal(line) for line in summary_lines(document)]
    for title, headers, rows in sections(document):
        table, _ = fitted_table(headers, [[literal(c) for c in r] for r in rows], width, max_cell=width)
        parts += [literal(""), literal(title, style="bold"), table]
    return Group(*parts)


def plain_text(document: dict, width: int = 80) -> str:
    """The report as plain text (a ``.txt`` REPORT file)."""
    from rich.console import Console

    console = Console(width=width, record=True, file=open(os.devnull, "w"), color_system=None, highlight=False)
    console.print(render_text(document, width))
    return console.export_text()


def render_html(document: dict) -> str:
    """The report as one self-contained HTML page: every value escaped, no script."""
    def esc(value) -> str:
        return html.escape(visible(value))

    body = [f"<p>{esc(line)}</p>" for line in summary_lines(document)]
    for title, headers, rows in sections(document):
        head = "".join(f"<th>{esc(h)}</th>" for h in headers)
        cells = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
        body.append(f"<h2>{esc(title)}</h2><table><tr>{head}</tr>{cells}</table>")
    style = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}")
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Compare</title><style>{style}</style>"
            f"</head><body><h1>Compare</h1>{''.join(body)}</body></html>\n")


def write_report(document: dict, path: str) -> str:
    """Write the report to ``path`` as its extension says (``.json``, ``.txt`` or ``.html``), through a temporary
    file renamed into place, so a failure leaves no half-written report."""
    ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    if ext not in REPORT_TYPES:
        raise ArtifactValueError(f"report {os.fspath(path)!r} must end in .json, .txt or .html, not {'.' + ext!r}")
    text = (json.dumps(document, indent=2, sort_keys=True) + "\n" if ext == "json"
            else plain_text(document) if ext == "txt" else render_html(document))
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".compare-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return os.fspath(path)
