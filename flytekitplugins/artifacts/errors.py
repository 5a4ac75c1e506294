"""Errors a user can cause. Each message names the offending value and how to fix it."""

import typing


class ArtifactError(Exception):
    """Base class of every error this plugin raises on purpose."""


class ArtifactValueError(ArtifactError, ValueError):
    """A value is outside what the plugin accepts (bad name, unknown dataset, bad store root...)."""


class ArtifactTypeError(ArtifactError, TypeError):
    """A value has the wrong Python type, or an artifact type is used where Flyte cannot carry it."""


class DuplicateArtifactFileError(ArtifactValueError):
    """One (artifact, filename) pair is produced by more than one node output of a workflow."""


class StoredBytesMismatchError(ArtifactError):
    """A stored copy is no longer what its record says (another size, a link in its place, other bytes)."""


class ReadBrokeOff(ArtifactError):
    """A stream from object storage kept breaking off part way: ``attempts`` requests in a row (the first and each
    resumption of the rest) were cut short."""

    def __init__(self, message: str, attempts: int, last: str):
        super().__init__(message)
        self.attempts = attempts
        self.last = last


class ArtifactNotFoundError(ArtifactValueError):
    """A lookup (execution, artifact file, dataset, snapshot) matched nothing."""


def closest(value: str, choices: typing.Iterable[str]) -> typing.Optional[str]:
    """The one of ``choices`` a mistyped ``value`` most likely meant (case-insensitive; None when none is close,
    and never ``value`` itself)."""
    import difflib

    by_lower: typing.Dict[str, str] = {}
    for choice in choices:
        by_lower.setdefault(str(choice).lower(), str(choice))
    wanted = str(value).lower()
    if wanted in by_lower:
        return by_lower[wanted] if by_lower[wanted] != value else None
    found = difflib.get_close_matches(wanted, list(by_lower), n=1, cutoff=0.75)
    return by_lower[found[0]] if found else None


def did_you_mean(value: str, choices: typing.Iterable[str]) -> str:
    """``" (did you mean 'X'?)"`` for the closest of ``choices`` (see :func:`closest`), else ``""``."""
    match = closest(value, choices)
    return f" (did you mean {match!r}?)" if match is not None else ""
