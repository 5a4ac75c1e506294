"""``gc``: free the bytes nothing needs any more, from one listing of the store (and of each dataset).

Removed:

* stored bytes (``blobs/sha256/...``) that no record names, whatever the record's run status, and no live intent
  names (``store/intents.py``: a recording names the bytes it stores before it stores them, until its records are
  written); only once they are older than the grace period, checked again at the moment of removal
  (:func:`objects.remove_if_stale`);
* intents of recordings that died (their process is gone, their run over) once older than the grace period;
* at each dataset's location, files that no snapshot manifest names (a snapshot pruned half way, an export that
  died and was never retried), again only past the grace period;
* temp files of killed writes (``.tmp-*``, S3 ``tmp/``) older than an hour.

If any record cannot be read, no stored bytes are removed (its bytes cannot be told apart): ``verify`` names it.
"""

from __future__ import annotations

import json
import typing
from concurrent.futures import ThreadPoolExecutor

from ...backends import BLOB_PREFIX, Backend, open_backend
from ...errors import ArtifactError
from ...store.artifact_store import ArtifactStore
from ...store.intents import read_intents
from ...store.keys import EXECUTIONS, is_record_key
from .. import audit
from .objects import TEMP_GRACE_SECONDS, StoredFile, delete_keys, list_files, remove_if_stale
from .report import Outcome, Removal

#: Bytes younger than this are never collected: a run may be about to write the record that needs them.
DEFAULT_GRACE_SECONDS = 3600
_READERS = 16


def _record_shas(b: Backend, keys: typing.Sequence[str]) -> typing.Tuple[typing.Set[str], typing.List[str]]:
    """The sha256 of every record in ``keys``, and the keys of records that could not be read."""
    def one(key: str) -> typing.Optional[str]:
        try:
            d = json.loads(b.read_bytes(key))
            return d["sha256"] if isinstance(d, dict) and isinstance(d.get("sha256"), str) else None
        except (ArtifactError, OSError, ValueError, UnicodeDecodeError):
            return None

    # A few cheap reads go faster in this thread; many, or reads that are requests, on a pool.
    if b.concurrency <= 1 and len(keys) < 64:
        shas = [one(k) for k in keys]
    else:
        with ThreadPoolExecutor(max_workers=_READERS) as pool:
            shas = list(pool.map(one, keys, chunksize=64))
    bad = [k for k, s in zip(keys, shas) if s is None and b.exists(k)]
    return {s for s in shas if s}, bad


def collect_garbage(
    store: ArtifactStore,
    grace: float = DEFAULT_GRACE_SECONDS,
    dry_run: bool = False,
    progress: typing.Optional[typing.Callable[[int], None]] = None,
    reason: typing.Optional[str] = None,
) -> Outcome:
    """Remove unreferenced stored bytes, dataset files no manifest names, and stale temp files (module docstring)."""
    out = Outcome(dry_run)
    b = store.backend
    # Intents read before and after the listing: bytes named by a recording that wrote its records and removed its
    # intent while the listing ran are seen named one way or the other.
    intended, _ = read_intents(store, grace)
    listing = list_files(b, "", include_temp=True)
    if progress is not None:
        progress(len(listing) // 2)
    temps = [f for f in listing if b.is_temp(f.key)]
    blobs = [f for f in listing if f.key.startswith(BLOB_PREFIX + "/") and not b.is_temp(f.key)
             and len(f.key.rsplit("/", 1)[-1]) == 64]
    records = [f.key for f in listing if is_record_key(f.key) and not b.is_temp(f.key)]
    # Records matter only to tell which stored bytes are still named: a store of cluster runs, whose records point
    # at the objects their tasks uploaded, keeps none, and is collected from its listing alone.
    shas, bad = _record_shas(b, records) if blobs else (set(), [])
    after, dead = read_intents(store, grace)
    shas |= intended | after
    if progress is not None:
        progress(len(listing) - len(listing) // 2)
    if bad:
        out.kept.append((f"{len(blobs)} stored objects", f"record(s) cannot be read ({', '.join(bad[:3])}): "
                         "`flyte-artifacts verify` names them; fix or remove them, then run gc again"))
    else:
        _collect_blobs(store, blobs, shas, set(records), grace, out)
    out.removed.extend(Removal("intent", b.uri(f.key), f.size) for f in dead)
    if not dry_run:
        delete_keys(b, [f.key for f in dead])
    _remove_temps(b, temps, out)
    _collect_datasets(store, grace, out)
    audit.removed(store, "gc", out, reason)
    return out


def _collect_blobs(store: ArtifactStore, blobs: typing.Sequence[StoredFile], shas: typing.Set[str],
                   seen: typing.Set[str], grace: float, out: Outcome) -> None:
    """Remove the blobs nothing names, once older than the grace period. Before any is removed the records are
    listed again: a recording may have written the record naming a blob, and removed its intent, while the first
    listing ran (it saw the blob, not yet the record); those records are read too, and so are the intents."""
    b = store.backend
    unnamed = []
    for f in blobs:
        if f.key.rsplit("/", 1)[-1] in shas:
            continue
        if f.age < grace:
            out.kept.append((b.uri(f.key), "younger than the grace period (a run may be writing its record)"))
            continue
        unnamed.append(f)
    if not unnamed:
        return
    fresh = [k for k in b.list(EXECUTIONS) if is_record_key(k) and not b.is_temp(k) and k not in seen]
    more, bad = _record_shas(b, fresh)
    if bad:
        out.kept.append((f"{len(unnamed)} stored objects", f"record(s) cannot be read ({', '.join(bad[:3])}): "
                         "`flyte-artifacts verify` names them; fix or remove them, then run gc again"))
        return
    named = more | read_intents(store, grace)[0]
    for f in unnamed:
        if f.key.rsplit("/", 1)[-1] in named:
            continue
        if out.dry_run or remove_if_stale(b, f.key, grace):
            out.removed.append(Removal("blob", b.uri(f.key), f.size))


def _remove_temps(b: Backend, temps: typing.Sequence[StoredFile], out: Outcome) -> None:
    stale = [f for f in temps if f.age >= TEMP_GRACE_SECONDS]
    out.removed.extend(Removal("temp", b.uri(f.key), f.size) for f in stale)
    if not out.dry_run:
        delete_keys(b, [f.key for f in stale])


def _collect_datasets(store: ArtifactStore, grace: float, out: Outcome) -> None:
    from ..datasets import DatasetCatalog

    catalog = DatasetCatalog(store)
    for ds in catalog.list():
        target = open_backend(ds.uri)
        listing = list_files(target, "", include_temp=True)
        needed = {"latest"}
        for snap in catalog.snapshots(ds):
            needed.update(f.key for f in snap.files)
        for f in listing:
            if f.key.startswith("snapshots/") and f.key.endswith(".json") and f.key.count("/") == 1:
                needed.add(f.key)  # a manifest beside its folder: it and its files stay
                try:
                    doc = json.loads(target.read_bytes(f.key))
                    needed.update(x["key"] for x in doc.get("files", []) if isinstance(x, dict) and "key" in x)
                except (ArtifactError, OSError, ValueError, UnicodeDecodeError, AttributeError):
                    continue
        _remove_temps(target, [f for f in listing if target.is_temp(f.key)], out)
        for f in listing:
            if f.key in needed or target.is_temp(f.key) or not f.key.startswith(("snapshots/", "blobs/")):
                continue
            if f.age < grace:
                out.kept.append((target.uri(f.key), "younger than the grace period (an export may be writing it)"))
                continue
            if out.dry_run or remove_if_stale(target, f.key, grace):
                out.removed.append(Removal("dataset-file", target.uri(f.key), f.size))
