"""``flyte-artifacts audit``: the store's audit trail, and proof that it is unbroken (docs/audit.md)."""

from __future__ import annotations

import typing

import click

from .output import emit_json, fail, json_option, say, store_of, table

_EXAMPLES = """
\b
Examples:
  flyte-artifacts audit --since 7d
  flyte-artifacts audit --artifact "ADaM" --json
  flyte-artifacts audit --verify    # exit 1 naming the first bad entry
"""


def _target(entry: dict) -> str:
    t = entry.get("target") or {}
    return " ".join(f"{k}={v}" for k, v in sorted(t.items())) if isinstance(t, dict) else str(t)


def _who(entry: dict) -> str:
    w = entry.get("who") or {}
    if not isinstance(w, dict):
        return str(w)
    return w.get("principal") or w.get("user", "")


@click.command(epilog=_EXAMPLES)
@click.option("--artifact", "-a", default=None, metavar="NAME", help="Only entries about this artifact.")
@click.option("--since", default=None, metavar="WHEN", help="Only entries at or after WHEN: 2026-12-01, "
              "2026-12-01T08:00 (UTC) or an age such as 7d, 12h.")
@click.option("--verify", "check", is_flag=True,
              help="Prove the hash chain unbroken; exit 1 naming the first entry changed, removed or reordered.")
@json_option("Print the entries (with --verify: the result) as JSON.")
@click.pass_context
def audit(ctx: click.Context, artifact: typing.Optional[str], since: typing.Optional[str], check: bool,
          as_json: bool) -> None:
    """List the audit trail: every change to the store (runs recorded, tags, prunes, gc, dataset changes,
    repairs) with who, when, what, the objects' sha256 and the reason given, oldest first."""
    from ..ops.audit import listing, verify

    store = store_of(ctx)
    if check:
        report = verify(store)
        if as_json:
            emit_json(report.as_dict())
        elif report.ok:
            say(f"audit trail unbroken: {report.entries} entries, head sha256 {report.head}")
        if not report.ok:
            if as_json:
                ctx.exit(1)
            fail(f"audit trail broken at entry {report.entry}: {report.problem}")
        return
    rows = listing(store, artifact=artifact, since=since)
    if as_json:
        return emit_json(rows)
    table("Audit trail", ["#", "when", "who", "action", "target", "reason"],
          [[e.get("seq", ""), str(e.get("at", ""))[:16].replace("T", " "), _who(e), e.get("action", ""),
            _target(e), e.get("reason", "")] for e in rows])
