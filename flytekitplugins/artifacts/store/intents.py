"""Intents: the bytes a recording is storing, named in the store before they are stored.

A recorder copies every file's bytes into ``blobs/`` before it writes the records that name them, and a summary or a
large copy can make that take minutes. Until its records exist, those bytes are protected by the recording's
intent, not by their age: before a blob gets (or refreshes) its content address the recorder writes
``intents/<exec>/<token>/<sha256>`` (after ``owner.json``, saying which run and process writes it), and once the
records are written it removes the intent. ``gc`` reads the intents after its listing and keeps every blob a live
intent names. An intent whose recording cannot finish any more (its process on this host is gone, or its run ended
as failed or succeeded without removing it) protects nothing once it is older than the grace period, and ``gc``
removes it. An intent of a run on another host or in a pod counts as live while its run is not over, for at most
:data:`MAX_INTENT_SECONDS`.
"""

from __future__ import annotations

import json
import typing
import uuid

from ..backends import Backend, StoredFile
from ..errors import ArtifactError
from .keys import INTENT_OWNER, INTENTS, intent_parts_of, intent_prefix
from .runs import RUNNING, run_owner, status_of

if typing.TYPE_CHECKING:
    from .artifact_store import ArtifactStore

#: An intent whose run cannot be told dead (another host, a pod) stops protecting its bytes after this long.
MAX_INTENT_SECONDS = 24 * 3600


class Intent:
    """One recording's intent: call :meth:`name` with each sha256 before its bytes are stored, :meth:`close` once
    the records naming them are written."""

    def __init__(self, backend: Backend, execution_id: str):
        self.backend = backend
        self.execution_id = execution_id
        self.prefix = intent_prefix(execution_id, uuid.uuid4().hex)
        self._named: typing.List[str] = []

    def name(self, sha: str) -> None:
        """Say that this recording is storing the bytes ``sha`` (written before they get their address)."""
        if not self._named:
            owner = run_owner()
            doc = {"execution_id": self.execution_id, **({"owner": owner} if owner else {})}
            self.backend.write(f"{self.prefix}/{INTENT_OWNER}", json.dumps(doc).encode())
        key = f"{self.prefix}/{sha}"
        if key not in self._named:
            self.backend.write(key, b"")
            self._named.append(key)

    def close(self) -> None:
        """The records are written: the intent protects nothing any more (its owner document goes last)."""
        if self._named:
            self.backend.delete_many(self._named + [f"{self.prefix}/{INTENT_OWNER}"])
            self._named = []


def _live(store: "ArtifactStore", doc: typing.Optional[dict], age: float) -> bool:
    """Whether the recording an intent's owner document describes may still write its records."""
    if not isinstance(doc, dict):
        return age < MAX_INTENT_SECONDS  # written this instant, or damaged: its age decides
    owner = doc.get("owner")
    if isinstance(owner, dict) and status_of({"status": RUNNING, "owner": owner}) != RUNNING:
        return False  # its process on this host is gone
    execution_id = doc.get("execution_id")
    status = store.run_status(execution_id, missing=RUNNING) if isinstance(execution_id, str) else RUNNING
    return status == RUNNING and age < MAX_INTENT_SECONDS


def _owner_doc(backend: Backend, key: str) -> typing.Optional[dict]:
    try:
        doc = json.loads(backend.read_bytes(key))
    except (ArtifactError, OSError, ValueError, UnicodeDecodeError):
        return None
    return doc if isinstance(doc, dict) else None


def read_intents(store: "ArtifactStore", grace: float) -> typing.Tuple[typing.Set[str], typing.List[StoredFile]]:
    """The sha256 every live intent names (blobs ``gc`` must keep), and the files of dead intents older than
    ``grace`` (``gc`` removes them)."""
    b = store.backend
    folders: typing.Dict[typing.Tuple[str, str], typing.List[StoredFile]] = {}
    for f in b.list_files(INTENTS):
        parts = intent_parts_of(f.key)
        if parts is not None:
            folders.setdefault(parts[:2], []).append(f)
    shas: typing.Set[str] = set()
    dead: typing.List[StoredFile] = []
    for (ekey, token), files in folders.items():
        owner = [f for f in files if f.key.endswith("/" + INTENT_OWNER)]
        age = min(f.age for f in files)  # the intent's last write
        doc = _owner_doc(b, owner[0].key) if owner else None
        if _live(store, doc, age) or age < grace:
            shas.update(f.key.rsplit("/", 1)[-1] for f in files if f not in owner)
        else:
            # The owner document last, so a removal cut short still leaves an intent gc can judge.
            dead.extend([f for f in files if f not in owner] + owner)
    return shas, dead
