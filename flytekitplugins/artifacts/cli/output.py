"""What every command shares: the consoles, tables that print names literally, JSON output, progress bars,
and the store the command works on."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import typing
import unicodedata

import click

if typing.TYPE_CHECKING:
    from rich.console import Console

    from ..store.artifact_store import ArtifactStore


#: Width of output that is not a terminal when ``$COLUMNS`` is not set (scripts should use ``--json``).
PIPED_WIDTH = 80
#: Columns a table may leave out to fit the width, least useful first (``--wide`` shows them all). A column whose
#: cells are all empty goes first. Other columns stay, their longest cells cut with an ellipsis.
DROP_ORDER = ("task", "node", "node_id", "tags", "project", "domain", "uri", "affects", "sha256", "created_at",
              "created", "workflow", "size", "bytes", "type")
#: A column that may be cut is counted at most this wide when deciding what fits.
CUT_TO = 16
#: Columns holding names a user copies into another command: never cut.
WHOLE = ("execution_id", "execution", "newest run", "id", "snapshot", "path")
_WIDE = "flytekitplugins.artifacts.wide"


@functools.lru_cache(maxsize=None)
def _console(stderr: bool) -> "Console":
    import shutil

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else shutil.get_terminal_size((PIPED_WIDTH, 24)).columns
    return Console(stderr=stderr, width=width)


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




def _wide_flag(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[_WIDE] = True


def _fit(columns: typing.Sequence[str], cells: typing.List[typing.List[str]], width: int,
         wide: bool) -> typing.List[typing.Tuple[int, int]]:
    """(index, width) of the columns to print. With ``wide``: every column at its natural width. Else: empty
    columns, then those of :data:`DROP_ORDER`, are left out until the rest fit ``width`` with each cuttable column
    at most :data:`CUT_TO` wide; spare cells then go, one at a time, to the columns that were cut."""
    from rich.cells import cell_len

    natural = [max([cell_len(c)] + [cell_len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    if wide:
        return list(enumerate(natural))
    least = [n if c in WHOLE else min(n, max(CUT_TO, len(c))) for n, c in zip(natural, columns)]
    shown = list(range(len(columns)))

    def room() -> int:  # what is left once each shown cell has its padding and border, and the closing border
        return width - 3 * len(shown) - 1 - sum(least[i] for i in shown)

    empty = [i for i in shown if cells and not any(r[i] for r in cells)]
    for i in [*empty, *(columns.index(c) for c in DROP_ORDER if c in columns)]:
        if room() >= 0 or len(shown) == 1:
            break
        if i in shown:
            shown.remove(i)
    widths = {i: least[i] for i in shown}
    spare = room()
    while spare > 0 and any(widths[i] < natural[i] for i in shown):
        for i in shown:
            if spare and widths[i] < natural[i]:
                widths[i] += 1
                spare -= 1
    return [(i, widths[i]) for i in shown]


def table(title: str, columns: typing.Sequence[str], rows: typing.Iterable[typing.Sequence[typing.Any]]) -> None:
    """Print a table that fits the console: cells literal (a name is never read as markup), one line each, cut with
    an ellipsis where they must be; columns left out to fit are named below it. ``--wide`` prints every column
    whole, however wide."""
    from rich.table import Table
    from rich.text import Text

    cells = [[literal(v) for v in r] for r in rows]
    out = console()
    ctx = click.get_current_context(silent=True)
    wide = bool(ctx is not None and ctx.meta.get(_WIDE))
    fitted = _fit(columns, cells, out.width, wide)
    t = Table(title=Text(literal(title)), title_justify="left")
    for i, w in fitted:
        t.add_column(Text(columns[i], no_wrap=True, overflow="ellipsis"), width=w, no_wrap=True,
                     overflow="ellipsis")
    for r in cells:
        t.add_row(*[Text(r[i], no_wrap=True, overflow="ellipsis") for i, _ in fitted])
    if wide:  # as wide as the table needs, whatever the terminal (lines may then wrap on screen)
        from rich.console import Console

        Console(file=out.file, width=sum(w + 3 for _, w in fitted) + 1, color_system=out.color_system).print(t)
    else:
        out.print(t)
    hidden = [c for i, c in enumerate(columns) if i not in dict(fitted)]
    if hidden:
        out.print(Text(f"Not shown to fit {out.width} columns: {', '.join(hidden)} (--wide shows them)",
                       style="dim"))


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


def store_of(ctx: click.Context, must_exist: bool = True) -> "ArtifactStore":
    """The store named by ``--root`` (or the environment). Unless ``must_exist`` is False (a command that may make
    the store), a root where no store is (a mistyped path or prefix) is an error, not an empty listing."""
    from ..store.artifact_store import ArtifactStore

    store = ArtifactStore(ctx.obj["root"])
    if must_exist:
        store.require_exists()
    return store


def reason_option() -> typing.Callable:
    """``--reason TEXT``: why a person makes this change, kept in its audit trail entry (docs/audit.md)."""
    return click.option("--reason", default=None, metavar="TEXT", callback=_check_reason,
                        help="Why: kept with this change in the audit trail (flyte-artifacts audit).")


def _check_reason(ctx, param, value: typing.Optional[str]) -> typing.Optional[str]:
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("is empty: say why, e.g. --reason 'QC passed, ticket 1234'")
    if len(value) > 2000 or any(unicodedata.category(c) == "Cc" for c in value):
        raise click.BadParameter("must be one line of at most 2000 characters, without control characters")
    return value.strip()


def json_option(help_text: str = "Print one JSON array instead of a table.") -> typing.Callable:
    """The ``--json`` flag every listing has, and ``--wide`` (every column of the table, long cells folded)."""
    as_json = click.option("--json", "as_json", is_flag=True, help=help_text)
    wide = click.option("--wide", is_flag=True, expose_value=False, callback=_wide_flag,
                        help="Show every column of the table, however wide (long cells folded).")
    return lambda f: as_json(wide(f))
