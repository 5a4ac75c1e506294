"""``flyte-artifacts datasets ...`` and ``flyte-artifacts export``: datasets, their snapshots, and manual exports."""

from __future__ import annotations

import os
import typing

import click

from ..ops.datasets import Dataset, DatasetCatalog, export_recorded, validate_snapshot_path
from ..ops.summaries.sizes import human_size
from ..ops.summaries.textfit import counted
from .output import byte_progress, emit_json, json_option, reason_option, say, store_of, table
from .selection import Selection, selection_options


def catalog_of(ctx: click.Context, must_exist: bool = True) -> DatasetCatalog:
    """The dataset catalog of the store named by ``--root`` (which must exist unless ``must_exist`` is False)."""
    return DatasetCatalog(store_of(ctx, must_exist))


def _snapshot_option(f):
    return click.option(
        "--snapshot", "-s", "snapshot", default="latest", show_default=True, metavar="N|latest",
        help="Which snapshot.",
    )(f)


def _dataset_rows(datasets: typing.Sequence[Dataset]) -> None:
    table("Datasets", ["id", "name", "uri", "created_at"], [[d.id, d.name, d.uri, d.created_at] for d in datasets])


@click.group()
def datasets() -> None:
    """Datasets: named collections of files at a folder or S3 prefix, with numbered, immutable snapshots."""


@datasets.command()
@click.argument("name")
@click.option("--uri", required=True, metavar="FOLDER|s3://BUCKET/PREFIX", help="Where the dataset's files live.")
@click.option("--id", "dataset_id", metavar="ID",
              help="Keep this id (24 hex digits), e.g. the Domino dataset id a ported flow exports to.")
@reason_option()
@json_option("Print the dataset as JSON.")
@click.pass_context
def create(ctx, name, uri, dataset_id, reason, as_json) -> None:
    """Create the dataset NAME with its files at URI."""
    ds = catalog_of(ctx, must_exist=False).create(name, uri, dataset_id=dataset_id, reason=reason)
    if as_json:
        return emit_json(ds.as_dict())
    _dataset_rows([ds])


@datasets.command(name="list")
@json_option()
@click.pass_context
def list_(ctx, as_json) -> None:
    """List datasets by name."""
    found = catalog_of(ctx).list()
    if as_json:
        return emit_json([d.as_dict() for d in found])
    _dataset_rows(found)


@datasets.command()
@click.argument("dataset")
@json_option()
@click.pass_context
def snapshots(ctx, dataset, as_json) -> None:
    """List the snapshots of DATASET (an id or a name), oldest first."""
    catalog = catalog_of(ctx)
    ds = catalog.get(dataset)
    snaps = catalog.snapshots(ds)
    status = {s.number: _run_status(catalog, s) for s in snaps}
    if as_json:
        return emit_json([{**s.summary(), "run_status": status[s.number]} for s in snaps])
    # The status of the run a snapshot came from, shown when one of them did not succeed (killed, failed).
    shown = [] if all(v in (None, "succeeded") for v in status.values()) else ["run status"]
    table(
        f"Snapshots of {ds.name} ({ds.id})",
        ["snapshot", "created_at", "files", "bytes", "execution_id", *shown, "workflow"],
        [[s.number, s.created_at, s.file_count, human_size(s.bytes), s.execution_id,
          *([status[s.number] or ""] if shown else []), s.workflow] for s in snaps],
    )


def _run_status(catalog: DatasetCatalog, snap) -> typing.Optional[str]:
    """How the run a snapshot was exported by ended (``running`` for one still going or killed); None for a manual
    export."""
    from ..store.runs import REMOVED

    return catalog.store.run_status(snap.execution_id, missing=REMOVED) if snap.execution_id else None


@datasets.command()
@click.argument("dataset")
@_snapshot_option
@click.option("--json", "as_json", is_flag=True, help="Print the snapshot with its files as JSON.")
@click.pass_context
def show(ctx, dataset, snapshot, as_json) -> None:
    """Show the files of one snapshot of DATASET and where each came from."""
    catalog = catalog_of(ctx)
    ds = catalog.get(dataset)
    snap = catalog.snapshot(ds, snapshot)
    status = _run_status(catalog, snap)
    if as_json:
        return emit_json({**snap.as_dict(), "dataset_uri": ds.uri, "run_status": status})
    source = snap.execution_id or "a manual export"
    if status not in (None, "succeeded"):
        source += {"running": ", a run still running", "failed": ", a run that failed",
                   "killed": ", a run that was killed"}.get(status, f", a run that is {status}")
    table(
        f"{ds.name} snapshot {snap.number} ({counted(snap.file_count, 'file')}, {human_size(snap.bytes)}, "
        f"{snap.created_at}, from {source})",
        ["path", "size", "sha256", "artifact", "type", "execution_id", "node_id", "task"],
        [[f.path, human_size(f.size), f.sha256[:12], f.artifact, f.type, f.execution_id, f.node_id, f.task]
         for f in snap.files],
    )


@datasets.command()
@click.argument("dataset")
@click.argument("path")
@_snapshot_option
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(dir_okay=False), help="Where to write the file."
)
@click.option("--json", "as_json", is_flag=True, help="Print the manifest entry of the file written as JSON.")
@click.pass_context
def get(ctx, dataset, path, snapshot, output, as_json) -> None:
    """Write the file PATH of a snapshot of DATASET to a local path (checked against its sha256)."""
    catalog = catalog_of(ctx)
    ds = catalog.get(dataset)
    snap = catalog.snapshot(ds, snapshot)
    entry = snap.file(validate_snapshot_path(path))
    with byte_progress(path, entry.size) as progress:
        f = catalog.download(ds, path, output, snap.number, progress=progress)
    if as_json:
        return emit_json(
            {**f.as_dict(), "dataset_id": ds.id, "snapshot": snap.number, "output": os.path.abspath(output)}
        )
    say(f"wrote {output} ({human_size(f.size)}, sha256 {f.sha256[:12]}...) from {ds.name} snapshot {snap.number}")


@click.command(name="export")
@selection_options()
@click.option("--artifact", "-a", required=True, metavar="NAME", help="The artifact whose files to export.")
@click.option(
    "--file",
    "-f",
    "filenames",
    multiple=True,
    metavar="FILENAME",
    help="Only these files of the artifact (repeatable).",
)
@click.option("--dataset", "-d", required=True, metavar="DATASET", help="The dataset (id or name) to export into.")
@click.option("--hard-link", "link", is_flag=True,
              help="Hard-link local files instead of copying them: instant, but the dataset file and the store's "
                   "copy become one file, so editing either changes both (verify would then report both).")
@click.option("--format", "fmt", type=click.Choice(["dataset-json"]), default=None,
              help="Write each file (a table) as its CDISC Dataset-JSON (adsl.xpt -> adsl.json) instead of its bytes.")
@reason_option()
@click.option("--json", "as_json", is_flag=True, help="Print the new snapshot as JSON.")
@click.pass_context
def export_(ctx, selection: Selection, artifact, filenames, dataset, link, fmt, reason, as_json) -> None:
    """Export the files of ARTIFACT from one execution into DATASET as a new snapshot (with --partition: the files of
    the newest matching version whose partitions match).

    \b
    Example:
      flyte-artifacts export -a ADaM -p study=MINI01 --latest -d adam-mini01
      flyte-artifacts export -a ADaM -f adsl.xpt --latest -d adam-json \\
          --format dataset-json"""
    from ..store.selector import select_run

    if not selection.given:
        raise click.UsageError("say which execution: --execution ID or --latest (or --tag TAG)")
    selector = selection.selector(artifact)
    catalog = catalog_of(ctx)
    execution = select_run(catalog.store, selector)
    if selection.partitions and not filenames:
        # Only the files of that run whose partitions match.
        from ..store.partitions import matches

        filenames = tuple(r.filename for r in catalog.store.records(execution, artifact=artifact)
                          if matches(r.partitions, selection.partitions))
    snap = export_recorded(
        catalog,
        dataset,
        execution,
        artifact,
        filenames,
        progress_factory=lambda total: byte_progress(f"export to {dataset}", total),
        link=link,
        reason=reason,
        fmt=fmt,
    )
    if as_json:
        return emit_json(snap.as_dict())
    say(
        f"exported {counted(snap.file_count, 'file')} ({human_size(snap.bytes)}) of {artifact!r} from "
        f"{snap.execution_id} to {snap.dataset_name} snapshot {snap.number}"
    )
