"""``flyte-artifacts compare``: two recorded tables value by value, as SAS PROC COMPARE does; exit 0 when they are
equal, 1 when they differ, 2 on an error, so a CI job can gate on it."""

from __future__ import annotations

import sys
import typing

import click

from ..errors import ArtifactError
from .output import emit_json, store_of

if typing.TYPE_CHECKING:
    from ..store.selector import RecordSelector

EQUAL, DIFFERENT, ERROR = 0, 1, 2
SEL_HELP = "an execution id, latest, or tag:NAME"


def parse_sel(artifact: str, filename: str, sel: typing.Optional[str]) -> "RecordSelector":
    """The selector of ``SEL`` for ``artifact``'s ``filename``: an execution id, ``latest`` (or none), ``tag:NAME``."""
    from ..errors import ArtifactValueError
    from ..store.selector import RecordSelector

    if sel is None or sel == "latest":
        return RecordSelector(artifact, filename)
    if sel.startswith("tag:"):
        return RecordSelector(artifact, filename, tag=sel[4:] or None)
    if not sel.strip() or not sel.isprintable():
        raise ArtifactValueError(f"version {sel!r} is not {SEL_HELP}")
    return RecordSelector(artifact, filename, execution=sel)


def parse_side(text: str, option: str) -> "RecordSelector":
    """``ARTIFACT/FILENAME@SEL`` (``@SEL`` optional: the newest version) as a selector."""
    from ..errors import ArtifactValueError

    name, at, sel = text.rpartition("@") if "@" in text else (text, "", None)
    artifact, slash, filename = name.partition("/")
    if not slash or not artifact or not filename or (at and not sel):
        raise ArtifactValueError(
            f"{option} {text!r} is not ARTIFACT/FILENAME@SEL: write e.g. {option} 'ADaM/adsl.xpt@latest' "
            f"(SEL is {SEL_HELP})")
    return parse_sel(artifact, filename, sel)


def _error(message: str) -> typing.NoReturn:
    from rich.text import Text

    from .output import err_console, literal

    err_console().print(Text("error: ", style="red") + Text(literal(message)), highlight=False, soft_wrap=True)
    sys.exit(ERROR)


def _selectors(artifact, filename, from_, to, base, compare):
    if base or compare:
        if artifact or filename or from_ or to:
            raise click.UsageError("use either ARTIFACT FILENAME --from SEL --to SEL, or --base and --compare")
        if not (base and compare):
            raise click.UsageError("--base and --compare go together: give both")
        return parse_side(base, "--base"), parse_side(compare, "--compare")
    if not (artifact and filename):
        raise click.UsageError("name ARTIFACT and FILENAME (with --from SEL), or give --base and --compare")
    if from_ is None:
        raise click.UsageError("--from SEL is needed: the version to compare against")
    return parse_sel(artifact, filename, from_), parse_sel(artifact, filename, to)


@click.command()
@click.argument("artifact", required=False)
@click.argument("filename", required=False)
@click.option("--from", "from_", metavar="SEL", help=f"The base version ({SEL_HELP}).")
@click.option("--to", metavar="SEL", help=f"The version compared with it ({SEL_HELP}; default: latest).")
@click.option("--base", metavar="ART/FILE@SEL", help="The base table, from any artifact (production).")
@click.option("--compare", "compare_", metavar="ART/FILE@SEL", help="The table compared with it (QC).")
@click.option("--key", metavar="VAR[,VAR...]", help="Variables that identify an observation (default: its number).")
@click.option("--tolerance", type=float, default=0.0, show_default=True,
              help="Numbers this close (absolute difference) are equal.")
@click.option("--rel-tolerance", type=float, default=0.0, show_default=True,
              help="Numbers within this fraction of the larger one are equal.")
@click.option("--ignore-case", is_flag=True, help="Compare text values without regard to case.")
@click.option("--output", "-o", metavar="PATH", type=click.Path(dir_okay=False),
              help="Also write the report to PATH (.json, .txt or .html).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.pass_context
def compare(ctx, artifact, filename, from_, to, base, compare_, key, tolerance, rel_tolerance, ignore_case, output,
            as_json) -> None:
    """Compare two recorded tables value by value: observations and variables in one only, variables whose type,
    label, length or format differ, and per variable the number of unequal values with the first 10 differences.

    Exit status: 0 equal, 1 different, 2 error.

    \b
    Two versions of one file, matched on USUBJID and AESEQ:
      flyte-artifacts compare ADaM adae.xpt --from tag:approved --to latest \\
          --key USUBJID,AESEQ
    Production against QC, as a report file:
      flyte-artifacts compare --base 'ADaM/adsl.xpt' \\
          --compare 'ADaM QC/adsl.xpt' --key USUBJID --tolerance 1e-8 \\
          -o compare.html
    """
    try:
        base_sel, compare_sel = _selectors(artifact, filename, from_, to, base, compare_)
        document = _run(ctx, base_sel, compare_sel, key, tolerance, rel_tolerance, ignore_case, output)
    except (ArtifactError, OSError) as e:
        _error(str(e) if isinstance(e, ArtifactError) else f"{e.strerror or e}: {e.filename or ''}".rstrip(": "))
    if as_json:
        emit_json(document)
    else:
        from ..ops.compare import render_text
        from .inspect import _console

        console = _console()
        console.print(render_text(document, width=console.width))
    sys.exit(EQUAL if document["equal"] else DIFFERENT)


def _run(ctx, base_sel, compare_sel, key, tolerance, rel_tolerance, ignore_case, output) -> dict:
    from ..ops.compare import CompareOptions, compare_records, write_report
    from ..store.selector import select_record

    keys = tuple(k.strip() for k in key.split(",")) if key is not None else ()
    options = CompareOptions(key=keys, abs_tol=tolerance, rel_tol=rel_tolerance, ignore_case=ignore_case)
    store = store_of(ctx)
    document = compare_records(store, select_record(store, base_sel), select_record(store, compare_sel), options)
    if output:
        write_report(document, output)
    return document
