"""Which record, or which run, a user means: one selector, resolved the same way by the library, the CLI, the web
page and queries.

A :class:`RecordSelector` names an artifact (and one of its files, when a single file is meant) and at most one of

* ``execution``: the files that run recorded;
* ``newest``: the newest version, the newest succeeded run that recorded them;
* ``tag``: the version a tag of the artifact names.

Naming none of them means the newest version for one file (:func:`select_record`) and no narrowing at all for a
listing (:func:`select_run` returns None). ``workflow`` narrows "newest" to one workflow's runs (queries);
``any_status`` lets a run that is running, was killed or failed count too (``--all``): the run an execution names is
then taken whatever its status, and "newest" is the newest run of any status that has the file.

Errors are the library's own (:class:`~flytekitplugins.artifacts.errors.ArtifactNotFoundError` for a selector that
matches nothing, :class:`SelectorError` for one that cannot be resolved as given) and name values, never the
options of a command: the CLI maps them to its flags.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass

from ..errors import ArtifactNotFoundError, ArtifactValueError, did_you_mean
from . import keys
from .artifact_store import ArtifactStore, Record
from .partitions import describe, matches, normalize
from .versions import (
    SUCCEEDED,
    artifacts,
    newest_execution,
    newest_file_entry,
    newest_run,
    partition_values,
    run_status,
    tag_target,
    versions,
)

__all__ = ["RecordSelector", "SelectorError", "select_record", "select_run"]


class SelectorError(ArtifactValueError):
    """A selector that cannot be resolved as given: ``problem`` says why (``"several"``: more than one of execution,
    newest and tag; ``"no artifact"``: a tag without the artifact it belongs to; ``"workflow and any status"``)."""

    def __init__(self, message: str, problem: str, named: typing.Tuple[str, ...] = ()):
        super().__init__(message)
        self.problem = problem
        #: Which of ``execution``, ``newest`` and ``tag`` were given (for ``"several"``).
        self.named = named


@dataclass(frozen=True)
class RecordSelector:
    """One artifact's file (or files, with no ``filename``) in the run an execution, the newest version or a tag
    names; see the module docstring."""

    artifact: typing.Optional[str]
    filename: typing.Optional[str] = None
    execution: typing.Optional[str] = None
    newest: bool = False
    tag: typing.Optional[str] = None
    workflow: typing.Optional[str] = None
    any_status: bool = False
    #: Partition values every selected file must carry: a mapping or (key, value) pairs, kept as sorted pairs.
    partitions: typing.Any = ()

    def __post_init__(self):
        given = self.partitions
        pairs = normalize(dict(given) if isinstance(given, (list, tuple)) else given)
        object.__setattr__(self, "partitions", pairs)
        named = tuple(n for n, given in (("execution", self.execution is not None), ("newest", self.newest),
                                         ("tag", self.tag is not None)) if given)
        if len(named) > 1:
            words = [f"{n}={getattr(self, n)!r}" for n in named]
            why = ": a tag already names a run" if "tag" in named else ""
            raise SelectorError(f"give either {' or '.join(words)}, not both{why}" if len(named) == 2 else
                                f"give only one of {', '.join(words)}{why}", "several", named)
        for label, value in (("execution", self.execution), ("tag", self.tag), ("workflow", self.workflow)):
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ArtifactValueError(f"{label} must be a non-empty string or None, got {value!r}")
        if self.tag is not None and not self.artifact:
            raise SelectorError(
                f"tag {self.tag!r} names a version of an artifact: give the artifact too", "no artifact", ("tag",)
            )
        if self.workflow is not None and self.any_status:
            raise SelectorError(
                f"workflow={self.workflow!r} narrows the newest succeeded run: it cannot be combined with any_status",
                "workflow and any status",
            )

    @classmethod
    def from_query(cls, query: dict) -> "RecordSelector":
        """The selector of a query node's ``query`` input (``artifact``, ``filename`` and ``selector``)."""
        chosen = dict(query.get("selector", {}))
        if chosen.get("partitions"):
            chosen["partitions"] = dict(chosen["partitions"])
        return cls(query["artifact"], query["filename"], **chosen)

    def version(self) -> dict:
        """Which version is meant, as queries and lineage documents store it: ``execution``, ``tag``, ``workflow``."""
        out: dict = {"execution": self.execution, "tag": self.tag, "workflow": self.workflow}
        if self.partitions:
            out["partitions"] = dict(self.partitions)
        return out

    def describe(self) -> str:
        """Which version is meant, in words, for messages."""
        parts = []
        if self.execution:
            parts.append(f"execution {self.execution!r}")
        if self.tag:
            parts.append(f"tag {self.tag!r}")
        if self.workflow:
            parts.append(f"workflow {self.workflow!r}")
        if self.partitions:
            parts.append(f"partitions {describe(self.partitions)}")
        return ", ".join(parts) or ("newest run" if self.any_status else "newest succeeded run")


def select_record(store: ArtifactStore, selector: RecordSelector) -> Record:
    """The record ``selector`` means: its artifact's file in the run it names (the newest version by default)."""
    artifact, filename = selector.artifact, selector.filename
    if not artifact or not filename:
        raise ArtifactValueError(
            f"a record is one file of an artifact: name both (got artifact {artifact!r}, filename {filename!r})"
        )
    if selector.any_status and selector.tag is None:
        if selector.execution is not None:
            return _in_partitions(store, selector, store.record(selector.execution, artifact, filename))
        if selector.partitions:
            return _newest_any_status(store, selector)
        return store.latest_record(artifact, filename, include_all=True)
    if selector.tag is not None:
        return _in_partitions(store, selector, _version_in(store, selector, tag_target(store, artifact, selector.tag)))
    if selector.execution is not None:
        return _in_partitions(store, selector, _version_in(store, selector, selector.execution))
    entry = newest_file_entry(store, artifact, filename, selector.workflow, selector.partitions)
    if entry is None:
        raise not_found(store, selector)
    return store.record(entry["execution_id"], artifact, filename)


def _in_partitions(store: ArtifactStore, selector: RecordSelector, rec: Record) -> Record:
    """``rec`` when it carries the selector's partitions, else the not-found error."""
    if not matches(rec.partitions, selector.partitions):
        raise not_found(store, selector)
    return rec


def _newest_any_status(store: ArtifactStore, selector: RecordSelector) -> Record:
    """The newest run of any status whose file carries the selector's partitions."""
    artifact, filename = typing.cast(str, selector.artifact), typing.cast(str, selector.filename)
    for run in store.executions(include_all=True):
        eid = run["execution_id"]
        if store.backend.exists(keys.record_key(eid, artifact, filename)):
            rec = store.record(eid, artifact, filename)
            if matches(rec.partitions, selector.partitions):
                return rec
    raise not_found(store, selector)


def _version_in(store: ArtifactStore, selector: RecordSelector, execution: str) -> Record:
    """The selector's file in ``execution``, which must be a version (a succeeded run, of its workflow if named)."""
    artifact, filename = typing.cast(str, selector.artifact), typing.cast(str, selector.filename)
    if selector.tag is not None and not store.backend.exists(keys.record_key(execution, artifact, filename)):
        raise not_found(store, selector)  # the tag names a run without the file (or one pruned since)
    rec = store.record(execution, artifact, filename)  # an unknown run or file: the store says what there is
    status = run_status(store, execution)
    if status != SUCCEEDED:
        raise ArtifactNotFoundError(
            f"run {execution!r} ({selector.describe()}) is {status}, so its {artifact!r}/{filename!r} is not a "
            f"version: only succeeded runs' files are; pick another run with `flyte-artifacts versions {artifact!r}`"
        )
    if selector.workflow is not None and rec.workflow != selector.workflow:
        raise not_found(store, selector)
    return rec


def select_run(store: ArtifactStore, selector: RecordSelector) -> typing.Optional[str]:
    """The run ``selector`` means, for commands that take every file of a run (a listing, an export, a tag): the
    execution it names (as given: listing it says whether it exists), the run its tag names, or the newest
    succeeded run, that recorded its artifact when one is named; None when it names none of them (every run).

    With ``any_status`` and no artifact, "newest" is the newest run of any status; with an artifact it stays the
    newest succeeded run that recorded it (a version). With a filename, the run whose file :func:`select_record`
    picks."""
    if selector.filename is not None:
        return select_record(store, selector).execution_id
    if selector.tag is not None:
        return tag_target(store, typing.cast(str, selector.artifact), selector.tag)
    if not selector.newest:
        return selector.execution
    if selector.artifact and selector.partitions:
        found = [v for v in versions(store, selector.artifact, partitions=selector.partitions)
                 if selector.workflow is None or v["workflow"] == selector.workflow][:1]
        if not found:
            raise not_found(store, selector)
        return found[0]["execution_id"]
    if selector.artifact:
        return newest_execution(store, selector.artifact, selector.workflow)
    if selector.any_status:
        return store.latest_execution(include_all=True)
    return newest_run(store)


def partition_hint(store: ArtifactStore, artifact: str, filename: typing.Optional[str],
                   wanted: typing.Sequence[typing.Tuple[str, str]]) -> str:
    """What the store has for the partitions asked: an unknown key with the keys its newest versions carry, or the
    values each asked key has taken. Empty when nothing was asked."""
    if not wanted:
        return ""
    recent = versions(store, artifact, limit=5)
    files = {filename} if filename else {f for v in recent for f in v["files"]}
    known = sorted({k for v in recent for f, p in v["partitions"].items() if f in files for k in p})
    unknown = [k for k, _ in wanted if k not in known]
    if unknown:
        return (f"; {artifact!r} has no partition key {', '.join(map(repr, unknown))}{did_you_mean(unknown[0], known)}"
                f" (its partition keys: {', '.join(known) or 'none'})")
    parts = []
    for k, _ in wanted:
        have = sorted({val for f in files for val in partition_values(store, artifact, f, k)})
        shown = ", ".join(have[:10]) + (f" and {len(have) - 10} more" if len(have) > 10 else "")
        parts.append(f"values of {k}: {shown or 'none'}")
    return "; " + "; ".join(parts)


def not_found(store: ArtifactStore, selector: RecordSelector) -> ArtifactNotFoundError:
    """The error for a selector that matched no file: what was asked, and what exists."""
    artifact, filename = selector.artifact, selector.filename
    if selector.partitions:
        hint = partition_hint(store, typing.cast(str, artifact), filename, selector.partitions)
        what = f"file {filename!r}" if filename else "file"
        return ArtifactNotFoundError(
            f"no version of {artifact!r} {what} matches {selector.describe()} in the store at {store.root!r}{hint}. "
            f"`flyte-artifacts versions {artifact!r}` lists them all"
        )
    have = versions(store, typing.cast(str, artifact), limit=5)
    if have:
        lines = "; ".join(
            f"{v['execution_id']} ({v['workflow']}{', tags ' + ','.join(v['tags']) if v['tags'] else ''}: "
            f"{', '.join(v['files'])})"
            for v in have
        )
        hint = did_you_mean(typing.cast(str, filename), {f for v in have for f in v["files"]})
        exists = f"newest versions of {artifact!r}: {lines}"
    else:
        names = [a["artifact"] for a in artifacts(store)]
        hint = did_you_mean(typing.cast(str, artifact), names)
        exists = f"no succeeded run recorded {artifact!r} (artifacts there: {', '.join(names) or 'none'})"
    return ArtifactNotFoundError(
        f"no version of {artifact!r} file {filename!r}{hint} matches {selector.describe()} in the store at "
        f"{store.root!r}; {exists}. `flyte-artifacts versions {artifact!r}` lists them all"
    )
