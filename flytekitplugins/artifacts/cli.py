"""``flyte-artifacts``: browse recorded artifacts and fetch their bytes. Every listing has ``--json``."""

from __future__ import annotations

import json
import sys
import typing

import click
from rich.console import Console
from rich.table import Table

from .errors import ArtifactError
from .store import ROOT_ENV, ArtifactStore, default_root

# Piped output (scripts, CI logs) gets a wide console so tables are not folded into unreadable columns.
console = Console(width=None if sys.stdout.isatty() else 200)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


def emit_json(value: typing.Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=True))


def fail(message: str) -> typing.NoReturn:
    err_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    sys.exit(1)


class Group(click.Group):
    """Turns the plugin's own errors (and unreadable stores) into one clear line and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ArtifactError as e:
            fail(str(e))
        except OSError as e:
            fail(f"{e.strerror or e}: {e.filename or ''}".rstrip(": "))


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(n)


def table(title: str, columns: typing.Sequence[str], rows: typing.Iterable[typing.Sequence[typing.Any]]) -> None:
    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*[("" if v is None else str(v)) for v in r])
    console.print(t)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    envvar=ROOT_ENV,
    default=None,
    metavar="PATH|s3://BUCKET/PREFIX",
    help=f"Artifact store root (default: ${ROOT_ENV}, else ~/.flyte/artifacts).",
)
@click.pass_context
def main(ctx: click.Context, root: typing.Optional[str]) -> None:
    """Browse the named, typed artifacts (DATA, MODEL, REPORT) that Flyte runs recorded, and fetch their files."""
    ctx.obj = {"root": root or default_root()}


def store_of(ctx: click.Context) -> ArtifactStore:
    return ArtifactStore(ctx.obj["root"])


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array instead of a table.")
@click.pass_context
def executions(ctx: click.Context, as_json: bool) -> None:
    """List runs that recorded artifacts, newest first."""
    rows = store_of(ctx).executions()
    if as_json:
        return emit_json(rows)
    table(
        f"Executions in {ctx.obj['root']}",
        ["execution_id", "workflow", "project", "domain", "created_at"],
        [[r["execution_id"], r["workflow"], r["project"], r["domain"], r["created_at"]] for r in rows],
    )


def _one_of(execution: typing.Optional[str], latest: bool) -> None:
    if execution and latest:
        raise click.UsageError("use either --execution or --latest, not both")


def _execution(store: ArtifactStore, execution: typing.Optional[str], latest: bool) -> typing.Optional[str]:
    _one_of(execution, latest)
    return store.latest_execution() if latest else execution


TYPE_CHOICE = click.Choice(["DATA", "MODEL", "REPORT"], case_sensitive=False)


@main.command(name="list")
@click.option("--execution", "-e", metavar="ID", help="Only this execution.")
@click.option("--latest", is_flag=True, help="Only the newest execution.")
@click.option("--artifact", "-a", metavar="NAME", help="Only files of this artifact.")
@click.option("--type", "type_", type=TYPE_CHOICE, help="Only artifacts of this type.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array of records instead of a table.")
@click.pass_context
def list_(ctx, execution, latest, artifact, type_, as_json) -> None:
    """List artifact file records (all executions, newest first, unless narrowed)."""
    store = store_of(ctx)
    records = store.records(_execution(store, execution, latest), artifact=artifact, type=type_)
    if as_json:
        return emit_json([r.as_dict() for r in records])
    table(
        f"Artifact files in {ctx.obj['root']}",
        ["artifact", "type", "filename", "size", "node", "task", "sha256", "execution_id"],
        [
            [r.artifact, r.type, r.filename, human_size(r.size), f"{r.node_id}.{r.output_name}", r.task,
             r.sha256[:12], r.execution_id]
            for r in records
        ],
    )


@main.command()
@click.argument("artifact")
@click.argument("filename")
@click.option("--execution", "-e", metavar="ID", help="Take the file from this execution.")
@click.option("--latest", is_flag=True, help="Take the file from the newest execution that has it (the default).")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, writable=True), help="Where to write the file.")
@click.option("--json", "as_json", is_flag=True, help="Print the record of the file written as JSON.")
@click.pass_context
def get(ctx, artifact, filename, execution, latest, output, as_json) -> None:
    """Write the bytes of FILENAME of ARTIFACT to a local path (checked against the recorded sha256)."""
    from .fetch import fetch_record

    store = store_of(ctx)
    _one_of(execution, latest)
    if execution:
        record = store.record(execution, artifact, filename)
    else:
        record = store.latest_record(artifact, filename)
    fetch_record(store, record, output)
    if as_json:
        return emit_json(record.as_dict())
    console.print(f"wrote {output} ({human_size(record.size)}, sha256 {record.sha256[:12]}...) from {record.execution_id}", highlight=False)


# Further command groups register themselves here.
from . import cli_datasets  # noqa: E402,F401  (adds `datasets` and `export`)

# The web page (`flyte-artifacts ui`); its web stack is imported only when the command runs.
from .ui.command import ui as _ui  # noqa: E402
main.add_command(_ui)
