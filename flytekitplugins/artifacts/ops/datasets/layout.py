"""Where a snapshot lives at its dataset's location: ``snapshots/<N>/<path>`` (the files), ``snapshots/<N>.json``
(the manifest, written last) and ``latest`` (the number of the newest committed snapshot)."""

from __future__ import annotations

import json
import os
import typing

from ...backends import local_file, open_backend
from ...errors import ArtifactNotFoundError, ArtifactValueError
from .model import DatasetSnapshot

#: At a dataset's location: a text file naming the newest committed snapshot's number.
LATEST = "latest"


def snapshot_folder(number: int) -> str:
    """Where a snapshot's files live, relative to the dataset's location: ``snapshots/<N>``."""
    return f"snapshots/{number}"


def manifest_key(number: int) -> str:
    """Where a snapshot's manifest lives beside its folder: ``snapshots/<N>.json``."""
    return f"{snapshot_folder(number)}.json"


def resolved_location(uri: str) -> str:
    """A location as it really is: a local folder with every symbolic link resolved, an S3 URI as written."""
    path = local_file(uri)
    return os.path.realpath(path) if path is not None else uri


def check_unclaimed(dataset_uri: str, number: int, dataset_id: str, name: str) -> None:
    """Refuse to write snapshot ``number`` where another dataset (another store's catalog pointed at the same
    location) has committed a snapshot of that number already: its files would be overwritten under its manifest."""
    target = open_backend(dataset_uri)
    key = manifest_key(number)
    if not target.exists(key):
        return
    try:
        owner = json.loads(target.read_bytes(key)).get("dataset_id")
    except (ArtifactNotFoundError, ValueError, UnicodeDecodeError, AttributeError):
        owner = None  # a damaged manifest: `verify` names it; its folder is not ours to overwrite either
    if owner == dataset_id:
        return
    raise ArtifactValueError(
        f"dataset {name!r} would write its snapshot {number} at {target.uri(snapshot_folder(number))!r}, but that "
        f"location already holds a snapshot {number} of another dataset ({owner or 'unreadable manifest'}), most "
        "likely one made through another store: nothing was written. Export into a dataset whose location no other "
        "store uses (`flyte-artifacts datasets create NEW_NAME --uri ...`), or point FLYTE_ARTIFACTS_ROOT at the "
        "store that owns this one"
    )


def publish_manifest(dataset_uri: str, snap: DatasetSnapshot) -> bytes:
    """Write the manifest beside the snapshot's folder, once: from then on the folder is a snapshot. Returns the
    manifest's bytes (the catalog keeps the same)."""
    data = json.dumps(snap.as_dict(), indent=1, sort_keys=True).encode()
    open_backend(dataset_uri).write_once(manifest_key(snap.number), data)
    return data


def point_latest(dataset_uri: str, numbers: typing.Sequence[int]) -> None:
    """Make ``latest`` name the newest of the committed ``numbers`` (never an older one than it names)."""
    if not numbers:
        return
    target = open_backend(dataset_uri)
    try:
        current = int(target.read_bytes(LATEST).decode().strip() or 0)
    except (ArtifactNotFoundError, ValueError, UnicodeDecodeError):
        current = 0
    if max(numbers) > current:
        target.write(LATEST, f"{max(numbers)}\n".encode())
