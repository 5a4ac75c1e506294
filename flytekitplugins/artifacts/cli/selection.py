"""The options that say which version a command means, ``--execution/-e``, ``--latest`` and ``--tag/-t``: one
decorator adds them (with the same help everywhere) to every command that selects records, and turns them into the
library's :class:`~flytekitplugins.artifacts.store.selector.RecordSelector`, naming the flags when they conflict."""

from __future__ import annotations

import functools
import typing
from dataclasses import dataclass

import click

from .output import fail

if typing.TYPE_CHECKING:
    from ..store.selector import RecordSelector

EXECUTION_HELP = "The files this run recorded."
LATEST_HELP = "The newest succeeded run that has them."
TAG_HELP = "The version of the artifact this tag names."


@dataclass(frozen=True)
class Selection:
    """What a command's ``--execution``, ``--latest`` and ``--tag`` said."""

    execution: typing.Optional[str] = None
    latest: bool = False
    tag: typing.Optional[str] = None

    @property
    def given(self) -> bool:
        """Whether any of the three options was given."""
        return bool(self.execution or self.latest or self.tag)

    def selector(self, artifact: typing.Optional[str], filename: typing.Optional[str] = None,
                 any_status: bool = False) -> "RecordSelector":
        """The library's selector for these options; a conflict between them is reported with the flags' names
        (``--execution`` with ``--latest`` is a usage error, exit code 2; one with ``--tag`` exits with 1)."""
        from ..store.selector import RecordSelector, SelectorError

        if self.execution and self.latest:
            raise click.UsageError("use either --execution or --latest, not both")
        try:
            return RecordSelector(artifact, filename, execution=self.execution, newest=self.latest, tag=self.tag,
                                  any_status=any_status)
        except SelectorError as e:
            if e.problem == "several":
                fail("use one of --execution, --latest and --tag")
            if e.problem == "no artifact":
                fail(f"tag {self.tag!r} names a version of an artifact: give the artifact too (--artifact)")
            raise


def selection_options(tag: bool = True) -> typing.Callable:
    """Add ``--execution/-e ID``, ``--latest`` and (unless ``tag`` is False) ``--tag/-t TAG`` to a command, which then
    receives them as one ``selection`` (a :class:`Selection`) instead of three parameters."""

    def decorate(f: typing.Callable) -> typing.Callable:
        @functools.wraps(f)
        def command(*args, **kwargs):
            chosen = Selection(kwargs.pop("execution"), kwargs.pop("latest"), kwargs.pop("tag") if tag else None)
            return f(*args, selection=chosen, **kwargs)

        if tag:
            command = click.option("--tag", "-t", metavar="TAG", help=TAG_HELP)(command)
        command = click.option("--latest", is_flag=True, help=LATEST_HELP)(command)
        return click.option("--execution", "-e", metavar="ID", help=EXECUTION_HELP)(command)

    return decorate
