"""The HTML page of one run's artifacts (the recorder node's Flyte Deck): every file, grouped by DATA, MODEL and
REPORT, with its size, type, sha256 and summary. Pure HTML from records and summary dicts; every value escaped."""

from __future__ import annotations

import html
import shlex
import typing

from ..store.artifact_store import Record
from ..store.declaration import type_rank
from .summaries import render_html
from .summaries.sizes import human_size

_PAGE_STYLE = (
    "<style>"
    ".artifact-run{font-family:sans-serif;font-size:13px}"
    ".artifact-run h2{font-size:16px;margin:16px 0 4px}"
    ".artifact-run h3{font-size:14px;margin:12px 0 4px}"
    ".artifact-run .file{border-left:3px solid #ccc;padding-left:8px;margin:8px 0 16px}"
    ".artifact-run .facts th{text-align:left;padding-right:8px;font-weight:normal;color:#555}"
    ".artifact-run code{font-size:12px}"
    "</style>"
)


def _e(value: typing.Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def run_page_html(
    records: typing.Sequence[Record],
    summaries: typing.Optional[typing.Mapping[typing.Tuple[str, str], dict]] = None,
    pending: typing.Collection[typing.Tuple[str, str]] = (),
) -> str:
    """The HTML page listing ``records`` by type and artifact; ``summaries`` maps (artifact, filename) to a summary.

    A file without a summary says so: "summary pending" for the (artifact, filename) pairs in ``pending`` (computed
    in the background after the run), else that none is stored (summaries turned off, or not computed).
    """
    summaries = summaries or {}
    if not records:
        return '<div class="artifact-run"><p>No artifact files were recorded.</p></div>'
    execution = records[0].execution_id
    parts = [_PAGE_STYLE, '<div class="artifact-run">']
    styled = False
    parts.append(f"<p>Execution <code>{_e(execution)}</code>: {len(records)} artifact file(s).</p>")
    types = sorted({r.type for r in records}, key=type_rank)
    for kind in types:
        parts.append(f"<h2>{_e(kind)}</h2>")
        of_type = [r for r in records if r.type == kind]
        for artifact in sorted({r.artifact for r in of_type}):
            parts.append(f"<h3>{_e(artifact)}</h3>")
            for r in sorted((r for r in of_type if r.artifact == artifact), key=lambda r: r.filename):
                summary = summaries.get((r.artifact, r.filename))
                waiting = summary is None and (r.artifact, r.filename) in pending
                parts.append(_file(r, summary, style=summary is not None and not styled, pending=waiting))
                styled = styled or summary is not None
    parts.append("</div>")
    return "".join(parts)


def _file(r: Record, summary: typing.Optional[dict], style: bool, pending: bool = False) -> str:
    facts = [
        ("file", r.filename),
        ("type", r.file_type or "-"),
        ("size", f"{human_size(r.size)} ({r.size} bytes)"),
        ("sha256", r.sha256),
        ("from", f"{r.node_id}.{r.output_name} ({r.task})"),
        ("uri", r.uri),
    ]
    rows = "".join(f"<tr><th>{_e(k)}</th><td><code>{_e(v)}</code></td></tr>" for k, v in facts)
    if summary:
        body = render_html(summary, style=style)
    elif pending:
        body = ("<p><em>summary pending: it is computed in the background after the run; "
                f"<code>flyte-artifacts show {_e(shlex.quote(r.artifact))} {_e(shlex.quote(r.filename))}</code> "
                "shows it</em></p>")
    else:
        body = "<p><em>no summary stored</em></p>"
    return f'<div class="file"><table class="facts">{rows}</table>{body}</div>'
