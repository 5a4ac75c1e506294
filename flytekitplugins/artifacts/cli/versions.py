"""``flyte-artifacts artifacts``, ``versions``, ``tag`` and ``untag``: what was recorded, and naming versions."""

from __future__ import annotations

import click

from .output import emit_json, json_option, reason_option, say, store_of, table
from .selection import Selection, selection_options


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
@json_option()
@click.pass_context
def versions(ctx: click.Context, artifact: str, as_json: bool) -> None:
    """List the versions of ARTIFACT, newest first: execution, workflow, created, files, tags."""
    from ..errors import ArtifactNotFoundError, did_you_mean
    from ..store.versions import artifacts as list_artifacts
    from ..store.versions import versions as list_versions

    store = store_of(ctx)
    rows = list_versions(store, artifact)
    if not rows and not as_json:
        hint = did_you_mean(artifact, [a["artifact"] for a in list_artifacts(store)])
        raise ArtifactNotFoundError(
            f"artifact {artifact!r}{hint} has no versions (no succeeded run recorded it): `flyte-artifacts artifacts` "
            "lists the artifacts there are"
        )
    if as_json:
        return emit_json(rows)
    table(
        f"Versions of {artifact}",
        ["execution", "workflow", "created", "files", "tags"],
        [[r["execution_id"], r["workflow"], r["created_at"][:16].replace("T", " "),
          ", ".join(r["files"]), ", ".join(r["tags"])] for r in rows],
    )


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
