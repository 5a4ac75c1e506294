"""``flyte-artifacts prune``, ``gc`` and ``datasets prune``: keeping the store small (docs/lifecycle.md)."""

from __future__ import annotations

import contextlib
import typing

import click

from ..ops.summaries.sizes import human_size
from .output import emit_json, err_console, json_option, literal, reason_option, say, store_of, table


@contextlib.contextmanager
def _steps(description: str, total: typing.Optional[int] = None) -> typing.Iterator[typing.Callable[[int], None]]:
    """A progress bar over a count of steps on stderr (transient)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=err_console(), transient=True)
    with bar:
        task = bar.add_task(literal(description), total=total)
        yield lambda n: bar.advance(task, n)


def _age(text: typing.Optional[str]) -> typing.Optional[float]:
    from ..ops.lifecycle import parse_duration

    return None if text is None else parse_duration(text)


def _print(outcome, as_json: bool, verb: str, hint: str = "") -> None:
    if as_json:
        emit_json(outcome.as_dict())
        return
    if outcome.removed:
        table("Would remove" if outcome.dry_run else "Removed", ["kind", "what", "bytes"],
              [[r.kind, r.where, human_size(r.bytes)] for r in outcome.removed])
    done = "would free" if outcome.dry_run else "freed"
    say(f"{verb} {len(outcome.removed)} item(s), {done} {human_size(outcome.bytes_freed)}"
        + (" (dry run: nothing was removed)" if outcome.dry_run else ""))
    if outcome.released:
        say(f"their records named {human_size(outcome.released)} of files: `flyte-artifacts gc` frees the bytes no "
            "other record needs")
    if hint:
        say(hint)


_KEEP = click.option("--keep-last", type=click.IntRange(min=0), default=None, metavar="N",
                     help="Keep the newest N (succeeded runs per workflow; snapshots of the dataset).")
_OLDER = click.option("--older-than", default=None, metavar="AGE",
                      help="Remove only what is older than AGE: 30d, 12h, 90m, 2w.")
_DRY = click.option("--dry-run", is_flag=True, help="Show what would be removed; remove nothing.")


@click.command()
@_KEEP
@_OLDER
@click.option("--workflow", default=None, help="Only runs of this workflow.")
@click.option("--artifact", default=None, help="Only this artifact's files (its newest N versions are kept).")
@click.option("--include-tagged", is_flag=True, help="Also remove tagged versions (and their tags).")
@click.option("--policy", is_flag=True, help="Apply the retention in the store's config.json (docs/lifecycle.md).")
@_DRY
@reason_option()
@json_option("Print what was removed as one JSON object.")
@click.pass_context
def prune(ctx: click.Context, keep_last, older_than, workflow, artifact, include_tagged: bool, policy: bool,
          dry_run: bool, reason, as_json: bool) -> None:
    """Remove old runs' records with their index entries, summaries and lineage. Runs still going and tagged
    versions are kept. The bytes the records named are freed by `gc`."""
    from ..ops.lifecycle import apply_policy, prune_runs

    store = store_of(ctx)
    with _steps("pruning runs") as progress:
        if policy:
            if keep_last is not None or older_than is not None:
                raise click.UsageError("use either --policy or --keep-last/--older-than, not both")
            outcome = apply_policy(store, dry_run=dry_run, progress=progress)
        else:
            outcome = prune_runs(store, keep_last=keep_last, older_than=_age(older_than), workflow=workflow,
                                 artifact=artifact, include_tagged=include_tagged, dry_run=dry_run,
                                 progress=progress, reason=reason)
    _print(outcome, as_json, "pruned")


@click.command()
@click.option("--grace", default="1h", metavar="AGE", show_default=True,
              help="Never collect bytes younger than this (a run may be writing the record that needs them).")
@_DRY
@reason_option()
@json_option("Print what was removed as one JSON object.")
@click.pass_context
def gc(ctx: click.Context, grace: str, dry_run: bool, reason, as_json: bool) -> None:
    """Remove stored bytes no record names, dataset files no snapshot names, and temp files of killed writes older
    than an hour."""
    from ..ops.lifecycle import collect_garbage

    with _steps("collecting garbage") as progress:
        outcome = collect_garbage(store_of(ctx), grace=_age(grace), dry_run=dry_run, progress=progress,
                                  reason=reason)
    _print(outcome, as_json, "collected")


@click.command("prune")
@click.argument("dataset")
@_KEEP
@_OLDER
@_DRY
@reason_option()
@json_option("Print what was removed as one JSON object.")
@click.pass_context
def datasets_prune(ctx: click.Context, dataset: str, keep_last, older_than, dry_run: bool, reason,
                   as_json: bool) -> None:
    """Remove old snapshots of DATASET (manifest and files); the newest (the one `latest` names) always stays."""
    from ..ops.datasets import DatasetCatalog
    from ..ops.lifecycle import prune_snapshots

    catalog = DatasetCatalog(store_of(ctx))
    with _steps("pruning snapshots") as progress:
        outcome = prune_snapshots(catalog, dataset, keep_last=keep_last, older_than=_age(older_than),
                                  dry_run=dry_run, progress=progress, reason=reason)
    _print(outcome, as_json, "pruned")
