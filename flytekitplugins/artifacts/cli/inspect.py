"""``flyte-artifacts show``, ``diff`` and ``datasets diff``: look inside recorded files and compare versions.

``show`` reads the summary stored beside the record (no pandas or pyarrow is imported); only a record made before
summaries existed has its bytes downloaded, verified and summarised on the spot. Output fits the terminal width
(``$COLUMNS`` when set), so no table row wraps, 80 columns included.
"""

from __future__ import annotations

import shutil
import typing

import click

from .output import emit_json, json_option, store_of
from .selection import Selection, selection_options

if typing.TYPE_CHECKING:
    from rich.console import Console

#: Width used when the output is not a terminal and ``$COLUMNS`` is not set.
FALLBACK_WIDTH = 100


def _console() -> "Console":
    from rich.console import Console

    width = shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns
    return Console(width=max(width, 40), highlight=False, soft_wrap=False)


def _line(console: "Console", text: str, style: str = "") -> None:
    from ..ops.summaries.textfit import literal

    console.print(literal(text, style=style))


@click.command()
@click.argument("artifact")
@click.argument("filename")
@selection_options()
@click.option("--rows", "-n", default=10, show_default=True, type=click.IntRange(min=0),
              help="Preview rows (tables) or first lines (text) to show.")
@json_option("Print the record, its summary (with at most --rows preview rows or lines) and where the summary came "
             "from as JSON.")
@click.pass_context
def show(ctx, artifact, filename, selection: Selection, rows, as_json) -> None:
    """Show what is inside FILENAME of ARTIFACT: schema, statistics and first rows, dimensions, or first lines.

    The file is the newest succeeded run's unless --execution or --tag names another; --partition narrows it to the
    newest whose partitions match (flyte-artifacts show ADaM adsl.xpt -p study=MINI01)."""
    from ..ops.background_summaries import summary_pending
    from ..ops.inspection import stored_summary, summary_of
    from ..store.selector import select_record

    store = store_of(ctx)
    record = select_record(store, selection.selector(artifact, filename))
    if stored_summary(store, record) is None and summary_pending(store, record):
        return _show_pending(record, as_json)
    summary, source = summary_of(store, record)
    if as_json:
        from ..ops.summaries import first_rows

        return emit_json({"record": record.as_dict(), "summary": first_rows(summary, rows), "summary_source": source})
    from ..ops.summaries import render_text

    console = _console()
    _header(console, record)
    if source == "computed":
        _line(console, "no stored summary (recorded before summaries, or with them off):", "yellow")
        _line(console, "computed now from the verified bytes", "yellow")
    console.print()
    console.print(render_text(summary, width=console.width, rows=rows))


def _show_pending(record, as_json: bool) -> None:
    """The record, and that its summary is still being computed (a local run's summaries follow its records)."""
    if as_json:
        return emit_json({"record": record.as_dict(), "summary": None, "summary_source": "pending"})
    console = _console()
    _header(console, record)
    _line(console, "summary pending: it is being computed in the background; show it again in a moment", "yellow")


def _header(console: "Console", record) -> None:
    _line(console, f"{record.artifact} / {record.filename}  ({record.type})", "bold")
    _line(console, f"execution {record.execution_id}  node {record.node_id}.{record.output_name}")
    _line(console, f"sha256 {record.sha256}")
    if record.partitions:
        _line(console, "partitions " + ", ".join(f"{k}={v}" for k, v in sorted(record.partitions.items())))


@click.command()
@click.argument("artifact")
@click.argument("filename")
@click.option("--from", "from_", required=True, metavar="EXECUTION", help="The older version's execution.")
@click.option("--to", "to", metavar="EXECUTION", help="The newer version's execution (default: the newest).")
@json_option("Print the differences as one JSON object.")
@click.pass_context
def diff(ctx, artifact, filename, from_, to, as_json) -> None:
    """Compare FILENAME of ARTIFACT between two executions: schema, row count and statistics, or size and sha256."""
    from ..ops.inspection import diff_records
    from ..store.selector import RecordSelector, select_record

    store = store_of(ctx)
    old = select_record(store, RecordSelector(artifact, filename, execution=from_))
    new = select_record(store, RecordSelector(artifact, filename, execution=to))
    result = diff_records(store, old, new)
    if as_json:
        return emit_json(result)
    from ..ops.summaries import render_diff_text

    console = _console()
    _line(console, f"{artifact} / {filename}", "bold")
    _line(console, f"from {old.execution_id}")
    _line(console, f"to   {new.execution_id}")
    console.print()
    console.print(render_diff_text(result, width=console.width))


@click.command(name="diff")
@click.argument("dataset")
@click.argument("old", metavar="A")
@click.argument("new", metavar="B", default="latest")
@json_option("Print the differences as one JSON object.")
@click.pass_context
def datasets_diff(ctx, dataset, old, new, as_json) -> None:
    """List files added, removed and changed from snapshot A to snapshot B (a number or latest) of DATASET."""
    from ..ops.datasets import DatasetCatalog
    from ..ops.inspection import diff_snapshots
    from ..ops.summaries.sizes import human_size
    from ..ops.summaries.textfit import fitted_table, literal

    result = diff_snapshots(DatasetCatalog(store_of(ctx)), dataset, old, new)
    if as_json:
        return emit_json(result)
    console = _console()
    ds = result["dataset"]
    _line(console, f"{ds['name']} ({ds['id']}): snapshot {result['from']} -> {result['to']}", "bold")
    rows = [[literal("+", "green"), literal(f["path"]), literal(human_size(f["size"])), literal(f["sha256"][:12])]
            for f in result["added"]]
    rows += [[literal("-", "red"), literal(f["path"]), literal(human_size(f["size"])), literal(f["sha256"][:12])]
             for f in result["removed"]]
    for f in result["changed"]:
        size = f"{human_size(f['size']['old'])} -> {human_size(f['size']['new'])}"
        sha = f"{f['sha256']['old'][:12]} -> {f['sha256']['new'][:12]}"
        rows.append([literal("~", "yellow"), literal(f["path"]), literal(size), literal(sha)])
    if rows:
        table, _ = fitted_table(["", "path", "size", "sha256"], rows, console.width, max_cell=console.width)
        console.print(table)
    _line(console, f"{len(result['added'])} added, {len(result['removed'])} removed, {len(result['changed'])} "
                   f"changed, {result['unchanged']} unchanged")
