"""The plain data of triggers and their write-once ledger's small helpers, shared by the sweep (``triggers.py``)
and the launch of one entry (``trigger_launch.py``)."""

from __future__ import annotations

import json
import time
import typing
from dataclasses import dataclass, field

from ..errors import ArtifactError, ArtifactNotFoundError
from ..store import keys
from ..store.artifact_store import ArtifactStore, Record


class TriggerError(ArtifactError):
    """A trigger that cannot be declared, found or swept as asked."""


@dataclass(frozen=True)
class TriggerSpec:
    """What a trigger waits for and what it launches, as plain data (the Flyte layer builds it)."""

    name: str
    artifact: str
    filename: str
    launch: str
    input: str
    tag: typing.Optional[str] = None
    partitions: typing.Optional[typing.Dict[str, str]] = None

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("name", "artifact", "filename", "launch", "input", "tag", "partitions")}


class Declared:
    """The base of every trigger declared in user code: a :class:`TriggerSpec` and a way to launch one run.

    :meth:`new_run_id` names the run before it exists (the ledger's ``launched`` mark is written under that name
    first); ``launch_run(record, store, run_id)`` returns ``wait``, which runs it to its end and raises when it
    fails. ``ops/trigger_files.declared_in`` finds objects of this kind in the user's modules."""

    spec: TriggerSpec

    def launch_run(self, record: Record, store: ArtifactStore, run_id: str) -> typing.Callable[[], None]:
        """How to start run ``run_id`` with ``record`` as its input (returns the callable that runs it)."""
        raise NotImplementedError

    def new_run_id(self) -> str:
        """A fresh id for the next run launched."""
        raise NotImplementedError

    def on_cluster(self, **options: typing.Any) -> "Declared":
        """The same trigger (the same ledger), its runs launched on a Flyte cluster (``--remote``)."""
        raise TriggerError(f"{self!r} cannot launch on a cluster: declare it with Trigger(...)")


@dataclass
class SweepResult:
    """What one sweep of one trigger did."""

    trigger: str
    launched: typing.List[dict] = field(default_factory=list)
    failed: typing.List[dict] = field(default_factory=list)
    skipped: int = 0
    pending: int = 0

    def as_dict(self) -> dict:
        return {"trigger": self.trigger, "launched": self.launched, "failed": self.failed,
                "skipped": self.skipped, "pending": self.pending}


def now_ms() -> int:
    """Now, in milliseconds since the epoch (the ledger's clock)."""
    return int(time.time() * 1000)


def dump(doc: dict) -> bytes:
    """A ledger document's bytes (sorted keys, so a rewrite is byte-identical)."""
    return json.dumps(doc, sort_keys=True).encode()


def read_doc(store: ArtifactStore, key: str) -> typing.Optional[dict]:
    """The ledger document at ``key``, None when absent; a damaged one is a :class:`TriggerError` naming it."""
    try:
        return json.loads(store.backend.read_bytes(key))
    except ArtifactNotFoundError:
        return None
    except ValueError as e:
        raise TriggerError(f"the ledger entry {key!r} is damaged ({e}): remove it so the version is claimed again")


def execution_of(store: ArtifactStore, spec: TriggerSpec, name: str) -> typing.Optional[str]:
    """The run that recorded the version behind ledger entry ``name`` (its file index entry), if still indexed."""
    entry = read_doc(store, f"{keys.file_index_prefix(spec.artifact, spec.filename)}/{name}")
    return entry.get("execution_id") if entry else None


def error_line(e: BaseException) -> str:
    """One line naming a failed run's own error (the innermost cause: flytekit wraps a task's error in its own)."""
    while (e.__cause__ or e.__context__) is not None and len(str(e.__cause__ or e.__context__).strip()):
        e = e.__cause__ or e.__context__
    lines = [line.strip() for line in str(e).splitlines() if line.strip()]
    return f"{type(e).__name__}: {' '.join(lines)}"[:500]


def settle(store: ArtifactStore, spec: TriggerSpec, name: str) -> None:
    """Mark ledger entry ``name`` settled: nothing more is done for it."""
    store.backend.write_once(f"{keys.trigger_settled_prefix(spec.name)}/{name}", b"{}")
