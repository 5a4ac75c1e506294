"""What every command shares: the consoles, tables that print names literally, JSON output, progress bars,
and the store the command works on."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import typing

import click

if typing.TYPE_CHECKING:
    from rich.console import Console

    from ..store.artifact_store import ArtifactStore


@functools.lru_cache(maxsize=None)
def _console(stderr: bool) -> "Console":
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output (scripts, CI logs) gets a wide console so tables are not folded into unreadable columns.
    return Console(stderr=stderr, width=None if stream.isatty() else 200)


def console() -> "Console":
    """The console for results (stdout)."""
    return _console(False)


def err_console() -> "Console":
    """The console for errors and progress (stderr), so ``--json`` output on stdout stays clean."""
    return _console(True)


def literal(value: typing.Any) -> str:
    """``value`` as text safe for a terminal: control characters (escape sequences, carriage returns...) are shown
    as ``\\xNN`` escapes instead of reaching the terminal. Markup is never read anywhere: printing goes through
    rich ``Text``."""
    text = "" if value is None else str(value)
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def say(message: str) -> None:
    """Print one line of plain text (no markup, no highlighting, no control characters)."""
    from rich.text import Text

    console().print(Text(literal(message)), highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    """Print ``warning: message`` on stderr."""
    from rich.text import Text

    err_console().print(Text("warning: ", style="yellow") + Text(literal(message)), highlight=False, soft_wrap=True)


def emit_json(value: typing.Any) -> None:
    """Print ``value`` as indented JSON on stdout."""
    click.echo(json.dumps(value, indent=2, sort_keys=True))


def fail(message: str) -> typing.NoReturn:
    """Print ``error: message`` on stderr and exit 1."""
    from rich.text import Text

    err_console().print(Text("error: ", style="red") + Text(literal(message)), highlight=False, soft_wrap=True)
    sys.exit(1)




def table(title: str, columns: typing.Sequence[str], rows: typing.Iterable[typing.Sequence[typing.Any]]) -> None:
    """Print a table; cells are printed literally (a name is never read as markup)."""
    from rich.table import Table
    from rich.text import Text

    t = Table(title=Text(literal(title)), title_justify="left")
    for c in columns:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*[Text(literal(v)) for v in r])
    console().print(t)


@contextlib.contextmanager
def byte_progress(description: str, total: int) -> typing.Iterator[typing.Callable[[int], None]]:
    """A progress bar over ``total`` bytes on stderr; yields the callback that advances it."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    bar = Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console(),
        transient=True,
    )
    with bar:
        task = bar.add_task(literal(description), total=total)
        yield lambda n: bar.advance(task, n)


def store_of(ctx: click.Context) -> "ArtifactStore":
    """The store named by ``--root`` (or the environment)."""
    from ..store.artifact_store import ArtifactStore

    return ArtifactStore(ctx.obj["root"])


def json_option(help_text: str = "Print one JSON array instead of a table.") -> typing.Callable:
    """The ``--json`` flag every listing has."""
    return click.option("--json", "as_json", is_flag=True, help=help_text)
