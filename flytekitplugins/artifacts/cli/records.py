"""``flyte-artifacts executions``, ``list`` and ``get``: recorded runs and artifact files."""

from __future__ import annotations

import typing

import click

from ..ops.summaries.sizes import human_size
from .output import check_one_of, emit_json, json_option, say, store_of, table

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
@click.option("--execution", "-e", metavar="ID", help="Only this execution.")
@click.option("--latest", is_flag=True, help="Only the newest execution.")
@click.option("--artifact", "-a", metavar="NAME", help="Only files of this artifact.")
@click.option("--tag", "-t", metavar="TAG", help="Only the version of --artifact this tag names.")
@click.option("--type", "type_", type=TYPE_CHOICE, help="Only artifacts of this type.")
@all_option
@json_option("Print one JSON array of records instead of a table.")
@click.pass_context
def list_(ctx, execution, latest, artifact, tag, type_, include_all, as_json) -> None:
    """List artifact file records (all succeeded executions, newest first, unless narrowed). --latest is the newest
    succeeded run (with --artifact: the newest that recorded that artifact; with --all: the newest of any status)."""
    from ..store.versions import pick_execution, tags_by_execution

    store = store_of(ctx)
    check_one_of(execution, latest)
    if latest and include_all and not artifact:
        execution = store.latest_execution(include_all=True)
    else:
        execution = pick_execution(store, artifact, execution, latest, tag)
    records = store.records(execution, artifact=artifact, type=type_, include_all=include_all)
    if as_json:
        return emit_json([r.as_dict() for r in records])
    tags = {a: tags_by_execution(store, a) for a in {r.artifact for r in records}}
    table(
        f"Artifact files in {ctx.obj['root']}",
        ["artifact", "type", "filename", "size", "node", "task", "sha256", "execution_id", "tags"],
        [
            [r.artifact, r.type, r.filename, human_size(r.size), f"{r.node_id}.{r.output_name}", r.task,
             r.sha256[:12], r.execution_id, ", ".join(sorted(tags[r.artifact].get(r.execution_id, [])))]
            for r in records
        ],
    )


@click.command()
@click.argument("artifact")
@click.argument("filename")
@click.option("--execution", "-e", metavar="ID", help="Take the file from this execution.")
@click.option("--latest", is_flag=True, help="Take the file from the newest execution that has it (the default).")
@click.option("--tag", "-t", metavar="TAG", help="Take the file from the version this tag names.")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the file.")
@all_option
@json_option("Print the record of the file written as JSON.")
@click.pass_context
def get(ctx, artifact: str, filename: str, execution: typing.Optional[str], latest: bool, tag: typing.Optional[str],
        output: str, include_all: bool, as_json: bool) -> None:
    """Write the bytes of FILENAME of ARTIFACT to a local path (checked against the recorded sha256)."""
    from ..store.versions import Selector, resolve

    store = store_of(ctx)
    check_one_of(execution, latest)
    if include_all and execution:
        record = store.record(execution, artifact, filename)  # any status, as `list --all` shows it
    elif include_all and not tag:
        record = store.latest_record(artifact, filename, include_all=True)
    else:
        record = resolve(store, artifact, filename, Selector(execution=execution, tag=tag))
    store.download(record, output)
    if as_json:
        return emit_json(record.as_dict())
    say(f"wrote {output} ({human_size(record.size)}, sha256 {record.sha256[:12]}...) from {record.execution_id}")
