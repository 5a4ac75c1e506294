"""The audit trail's entry for each operation that changes the store (the chain itself: ``store/audit.py``).

Each function is called where its change happens, once the change is done, and appends one entry naming what was
changed and the sha256 of the objects involved. A dry run, or an operation that changed nothing, appends none.
"""

from __future__ import annotations

import re
import typing

from ..store import audit
from ..store.artifact_store import ArtifactStore, Record

_SHA = re.compile(r"[0-9a-f]{64}")


def run_recorded(store: ArtifactStore, execution_id: str, status: str, records: typing.Sequence[Record]) -> None:
    """A run ended and its records were committed (visible when it succeeded)."""
    objects = [{"artifact": r.artifact, "filename": r.filename, "sha256": r.sha256, "size": r.size}
               for r in records]
    workflows = sorted({r.workflow for r in records})
    audit.append(store.backend, "record", objects=objects, execution=execution_id, status=status,
                 workflow=", ".join(workflows) or None)


def _removed(outcome) -> typing.List[dict]:
    """What a lifecycle outcome removed, as objects (the sha256 where the location names it)."""
    out = []
    for r in outcome.removed:
        obj = {"kind": r.kind, "where": r.where, "bytes": r.bytes}
        found = _SHA.findall(r.where)
        if found:
            obj["sha256"] = found[-1]
        out.append(obj)
    return out


def removed(store: ArtifactStore, action: str, outcome, reason: typing.Optional[str] = None,
            **target: typing.Any) -> None:
    """A prune, gc or dataset prune removed what ``outcome`` lists (nothing is appended for a dry run or no-op)."""
    if outcome.dry_run or not outcome.removed:
        return
    audit.append(store.backend, action, reason=reason, objects=_removed(outcome), **target)


def dataset_changed(store: ArtifactStore, action: str, reason: typing.Optional[str] = None,
                    files: typing.Sequence[dict] = (), **target: typing.Any) -> None:
    """A dataset was created, or an export committed a snapshot of ``files`` (each with its sha256)."""
    audit.append(store.backend, action, reason=reason, objects=list(files), **target)


def repaired(store: ArtifactStore, fixed: typing.Sequence[dict], reason: typing.Optional[str] = None) -> None:
    """``verify --repair`` restored or rebuilt the objects in ``fixed``."""
    if fixed:
        audit.append(store.backend, "repair", reason=reason, objects=list(fixed))


def parse_since(text: str):
    """``--since``: a date (2026-12-01), a UTC time (2026-12-01T08:00) or an age (7d, 12h), as an aware datetime."""
    import datetime

    from ..errors import ArtifactValueError
    from .lifecycle.report import parse_duration

    now = datetime.datetime.now(datetime.timezone.utc)
    try:
        return now - datetime.timedelta(seconds=parse_duration(text))
    except ArtifactValueError:
        pass
    try:
        when = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ArtifactValueError(
            f"--since {text!r} is neither a date nor an age: give e.g. 2026-12-01, 2026-12-01T08:00 or 7d"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when


def _mentions(entry: dict, artifact: str) -> bool:
    if entry.get("target", {}).get("artifact") == artifact:
        return True
    return any(isinstance(o, dict) and o.get("artifact") == artifact for o in entry.get("objects", ()))


def listing(store: ArtifactStore, artifact: typing.Optional[str] = None,
            since: typing.Optional[str] = None) -> typing.List[dict]:
    """The trail's entries, oldest first: those about ``artifact``, at or after ``since`` (see :func:`parse_since`)."""
    store.require_exists()
    start = parse_since(since) if since is not None else None
    out = []
    for entry in audit.entries(store.backend):
        if start is not None and not _at_or_after(entry.get("at", ""), start):
            continue
        if artifact is not None and not _mentions(entry, artifact):
            continue
        out.append(entry)
    return out


def _at_or_after(at: str, start) -> bool:
    """Whether an entry's time (``utc_now``'s form) is at or after ``start``; an unreadable time is kept."""
    import datetime

    try:
        when = datetime.datetime.fromisoformat(str(at).replace("Z", "+00:00"))
    except ValueError:
        return True
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when >= start


def verify(store: ArtifactStore) -> audit.ChainReport:
    """Whether the chain is unbroken (the first entry changed, removed or reordered when it is not)."""
    store.require_exists()
    return audit.verify_chain(store.backend)


def trigger_launched(store: ArtifactStore, started: dict, record: Record) -> None:
    """A trigger started a run for a new version of a file (``started`` is the ledger's ``started.json``)."""
    audit.append(store.backend, "trigger launch", objects=[{"artifact": record.artifact, "filename": record.filename,
                                                            "sha256": record.sha256, "size": record.size}],
                 trigger=started.get("trigger"), execution=started.get("run"), version=started.get("version"),
                 workflow=started.get("launch"), attempt=started.get("attempt") or None,
                 remote=(started.get("remote") or {}).get("name"))
