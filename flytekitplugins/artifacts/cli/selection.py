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
PARTITION_HELP = "Only versions whose partition KEY is VALUE (e.g. study=MINI01); repeat for several."


@dataclass(frozen=True)
class Selection:
    """What a command's ``--execution``, ``--latest`` and ``--tag`` said."""

    execution: typing.Optional[str] = None
    latest: bool = False
    tag: typing.Optional[str] = None
    #: ``--partition KEY=VALUE`` pairs, checked.
    partitions: typing.Tuple[typing.Tuple[str, str], ...] = ()

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
            if self.partitions and not artifact:
                fail("--partition narrows the versions of one artifact: give the artifact too (--artifact)")
            return RecordSelector(artifact, filename, execution=self.execution, newest=self.latest, tag=self.tag,
                                  any_status=any_status, partitions=self.partitions)
        except SelectorError as e:
            if e.problem == "several":
                fail("use one of --execution, --latest and --tag")
            if e.problem == "no artifact":
                fail(f"tag {self.tag!r} names a version of an artifact: give the artifact too (--artifact)")
            raise


def parse_partitions(_ctx, _param, values: typing.Sequence[str]) -> typing.Tuple[typing.Tuple[str, str], ...]:
    """``--partition`` values as checked (key, value) pairs; a bad one is a usage error naming it."""
    from ..errors import ArtifactError
    from ..store.partitions import parse_option

    pairs = {}
    for text in values:
        try:
            key, value = parse_option(text)
        except ArtifactError as e:
            raise click.BadParameter(str(e)) from None
        if key in pairs and pairs[key] != value:
            raise click.BadParameter(f"partition {key!r} given twice ({pairs[key]!r} and {value!r}): give it once")
        pairs[key] = value
    return tuple(sorted(pairs.items()))


def partition_option(f: typing.Callable) -> typing.Callable:
    """``--partition/-p KEY=VALUE`` (repeatable), passed as ``partitions``: checked (key, value) pairs."""
    return click.option("--partition", "-p", "partitions", metavar="KEY=VALUE", multiple=True,
                        callback=parse_partitions, help=PARTITION_HELP)(f)


def selection_options(tag: bool = True, partitions: bool = True) -> typing.Callable:
    """Add ``--execution/-e ID``, ``--latest``, (unless ``tag`` is False) ``--tag/-t TAG`` and (unless
    ``partitions`` is False) ``--partition/-p KEY=VALUE`` to a command, which then receives them as one
    ``selection`` (a :class:`Selection`) instead of separate parameters."""

    def decorate(f: typing.Callable) -> typing.Callable:
        @functools.wraps(f)
        def command(*args, **kwargs):
            chosen = Selection(kwargs.pop("execution"), kwargs.pop("latest"), kwargs.pop("tag") if tag else None,
                               kwargs.pop("partitions") if partitions else ())
            return f(*args, selection=chosen, **kwargs)

        if partitions:
            command = partition_option(command)
        if tag:
            command = click.option("--tag", "-t", metavar="TAG", help=TAG_HELP)(command)
        command = click.option("--latest", is_flag=True, help=LATEST_HELP)(command)
        return click.option("--execution", "-e", metavar="ID", help=EXECUTION_HELP)(command)

    return decorate
