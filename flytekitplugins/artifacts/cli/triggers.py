"""``flyte-artifacts triggers list`` and ``triggers run``: the triggers declared in files, and sweeping them."""

from __future__ import annotations

import os
import re
import time
import typing

import click

from .output import emit_json, json_option, say, store_of, table, warn

_INTERVAL_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, None: 1}


def parse_interval(value: str, option: str) -> float:
    """``30s``, ``5m``, ``1h`` or plain seconds, as seconds."""
    m = _INTERVAL_RE.match(value or "")
    if not m or float(m.group(1)) <= 0:
        raise click.BadParameter(f"{value!r} is not a duration: give seconds or a number with s, m or h (30s, 5m)",
                                 param_hint=option)
    return float(m.group(1)) * _UNIT[m.group(2)]


@click.group()
def triggers() -> None:
    """Workflows launched by new artifact versions, with no service.

    Declare next to a workflow, at module level:

    \b
        Trigger(on=on_artifact(ADaM, filename="adsl.xpt"),
                launch=tfl_reports, input="adsl")

    \b
    Then:
        flyte-artifacts triggers list flows.py
        flyte-artifacts triggers run --once flows.py
    """


@triggers.command("list")
@click.argument("sources", nargs=-1, metavar="MODULE_OR_FILE...")
@json_option()
@click.pass_context
def list_(ctx: click.Context, sources: typing.Tuple[str, ...], as_json: bool) -> None:
    """List the triggers in MODULE_OR_FILE...: the file each waits for, the workflow it launches, the version it
    last launched for and the versions a sweep would launch now.

    \b
    Example:
        flyte-artifacts triggers list flows/reports.py --json
    """
    from ..ops.trigger_files import TriggerSources
    from ..ops.triggers import status

    store = store_of(ctx, must_exist=False)
    rows = [status(store, spec) for spec in TriggerSources(store, list(sources)).specs()]
    if as_json:
        return emit_json(rows)
    table(
        "Triggers",
        ["trigger", "on", "launches", "last version", "pending"],
        [[r["name"], _on(r), f"{r['launch']}({r['input']})",
          r["last_version"] or "-", str(len(r["pending"])) if r["started"] else "not started"] for r in rows],
    )


def _on(row: dict) -> str:
    """What a trigger waits for, in words: ``ADaM/adsl.xpt [study=MINI01] tag approved``."""
    text = f"{row['artifact']}/{row['filename']}"
    if row.get("partitions"):
        text += " [" + ", ".join(f"{k}={v}" for k, v in sorted(row["partitions"].items())) + "]"
    if row.get("tag"):
        text += f" tag {row['tag']}"
    return text


@triggers.command("run")
@click.argument("sources", nargs=-1, metavar="MODULE_OR_FILE...")
@click.option("--once", is_flag=True, help="Sweep once and exit (for cron or a scheduled launch plan).")
@click.option("--interval", default="30s", show_default=True, metavar="DURATION",
              help="Time between sweeps when not --once (30s, 5m, 1h).")
@click.option("--max-launches", type=int, default=10, show_default=True, metavar="N",
              help="Launch at most N runs per trigger per sweep; the rest wait for the next sweep.")
@click.option("--from-beginning", is_flag=True,
              help="On a trigger's first sweep, launch for the versions already there (else it starts from now).")
@click.option("--lease", default="5m", show_default=True, metavar="DURATION",
              help="How old a claim with no launch must be before this sweep takes it over (0: at once).")
@click.option("--remote", is_flag=True,
              help="Launch the runs on a Flyte cluster with FlyteRemote (the store must be the cluster's, s3://).")
@click.option("--config", "config_file", default=None, metavar="FILE",
              help="With --remote: flytekit config file (default: $FLYTECTL_CONFIG, ~/.flyte/config.yaml).")
@click.option("--project", default=None, metavar="NAME", help="With --remote: project (default flytesnacks).")
@click.option("--domain", default=None, metavar="NAME", help="With --remote: domain (default development).")
@click.option("--version", default=None, metavar="V",
              help="With --remote: the registered version of the workflow or launch plan to launch.")
@json_option("Print what each sweep launched as one JSON object per line.")
@click.pass_context
def run(ctx: click.Context, sources: typing.Tuple[str, ...], once: bool, interval: str, max_launches: int,
        from_beginning: bool, lease: str, remote: bool, config_file: typing.Optional[str],
        project: typing.Optional[str], domain: typing.Optional[str], version: typing.Optional[str],
        as_json: bool) -> None:
    """Launch one run per new version of each trigger's file in MODULE_OR_FILE..., oldest first, locally in
    this store. Each version is launched exactly once, however many sweepers run at once.

    With --remote the runs start on a Flyte cluster (FlyteRemote, your flytekit config), named after the run id
    the ledger holds, and are not waited for.

    \b
    Examples:
        flyte-artifacts triggers run --once flows/reports.py
        flyte-artifacts triggers run --interval 1m flows.reports
        flyte-artifacts --root s3://bucket/artifacts triggers run --once \\
            --remote --project clinical --domain production flows/reports.py
    """
    from ..ops.trigger_files import TriggerSources, sweep_sources

    wait_s = parse_interval(interval, "--interval")
    lease_s = parse_interval(lease, "--lease") if lease.strip() not in ("0", "0s") else 0.0
    if max_launches < 1:
        raise click.BadParameter(f"{max_launches} launches nothing: give 1 or more", param_hint="--max-launches")
    store = store_of(ctx, must_exist=False)
    remote_options = _remote_options(store, remote, config_file, project, domain, version)
    found = TriggerSources(store, list(sources))
    failed = False
    while True:
        # each sweep re-reads the files: a changed file is imported again
        for result in sweep_sources(store, found, max_launches, from_beginning, lease_s, remote_options):
            failed = failed or bool(result.failed)
            _report(result, as_json, quiet=not once)
        if once:
            break
        time.sleep(wait_s)
    if failed:
        ctx.exit(1)


def _remote_options(store: typing.Any, remote: bool, config_file: typing.Optional[str], project: typing.Optional[str],
                    domain: typing.Optional[str], version: typing.Optional[str]) -> typing.Optional[dict]:
    """``--remote``'s options, checked before anything is swept; None without ``--remote``."""
    given = {"--config": config_file, "--project": project, "--domain": domain, "--version": version}
    if not remote:
        stray = [k for k, v in given.items() if v is not None]
        if stray:
            raise click.UsageError(f"{', '.join(stray)} only apply with --remote: add --remote or leave them out")
        return None
    if store.backend.scheme == "file":
        raise click.UsageError(f"--remote launches runs that read the store from a cluster, but {store.root!r} is a "
                               "local folder: give the cluster's store, --root s3://bucket/prefix")
    if config_file is not None and not os.path.isfile(config_file):
        raise click.BadParameter(f"{config_file!r} is not a file: give the flytekit config file (config.yaml)",
                                 param_hint="--config")
    for name in ("--project", "--domain", "--version"):
        value = given[name]
        if value is not None and (not value.strip() or not value.isprintable() or len(value) > 255):
            raise click.BadParameter(f"{value!r} is not usable: give a printable name", param_hint=name)
    return {"config_file": config_file, "project": project, "domain": domain, "version": version}


def _report(result: typing.Any, as_json: bool, quiet: bool) -> None:
    """What a sweep did; a sweep in a loop (``quiet``) says nothing when it did nothing."""
    if quiet and not (result.launched or result.failed):
        return
    if as_json:
        return emit_json(result.as_dict())
    for m in result.launched:
        say(f"{result.trigger}: launched run {m['run']} for version {m['version']}")
    for m in result.failed:
        warn(f"{result.trigger}: run {m['run']} for version {m['version']} failed: {m['error']}")
    if not result.launched and not result.failed:
        say(f"{result.trigger}: nothing new" + (f" ({result.pending} waiting)" if result.pending else ""))
    elif result.pending:
        say(f"{result.trigger}: {result.pending} more version(s) wait for the next sweep (--max-launches)")
