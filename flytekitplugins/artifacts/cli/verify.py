"""``flyte-artifacts verify [--repair] [--json]``: re-hash everything the store keeps and report what is wrong."""

from __future__ import annotations

import click

from ..ops.summaries.sizes import human_size
from .output import byte_progress, emit_json, json_option, reason_option, say, store_of, table


@click.command()
@click.option("--repair", is_flag=True,
              help="Restore damaged bytes from an intact copy with the same sha256, rebuild missing index entries, "
                   "restore damaged manifests from their copies, remove leftovers of killed writes.")
@reason_option()
@json_option("Print the report as one JSON object.")
@click.pass_context
def verify(ctx: click.Context, repair: bool, reason, as_json: bool) -> None:
    """Re-hash every stored object (store bytes, snapshot files, records, manifests) and report each problem with
    what it affects. Exits 1 if anything is wrong (after --repair: if anything is left wrong)."""
    from ..ops.verify import check, collect

    inventory = collect(store_of(ctx))
    with byte_progress("verifying", inventory.total_bytes) as progress:
        report = check(inventory, repair=repair, progress=progress, reason=reason)
    if as_json:
        emit_json(report.as_dict())
    else:
        say(f"checked {report.objects} stored objects ({human_size(report.bytes)}) and {report.json_files} JSON "
            f"files: {len(report.problems)} problem(s)")
        if report.problems:
            table("Problems", ["kind", "where", "problem", "affects", "repaired"],
                  [[p.kind, p.where, p.detail, "; ".join(p.affects), "yes" if p.repaired else "no"]
                   for p in report.problems])
    if not report.ok:
        ctx.exit(1)
