"""``flyte-artifacts executions``, ``list`` and ``get``: recorded runs and artifact files."""

from __future__ import annotations

import click

from ..ops.summaries.sizes import human_size
from .output import emit_json, json_option, say, store_of, table
from .selection import Selection, selection_options

TYPE_CHOICE = click.Choice(["DATA", "MODEL", "REPORT"], case_sensitive=False)


def all_option(f):
    """``--all``: runs that are still running, were killed or failed too (with their status)."""
    return click.option(
        "--all", "include_all", is_flag=True,
        help="Include runs that are running, were killed or failed (by default only succeeded runs are shown).",
    )(f)


@click.command()
@all_option
@json_option()
@click.pass_context
def executions(ctx: click.Context, include_all: bool, as_json: bool) -> None:
    """List runs that recorded artifacts, newest first (succeeded runs; --all for every run with its status)."""
    rows = store_of(ctx).executions(include_all=include_all)
    if as_json:
        return emit_json(rows)
    table(
        f"Executions in {ctx.obj['root']}",
        ["execution_id", "workflow", "project", "domain", "created_at", "status"],
        [[r["execution_id"], r["workflow"], r["project"], r["domain"], r["created_at"], r["status"]] for r in rows],
    )


@click.command(name="list")
@selection_options()
@click.option("--artifact", "-a", metavar="NAME", help="Only files of this artifact.")
@click.option("--type", "type_", type=TYPE_CHOICE, help="Only artifacts of this type.")
@all_option
@json_option("Print one JSON array of records instead of a table.")
@click.pass_context
def list_(ctx, selection: Selection, artifact, type_, include_all, as_json) -> None:
    """List artifact file records (all succeeded executions, newest first, unless narrowed). --latest is the newest
    succeeded run (with --artifact: the newest that recorded that artifact; with --all: the newest of any status);
    --tag and --partition need --artifact.

    \b
    Example:
      flyte-artifacts list --artifact ADaM --partition study=MINI01 --latest"""
    from ..store.artifact_store import SUCCEEDED
    from ..store.partitions import matches
    from ..store.selector import select_run
    from ..store.versions import run_status, tags_by_execution

    store = store_of(ctx)
    execution = select_run(store, selection.selector(artifact, any_status=include_all))
    records = store.records(execution, artifact=artifact, type=type_, include_all=include_all)
    if selection.partitions:
        records = [r for r in records if matches(r.partitions, selection.partitions)]
    if as_json:  # exactly the records' fields (`executions --all --json` gives each run's status)
        return emit_json([r.as_dict() for r in records])
    status = {eid: run_status(store, eid) for eid in {r.execution_id for r in records}}
    tags = {a: tags_by_execution(store, a) for a in {r.artifact for r in records}}
    # The run's status only where a run that did not succeed is listed (with --all, or named by -e).
    shown = [] if all(s == SUCCEEDED for s in status.values()) else ["status"]
    parts = ["partitions"] if any(r.partitions for r in records) else []  # only when a file has some
    table(
        f"Artifact files in {ctx.obj['root']}",
        ["artifact", "type", "filename", *parts, "size", "node", "task", "sha256", "execution_id", *shown, "tags"],
        [
            [r.artifact, r.type, r.filename, *([describe_partitions(r.partitions)] if parts else []),
             human_size(r.size), f"{r.node_id}.{r.output_name}", r.task,
             r.sha256[:12], r.execution_id, *([status[r.execution_id]] if shown else []),
             ", ".join(sorted(tags[r.artifact].get(r.execution_id, [])))]
            for r in records
        ],
    )


def describe_partitions(partitions: dict) -> str:
    """A file's partitions as ``key=value`` words."""
    return ", ".join(f"{k}={v}" for k, v in sorted(partitions.items()))


@click.command()
@click.argument("artifact")
@click.argument("filename")
@selection_options()
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the file.")
@all_option
@json_option("Print the record of the file written as JSON.")
@click.pass_context
def get(ctx, artifact: str, filename: str, selection: Selection, output: str, include_all: bool,
        as_json: bool) -> None:
    """Write the bytes of FILENAME of ARTIFACT to a local path (checked against the recorded sha256).

    The file is the newest succeeded run's unless --execution or --tag names another; --partition narrows it to the
    newest whose partitions match; with --all a run of any status counts, as `list --all` shows it.

    \b
    Example:
      flyte-artifacts get ADaM adsl.xpt --partition study=MINI01 -o adsl.xpt"""
    from ..store.selector import select_record

    store = store_of(ctx)
    record = select_record(store, selection.selector(artifact, filename, any_status=include_all))
    store.download(record, output)
    if as_json:
        return emit_json(record.as_dict())
    say(f"wrote {output} ({human_size(record.size)}, sha256 {record.sha256[:12]}...) from {record.execution_id}")
