"""The audit trail: a hash chain of write-once entries, one per change to the store (``docs/audit.md``).

Entry ``n`` lives at ``audit/entries/<n>.json`` (``keys.audit_entry_key``) and names the sha256 of entry ``n - 1``'s
exact bytes in ``prev`` (64 zeros for the first). An entry is created with the backend's conditional create, so two
writers can never both write entry ``n``: the loser reads the winner's entry and tries ``n + 1`` on top of it. The
chain therefore never forks and no entry is lost, on a folder or on S3 alike. ``audit/head.json`` names the newest
entry so an append needs no listing; it is only a hint, checked against the entry it names before it is used.

:func:`verify_chain` walks the entries in order and names the first one that was changed, removed or reordered.
"""

from __future__ import annotations

import hashlib
import json
import os
import typing
from dataclasses import dataclass

from ..backends import Backend
from ..errors import ArtifactNotFoundError
from .identity import host_process, os_user, pod_execution, utc_now
from .keys import AUDIT_ENTRIES, AUDIT_HEAD, audit_entry_key, audit_seq_of

#: The ``prev`` of the first entry.
GENESIS = "0" * 64
#: ``FLYTE_ARTIFACTS_AUDIT=0`` turns the trail off (nothing is appended; ``audit --verify`` still checks the rest).
AUDIT_ENV = "FLYTE_ARTIFACTS_AUDIT"
#: Who started a cluster run, where the execution's environment says so (``--env FLYTE_ARTIFACTS_PRINCIPAL=...``).
PRINCIPAL_ENV = "FLYTE_ARTIFACTS_PRINCIPAL"
#: How many times an append retries on top of a newer entry before it gives up (a store far busier than any real one).
_MAX_TRIES = 10_000


def enabled() -> bool:
    """Whether changes append entries (on unless ``FLYTE_ARTIFACTS_AUDIT`` is ``0``, ``off`` or ``false``)."""
    return os.environ.get(AUDIT_ENV, "1").strip().lower() not in ("0", "off", "false", "no")


def who() -> dict:
    """The actor of a change: the OS user and host, and in a pod the Flyte execution and its principal where known."""
    actor = {"user": os_user(), "host": host_process()["host"]}
    execution = pod_execution()
    if execution:
        actor["execution"] = execution
    principal = os.environ.get(PRINCIPAL_ENV)
    if principal:
        actor["principal"] = principal
    return actor


def _encode(doc: dict) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(backend: Backend, seq: int) -> typing.Optional[bytes]:
    try:
        return backend.read_bytes(audit_entry_key(seq))
    except ArtifactNotFoundError:
        return None


def entry_numbers(backend: Backend) -> typing.List[int]:
    """The numbers of every entry there is, in order."""
    found = (audit_seq_of(name) for name in backend.list_children(AUDIT_ENTRIES))
    return sorted(n for n in found if n is not None)


def _head(backend: Backend) -> typing.Tuple[int, str]:
    """(number, sha256) of the newest entry this writer can see cheaply: the hint's, checked, else from a listing."""
    try:
        hint = json.loads(backend.read_bytes(AUDIT_HEAD))
        seq = int(hint["seq"])
    except (ArtifactNotFoundError, ValueError, KeyError, TypeError):
        seq = -1
    data = _read(backend, seq) if seq > 0 else None
    if data is not None:
        return seq, _sha(data)
    numbers = entry_numbers(backend)
    if not numbers:
        return 0, GENESIS
    data = _read(backend, numbers[-1])
    return numbers[-1], _sha(data or b"")


def append(backend: Backend, action: str, *, reason: typing.Optional[str] = None,
           objects: typing.Sequence[dict] = (), **target: typing.Any) -> typing.Optional[dict]:
    """Append one entry (``action``, what it acted on, the objects' sha256, who, when, why); the entry as written.

    Returns None, writing nothing, when the trail is off. ``target`` is what the change was about (``artifact=``,
    ``execution=``, ``dataset=``, ``tag=``...); keys whose value is None are left out.
    """
    if not enabled():
        return None
    body = {
        "action": action,
        "at": utc_now(),
        "who": who(),
        "target": {k: v for k, v in target.items() if v is not None},
        "objects": list(objects),
        **({"reason": reason} if reason else {}),
    }
    seq, prev = _head(backend)
    for _ in range(_MAX_TRIES):
        doc = {**body, "seq": seq + 1, "prev": prev}
        data = _encode(doc)
        if backend.write_once(audit_entry_key(seq + 1), data):
            backend.write_hint(AUDIT_HEAD, _encode({"seq": seq + 1, "sha256": _sha(data)}))
            return doc
        # Another writer took this number: build on top of its entry.
        seq += 1
        taken = _read(backend, seq)
        prev = _sha(taken or b"")
    raise RuntimeError(f"could not append to the audit trail at {backend.root!r} after {_MAX_TRIES} tries")


def entries(backend: Backend) -> typing.Iterator[dict]:
    """Every entry, oldest first, each with its own ``sha256``; an unreadable one as ``{"seq": n, "damaged": ...}``."""
    for seq in entry_numbers(backend):
        data = _read(backend, seq)
        if data is None:
            continue
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as e:
            doc = {"damaged": str(e).split("\n")[0]}
        if not isinstance(doc, dict):
            doc = {"damaged": "not a JSON object"}
        yield {**doc, "seq": seq if "damaged" in doc else doc.get("seq"), "sha256": _sha(data)}


@dataclass
class ChainReport:
    """What :func:`verify_chain` found: how many entries, the newest's sha256, and the first break (None: unbroken)."""

    entries: int
    head: str
    problem: typing.Optional[str] = None
    entry: typing.Optional[int] = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def as_dict(self) -> dict:
        return {"ok": self.ok, "entries": self.entries, "head": self.head, "first_bad_entry": self.entry,
                "problem": self.problem}


def _check(n: int, data: typing.Optional[bytes], prev: str) -> typing.Optional[str]:
    """Why entry ``n`` (``data``, None when missing) does not follow an entry hashing to ``prev``; None when it does."""
    if data is None:
        return f"entry {n} was removed (entries after it remain)"
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        doc = None
    if not isinstance(doc, dict):
        return f"entry {n} was changed: it is no longer a JSON object"
    if doc.get("seq") != n:
        return f"entry {n} was reordered: it holds the entry written as number {doc.get('seq')!r}"
    if doc.get("prev") != prev:
        if n == 1:
            return "entry 1 was changed: it does not start the chain"
        return (f"entry {n - 1} was changed (or removed and replaced): entry {n} names sha256 "
                f"{str(doc.get('prev'))[:16]}..., entry {n - 1} now hashes to {prev[:16]}...")
    return None


def verify_chain(backend: Backend) -> ChainReport:
    """Walk the chain from entry 1 and report the first entry changed, removed or reordered."""
    numbers = entry_numbers(backend)
    last = numbers[-1] if numbers else 0
    prev = GENESIS
    for n in range(1, last + 1):
        data = _read(backend, n)
        problem = _check(n, data, prev)
        if problem is not None:
            return ChainReport(entries=len(numbers), head=prev, problem=problem, entry=n if data is None or
                               "reordered" in problem or n == 1 else n - 1)
        prev = _sha(data)
    return _check_head(backend, last, prev, len(numbers))


def _check_head(backend: Backend, last: int, head: str, count: int) -> ChainReport:
    """The newest entries are followed by none, so the head hint is what shows one removed or changed at the end."""
    try:
        hint = json.loads(backend.read_bytes(AUDIT_HEAD))
        seq, sha = int(hint["seq"]), str(hint["sha256"])
    except (ArtifactNotFoundError, ValueError, KeyError, TypeError):
        return ChainReport(entries=count, head=head)
    if seq > last:
        return ChainReport(entries=count, head=head, entry=last + 1,
                           problem=f"entry {last + 1} was removed: the trail's head names entry {seq}, the last "
                                   f"one there is {last}")
    if seq == last and sha != head:
        return ChainReport(entries=count, head=head, entry=last,
                           problem=f"entry {last} was changed: the trail's head names sha256 {sha[:16]}..., "
                                   f"it now hashes to {head[:16]}...")
    return ChainReport(entries=count, head=head)
