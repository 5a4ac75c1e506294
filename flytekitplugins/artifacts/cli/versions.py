"""``flyte-artifacts artifacts``, ``versions``, ``tag`` and ``untag``: what was recorded, and naming versions."""

from __future__ import annotations

import click

from .output import emit_json, json_option, reason_option, say, store_of, table
from .records import describe_partitions
from .selection import Selection, partition_option, selection_options


@click.command()
@json_option()
@click.pass_context
def artifacts(ctx: click.Context, as_json: bool) -> None:
    """List every artifact: type, number of versions (succeeded runs), newest run, tags."""
    from ..store.versions import artifacts as list_artifacts

    rows = list_artifacts(store_of(ctx))
    if as_json:
        return emit_json(rows)
    table(
        "Artifacts",
        ["artifact", "type", "versions", "newest run", "tags"],
        [[r["artifact"], r["type"], r["versions"], r["newest_execution"], ", ".join(r["tags"])] for r in rows],
    )


@click.command()
@click.argument("artifact")
@partition_option
@json_option()
@click.pass_context
def versions(ctx: click.Context, artifact: str, partitions, as_json: bool) -> None:
    """List the versions of ARTIFACT, newest first: execution, workflow, created, files, tags (and partitions,
    when its files have some). --partition keeps only the versions whose files carry those values.

    \b
    Example:
      flyte-artifacts versions ADaM --partition study=MINI01 --json"""
    from ..errors import ArtifactNotFoundError, did_you_mean
    from ..store.versions import artifacts as list_artifacts
    from ..store.versions import versions as list_versions

    store = store_of(ctx)
    rows = list_versions(store, artifact, partitions=partitions)
    if not rows and partitions:
        from ..store.selector import RecordSelector, not_found

        raise not_found(store, RecordSelector(artifact, partitions=partitions))
    if not rows and not as_json:
        hint = did_you_mean(artifact, [a["artifact"] for a in list_artifacts(store)])
        raise ArtifactNotFoundError(
            f"artifact {artifact!r}{hint} has no versions (no succeeded run recorded it): `flyte-artifacts artifacts` "
            "lists the artifacts there are"
        )
    if as_json:
        return emit_json(rows)
    parts = ["partitions"] if any(r["partitions"] for r in rows) else []
    table(
        f"Versions of {artifact}",
        ["execution", "workflow", "created", "files", *parts, "tags"],
        [[r["execution_id"], r["workflow"], r["created_at"][:16].replace("T", " "), ", ".join(r["files"]),
          *([_partitions_cell(r["partitions"])] if parts else []), ", ".join(r["tags"])] for r in rows],
    )


def _partitions_cell(by_file: dict) -> str:
    """One version's partitions: once when every file has the same, else per file."""
    distinct = {describe_partitions(p) for p in by_file.values()}
    if len(distinct) == 1:
        return distinct.pop()
    return "; ".join(f"{f}: {describe_partitions(p)}" for f, p in sorted(by_file.items()))


@click.command()
@click.argument("artifact")
@click.argument("tag")
@selection_options(tag=False)
@reason_option()
@json_option("Print the tag as JSON.")
@click.pass_context
def tag(ctx: click.Context, artifact: str, tag: str, selection: Selection, reason, as_json: bool) -> None:
    """Name one version of ARTIFACT with TAG (e.g. approved, v1.0); moving a tag keeps its history."""
    from ..store.selector import select_run
    from ..store.versions import set_tag, validate_tag

    if bool(selection.execution) == bool(selection.latest):
        raise click.UsageError("say which version: --execution ID or --latest")
    store = store_of(ctx)
    validate_tag(tag)  # a bad tag is reported before the version is looked for
    doc = set_tag(store, artifact, tag, select_run(store, selection.selector(artifact)), reason=reason)
    if as_json:
        return emit_json(doc)
    moved = f" (moved from {doc['previous']})" if doc["previous"] and doc["previous"] != doc["execution_id"] else ""
    say(f"tagged {artifact!r} {tag} -> {doc['execution_id']}{moved}")


@click.command()
@click.argument("artifact")
@click.argument("tag")
@reason_option()
@click.pass_context
def untag(ctx: click.Context, artifact: str, tag: str, reason) -> None:
    """Remove TAG from ARTIFACT (its history stays)."""
    from ..store.versions import remove_tag

    event = remove_tag(store_of(ctx), artifact, tag, reason=reason)
    say(f"removed tag {tag} of {artifact!r} (it named {event['previous']})")
