"""Partitions: the named values (``study=MINI01``) a version of an artifact file carries besides its run.

An artifact declares its partition keys (``Artifact(name, DATA, partition_keys=["study"])``); each recorded file
carries one value per key in its record (``partitions``). Pure Python: the Flyte side resolves ``Inputs.<name>``
to a value before a record is written, and the store indexes every key's value so "the newest version where
study=MINI01" reads a few small objects, as "the newest version" does.
"""

from __future__ import annotations

import typing

from ..errors import ArtifactTypeError, ArtifactValueError
from .declaration import check_name_text

MAX_KEY_LENGTH = 63
MAX_VALUE_LENGTH = 255

Partitions = typing.Dict[str, str]
Pairs = typing.Tuple[typing.Tuple[str, str], ...]


def validate_key(key: typing.Any) -> str:
    """A partition key: 1-63 characters, a letter or '_' first, then letters, digits or '_' (like an input name)."""
    if not isinstance(key, str):
        raise ArtifactTypeError(f"partition key must be a string, got {key!r} of type {type(key).__name__}")
    ok = key[:1].isascii() and (key[:1].isalpha() or key[:1] == "_") and all(
        c.isascii() and (c.isalnum() or c == "_") for c in key
    )
    if not ok or len(key) > MAX_KEY_LENGTH:
        raise ArtifactValueError(
            f"partition key {key!r} is not valid: use 1-{MAX_KEY_LENGTH} letters, digits or '_', starting with a "
            "letter or '_' (e.g. study, region)"
        )
    return key


def validate_value(key: str, value: typing.Any) -> str:
    """A partition value as the store keeps it: a non-empty printable string (a number or bool becomes its text)."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        raise ArtifactTypeError(
            f"partition {key!r} takes a string, number or bool (or Inputs.<name>), got {value!r} of type "
            f"{type(value).__name__}"
        )
    if "\0" in value:
        raise ArtifactValueError(f"partition {key!r} value {value!r} contains NUL: use printable characters only")
    value = check_name_text(value, f"partition {key!r} value")
    if not value.strip():
        raise ArtifactValueError(f"partition {key!r} has an empty value {value!r}: give it a value such as 'MINI01'")
    if len(value) > MAX_VALUE_LENGTH:
        raise ArtifactValueError(
            f"partition {key!r} value is {len(value)} characters long, the limit is {MAX_VALUE_LENGTH}: "
            f"shorten {value[:40]!r}..."
        )
    if not value.isprintable():
        raise ArtifactValueError(f"partition {key!r} value {value!r} is not printable: use printable characters only")
    return value


def validate_keys(keys: typing.Any) -> typing.Tuple[str, ...]:
    """An artifact's partition keys: a list of distinct valid keys (``None`` or empty: no partitions)."""
    if keys is None:
        return ()
    if isinstance(keys, str) or not isinstance(keys, (list, tuple)):
        raise ArtifactTypeError(f"partition_keys must be a list of strings such as ['study'], got {keys!r}")
    out = tuple(validate_key(k) for k in keys)
    dup = sorted({k for k in out if out.count(k) > 1})
    if dup:
        raise ArtifactValueError(f"partition_keys names {', '.join(map(repr, dup))} twice: give each key once")
    return out


def check_known(given: typing.Iterable[str], known: typing.Sequence[str], what: str) -> None:
    """Refuse a key in ``given`` that is not one of ``known``, naming it and the keys there are."""
    unknown = [k for k in given if k not in known]
    if unknown:
        have = ", ".join(known) if known else "none"
        raise ArtifactValueError(
            f"{what} has no partition key {', '.join(map(repr, unknown))} (its partition keys: {have})"
            + ("" if known else ": declare them with Artifact(name, type, partition_keys=[...])")
        )


def parse_option(text: str) -> typing.Tuple[str, str]:
    """``KEY=VALUE`` (the CLI's ``--partition``) as a checked pair."""
    key, sep, value = text.partition("=")
    if not sep:
        raise ArtifactValueError(f"partition {text!r} is not KEY=VALUE: write it like study=MINI01")
    key = validate_key(key.strip())
    return key, validate_value(key, value)


def normalize(partitions: typing.Optional[typing.Mapping[str, typing.Any]]) -> Pairs:
    """Partitions as sorted (key, value) pairs, every key and value checked."""
    if not partitions:
        return ()
    if not isinstance(partitions, typing.Mapping):
        raise ArtifactTypeError(f"partitions must be a mapping such as {{'study': 'MINI01'}}, got {partitions!r}")
    return tuple(sorted((validate_key(k), validate_value(k, v)) for k, v in partitions.items()))


def matches(have: typing.Optional[typing.Mapping[str, str]], wanted: typing.Iterable[typing.Tuple[str, str]]) -> bool:
    """Whether a record's partitions hold every wanted (key, value)."""
    have = have or {}
    return all(have.get(k) == v for k, v in wanted)


def describe(wanted: typing.Iterable[typing.Tuple[str, str]]) -> str:
    """Partitions in words, ``study=MINI01, site=A``."""
    return ", ".join(f"{k}={v}" for k, v in wanted)


def resolve_values(sources: typing.Optional[typing.Mapping[str, dict]],
                   inputs: typing.Mapping[str, dict]) -> Partitions:
    """The partition values of one file at record time: each source is ``{"value": text}`` or ``{"input": name}``,
    a workflow input found in ``inputs`` (the run's inputs as lineage describes them)."""
    out = {}
    for key, source in (sources or {}).items():
        if "value" in source:
            out[key] = validate_value(key, source["value"])
            continue
        name = source["input"]
        got = inputs.get(name) or {}
        if "value" not in got:
            raise ArtifactValueError(
                f"partition {key!r} takes workflow input {name!r}, which the recorder did not get: pass {name!r} "
                "as a str, int, float or bool workflow input"
            )
        out[key] = validate_value(key, got["value"])
    return out
