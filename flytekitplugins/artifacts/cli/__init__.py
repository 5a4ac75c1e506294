"""``flyte-artifacts``: browse recorded artifacts and datasets, and fetch their bytes. Every listing has ``--json``.

The root group lives here; each subject has its own module of thin commands (``records``, ``datasets``) that call
the library API. Nothing heavy is imported until a command needs it: a local store never loads flytekit or boto3.
"""

from __future__ import annotations

import typing
import warnings

import click

from ..errors import ArtifactError
from ..store.artifact_store import ROOT_ENV, DamagedFileWarning, default_root
from ..ui.command import ui
from .audit import audit
from .compare import compare
from .datasetjson import export_json
from .datasets import datasets, export_
from .inspect import datasets_diff, diff, show
from .lifecycle import datasets_prune, gc, prune
from .lineage import lineage
from .output import fail, warn
from .records import executions, get, list_
from .triggers import triggers
from .verify import verify
from .versions import artifacts, tag, untag, versions


class Group(click.Group):
    """Turns the plugin's own errors (and unreadable stores) into one clear line and exit code 1."""

    def invoke(self, ctx):
        """Run the command; a plugin error or an OSError becomes ``error: ...`` and exit code 1; a damaged file that
        was skipped becomes one ``warning: ...`` line."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", DamagedFileWarning)
                warnings.showwarning = _one_line(warnings.showwarning)
                return super().invoke(ctx)
        except ArtifactError as e:
            fail(str(e))
        except OSError as e:
            fail(f"{e.strerror or e}: {e.filename or ''}".rstrip(": "))


def _one_line(previous: typing.Callable) -> typing.Callable:
    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if issubclass(category, DamagedFileWarning):
            warn(str(message))
        else:
            previous(message, category, filename, lineno, file, line)

    return show


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    envvar=ROOT_ENV,
    default=None,
    metavar="PATH|s3://BUCKET/PREFIX",
    help=f"Artifact store root (default: ${ROOT_ENV}, else ~/.flyte/artifacts).",
)
@click.pass_context
def main(ctx: click.Context, root: typing.Optional[str]) -> None:
    """Browse the named, typed artifacts (DATA, MODEL, REPORT) that Flyte runs recorded, and fetch their files."""
    ctx.obj = {"root": root or default_root()}


for _command in (executions, list_, get, artifacts, versions, tag, untag, lineage, show, diff, compare, datasets,
                 export_, export_json, verify, prune, gc, audit, triggers, ui):
    main.add_command(_command)
datasets.add_command(datasets_diff)
datasets.add_command(datasets_prune)
