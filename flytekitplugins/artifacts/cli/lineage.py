"""``flyte-artifacts lineage``: where one version of a file came from, and which later runs used it."""

from __future__ import annotations

import typing

import click

from .output import console, emit_json, json_option, literal
from .selection import Selection, selection_options


def _shown(text: str) -> typing.Any:
    """A tree label printed literally: no markup read, no control character reaching the terminal."""
    from rich.text import Text

    return Text(literal(text))


def _label(node: dict) -> str:
    if node.get("kind") == "input":
        if node.get("type") == "file":
            return f"input {node['name']} (file, sha256 {node.get('sha256', '')[:12]})"
        if node.get("captured") is False:
            return f"input {node['name']} ({node.get('type')}, not captured)"
        return f"input {node['name']} = {node.get('value')!r}"
    text = f"{node['artifact']}/{node['filename']}"
    if node.get("missing"):
        return text + " (not recorded in this run)"
    text += f"  run {node['execution_id']}  sha256 {node['sha256'][:12]}"
    if node.get("via_query"):
        text += f"  via {node['via_query']['node_id']}"
    return text


def _tree(node: dict, tree: typing.Any) -> None:
    trig = node.get("triggered_by")
    if trig:
        tree.add(_shown(f"launched by trigger {trig['trigger']} for {trig['artifact']}/{trig['filename']} of run "
                        f"{trig['version']}"))
    code = node.get("code") or {}
    if code.get("source_sha256"):
        commit = (code.get("commit") or "no git")[:12] + ("+dirty" if code.get("dirty") else "")
        tree.add(_shown(f"code {code.get('source_file')} sha256 {code['source_sha256'][:12]}, commit {commit}; "
                 f"inputs sha256 {(node.get('inputs_sha256') or '')[:12]}"))
    for child in node.get("derived_from", []):
        sub = tree.add(_shown(_label(child)))
        if child.get("kind") == "file":
            _tree(child, sub)


@click.command()
@click.argument("artifact")
@click.argument("filename")
@selection_options()
@click.option("--depth", default=3, show_default=True, type=click.IntRange(0, 50), help="Levels of upstream files.")
@json_option("Print the lineage as one JSON object.")
@click.pass_context
def lineage(ctx, artifact: str, filename: str, selection: Selection, depth: int, as_json: bool) -> None:
    """Show what FILENAME of ARTIFACT was derived from (files, inputs, runs) and which later runs used it.

    The file is the newest succeeded run's unless --execution or --tag names another."""
    from ..store.lineage import lineage_of
    from ..store.selector import select_record
    from .output import store_of

    store = store_of(ctx)
    rec = select_record(store, selection.selector(artifact, filename))
    doc = lineage_of(store, rec, depth)
    if as_json:
        return emit_json(doc)
    from rich.tree import Tree

    root = Tree(_shown(_label(doc["file"])))
    _tree(doc["upstream"], root)
    uses = root.add("used by" if doc["downstream"] else "used by: no later run")
    for use in doc["downstream"]:
        made = ", ".join(f"{p['artifact']}/{p['filename']}" for p in use["produced"]) or "no recorded file"
        status = "" if use.get("status", "succeeded") == "succeeded" else f", {use['status']}"
        uses.add(_shown(f"run {use['execution_id']} ({use['workflow']}, {use['node_id']}{status}) -> {made}"))
    console().print(root, highlight=False)
