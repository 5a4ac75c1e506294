"""``datasets prune``: remove a dataset's old snapshots (manifests and files), never the one ``latest`` names.

Order, so a killed prune leaves every remaining snapshot whole and ``verify`` passing: the manifest beside the
folder goes first (readers of the dataset's location no longer see the snapshot), then the catalog's manifest
(the CLI no longer sees it), then the files. Files left by a killed prune belong to no manifest; ``gc`` removes
them. A file named by a snapshot that stays (snapshots of old datasets share ``blobs/...`` keys) is never removed.
"""

from __future__ import annotations

import time
import typing

from ...backends import open_backend
from ...errors import ArtifactValueError
from ...store.keys import dataset_snapshot_key
from .. import audit
from .objects import delete_keys, list_files, remove_empty_folders
from .prune import _age
from .report import Outcome, Removal


def prune_snapshots(
    catalog,
    dataset: str,
    keep_last: typing.Optional[int] = None,
    older_than: typing.Optional[float] = None,
    dry_run: bool = False,
    progress: typing.Optional[typing.Callable[[int], None]] = None,
    now: typing.Optional[float] = None,
    reason: typing.Optional[str] = None,
) -> Outcome:
    """Remove the snapshots of ``dataset`` beyond the newest ``keep_last`` and older than ``older_than`` seconds
    (each rule only when given); the newest snapshot always stays."""
    if keep_last is None and older_than is None:
        raise ArtifactValueError("say what to keep: give --keep-last N, --older-than AGE (e.g. 90d), or both")
    if keep_last is not None and (not isinstance(keep_last, int) or keep_last < 1):
        raise ArtifactValueError(f"--keep-last must be a whole number >= 1 (the newest snapshot stays), got "
                                 f"{keep_last!r}")
    now = time.time() if now is None else now
    ds = catalog.get(dataset)
    snaps = sorted(catalog.snapshots(ds), key=lambda s: s.number, reverse=True)
    out = Outcome(dry_run)
    prune = _select(ds, snaps, keep_last, older_than, now, out)
    keep_keys = {f.key for s in snaps if s not in prune for f in s.files}
    target = open_backend(ds.uri)
    for snap in prune:
        _remove_snapshot(catalog, ds, target, snap, keep_keys, out)
        if progress is not None:
            progress(1)
    audit.removed(catalog.store, "datasets prune", out, reason, dataset=ds.name)
    return out


def _select(ds, snaps, keep_last: typing.Optional[int], older_than: typing.Optional[float], now: float,
            out: Outcome) -> list:
    """The snapshots (newest first) to prune; each one kept is told to ``out`` with its reason."""
    prune = []
    for i, snap in enumerate(snaps):
        if i == 0:
            out.kept.append((f"{ds.name} snapshot {snap.number}", "the newest (latest names it)"))
        elif keep_last is not None and i < keep_last:
            out.kept.append((f"{ds.name} snapshot {snap.number}", f"one of the newest {keep_last}"))
        elif older_than is not None and _age({"created_at": snap.created_at}, now) <= older_than:
            out.kept.append((f"{ds.name} snapshot {snap.number}", "younger than the age given"))
        else:
            prune.append(snap)
    return prune


def _remove_snapshot(catalog, ds, target, snap, keep_keys: typing.Set[str], out: Outcome) -> None:
    """One snapshot: its manifests, then its files (those of no snapshot that stays, and any left in its folder)."""
    from ..datasets.layout import manifest_key, snapshot_folder

    folder = snapshot_folder(snap.number)
    extra = [f for f in list_files(target, folder, include_temp=True)]
    files = sorted({f.key for f in snap.files if f.key not in keep_keys} | {f.key for f in extra})
    sizes = {f.key: f.size for f in extra}
    sizes.update({f.key: f.size for f in snap.files if f.key not in sizes})
    out.removed.append(Removal("snapshot", f"{ds.name} snapshot {snap.number}",
                               sum(sizes.get(k, 0) for k in files)))
    if not out.dry_run:
        target.delete(manifest_key(snap.number))
        catalog.backend.delete(dataset_snapshot_key(ds.id, snap.number))
        delete_keys(target, files)
        remove_empty_folders(target, folder)
