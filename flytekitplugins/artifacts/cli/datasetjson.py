"""``flyte-artifacts export-json``: a recorded table as CDISC Dataset-JSON v1.1, with its SAS metadata."""

from __future__ import annotations

import typing

import click

from .output import emit_json, say, store_of
from .selection import Selection, selection_options


def _key(_ctx, _param, value: typing.Optional[str]) -> typing.Tuple[str, ...]:
    if value is None:
        return ()
    names = tuple(k.strip() for k in value.split(","))
    if any(not k or not k.isprintable() for k in names) or len(set(names)) != len(names):
        raise click.BadParameter(f"{value!r} is not a list of distinct variable names: write e.g. USUBJID,AESEQ")
    return names


def _oid(_ctx, param, value: typing.Optional[str]) -> typing.Optional[str]:
    if value is not None and (not value.strip() or not value.isprintable() or len(value) > 200):
        raise click.BadParameter(f"{value!r} must be printable text of 1 to 200 characters")
    return value


@click.command("export-json")
@click.argument("artifact")
@click.argument("filename")
@selection_options()
@click.option("-o", "--output", "output", required=True, type=click.Path(), metavar="OUT.json",
              help="Where to write the Dataset-JSON file (its folder must exist).")
@click.option("--force", is_flag=True, help="Replace OUT.json if it exists.")
@click.option("--key", callback=_key, metavar="VAR[,VAR...]",
              help="Key variables, in order (their keySequence in the file).")
@click.option("--study-oid", callback=_oid, metavar="OID", help="The studyOID to write (e.g. CDISCPILOT01).")
@click.option("--originator", callback=_oid, metavar="TEXT", help="The organization that makes the file.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as one JSON object.")
@click.pass_context
def export_json(ctx, artifact: str, filename: str, selection: Selection, output: str, force: bool,
                key: typing.Tuple[str, ...], study_oid: typing.Optional[str], originator: typing.Optional[str],
                as_json: bool) -> None:
    """Write FILENAME of ARTIFACT (a table: xpt, sas7bdat, parquet, csv, ...) as CDISC Dataset-JSON v1.1: the
    dataset's name and label, each variable's label, type, length and display format, and the rows, dates as
    ISO 8601. The file is fetched and checked against its sha256 first, and OUT.json appears whole or not at all.

    The version is the newest succeeded run's unless --execution, --tag or --partition names another.

    \b
    Example:
      flyte-artifacts export-json ADaM adsl.xpt --key USUBJID -o adsl.json
      flyte-artifacts export-json ADaM adae.sas7bdat --tag approved \\
          -o adae.json --force
    """
    from ..ops.datasetjson import DatasetJsonOptions, check_destination, export_record
    from ..store.selector import select_record

    check_destination(output, force)  # before the store is read: a wrong path fails at once
    store = store_of(ctx)
    record = select_record(store, selection.selector(artifact, filename))
    done = export_record(store, record, output, DatasetJsonOptions(key=key, study_oid=study_oid,
                                                                    originator=originator), force=force)
    if as_json:
        return emit_json(done)
    say(f"wrote {output}: Dataset-JSON {done['name']}, {done['records']:,} records, {done['columns']} columns "
        f"(sha256 {done['sha256'][:12]}...) from {record.execution_id}")
