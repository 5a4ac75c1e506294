"""Datasets: named collections of files at a storage URI (a local folder or ``s3://bucket/prefix``), each export
adding one numbered, immutable snapshot that is a plain folder of the files under their names.

In the artifact store (the catalog):

    dataset-names/<name>.json                   name -> id; created exclusively, so names are unique
    datasets/<id>/dataset.json                  id, name, uri, created_at
    datasets/<id>/snapshots/<0000000001>.json   the manifest of each snapshot; creating it is the commit
    datasets/<id>/reserved/<N>.json             snapshot numbers taken by export runs (exclusive creates)
    datasets/<id>/runs/<run>.reserved.json      the number an export run took, so a retry reuses it
    datasets/<id>/runs/<run>.json               the snapshot an export run committed

At the dataset's location:

    snapshots/<N>/<path>                        the files, under their names (reflinks or real copies)
    snapshots/<N>.json                          the manifest, written after every file is in place
    latest                                      the number of the newest committed snapshot

An export takes its number first, puts every file under ``snapshots/<N>/`` (each verified against its sha256),
then writes the manifest beside the folder and in the catalog. A reader sees a snapshot only once its manifest
exists, so never a half-written one. Datasets written before snapshots were folders keep their files under
``blobs/sha256/...``: their manifests' keys point there and are read as they are.
"""

from __future__ import annotations

import json
import secrets
import typing

from ...backends import Backend, Transfer, normalize_location, open_backend
from ...backends.transfer import fetch_verified, land
from ...errors import ArtifactNotFoundError, ArtifactValueError, closest
from ...store import keys
from ...store.artifact_store import ArtifactStore, read_json_or_warn
from ...store.identity import utc_now
from ...store.jsonfiles import read_optional_json
from .. import audit
from .layout import check_unclaimed, point_latest, publish_manifest, resolved_location, snapshot_folder
from .model import (
    ID_RE,
    Dataset,
    DatasetSnapshot,
    ExportItem,
    ExportOutcome,
    SnapshotFile,
    overlaps,
    validate_dataset_name,
    validate_snapshot_path,
)


def normalize_dataset_uri(uri: typing.Any) -> str:
    """A dataset URI in its one canonical spelling: an absolute folder path or ``s3://bucket/prefix``."""
    if not isinstance(uri, str) or not uri.strip():
        raise ArtifactValueError(f"dataset URI must be a folder or s3://bucket/prefix, got {uri!r}")
    return normalize_location(uri)


def _looks_like_id(text: str) -> bool:
    """Whether a name the user gave is spelled like a dataset id (hex, as Domino's and ours are) rather than a name."""
    return len(text) >= 16 and all(c in "0123456789abcdef" for c in text.lower())


def _transfer(item: ExportItem) -> Transfer:
    """Where an item's bytes come from: the record's object, or the file it was converted into."""
    if item.converted is not None:
        c = item.converted
        return Transfer(c.path, c.size, c.sha256)
    return Transfer(item.record.uri, item.record.size, item.record.sha256)


class DatasetCatalog:
    """The datasets of one artifact store, their snapshots, and exports into them."""

    def __init__(self, store: typing.Optional[ArtifactStore] = None):
        self.store = store or ArtifactStore()
        self.backend: Backend = self.store.backend

    # keys (the layout is in store/keys.py)
    _dataset_key = staticmethod(keys.dataset_key)
    _name_key = staticmethod(keys.dataset_name_key)
    _snapshots_prefix = staticmethod(keys.dataset_snapshots_prefix)
    _run_key = staticmethod(keys.dataset_run_key)

    # datasets
    def create(self, name: str, uri: str, dataset_id: typing.Optional[str] = None,
               reason: typing.Optional[str] = None) -> Dataset:
        """Create the dataset ``name`` with its files at ``uri``; ``dataset_id`` (24 hex digits) keeps an id a flow
        already names (a dataset moved from Domino), else a new one is made."""
        name = validate_dataset_name(name)
        uri = normalize_dataset_uri(uri)
        if dataset_id is not None:
            if not isinstance(dataset_id, str) or not ID_RE.match(dataset_id):
                raise ArtifactValueError(
                    f"dataset id {dataset_id!r} is not 24 lowercase hex digits (e.g. 681d3030ae3a706ef9c7f08b): "
                    "give such an id, or leave it out to get a new one"
                )
            if self._by_id(dataset_id) is not None:
                raise ArtifactValueError(f"a dataset with id {dataset_id} already exists: `datasets list` shows it")
        root = resolved_location(self.store.root.rstrip("/"))
        where = resolved_location(uri)
        if where == root:
            raise ArtifactValueError(
                f"dataset URI {uri!r} is the artifact store root itself: give a folder or prefix of its own"
            )
        for other in self.list():
            if overlaps(where, resolved_location(other.uri)):
                raise ArtifactValueError(
                    f"dataset URI {uri!r} overlaps dataset {other.name!r} at {other.uri!r}: two datasets cannot share "
                    "files; give a folder or prefix of its own"
                )
        if overlaps(where, root):
            raise ArtifactValueError(
                f"dataset URI {uri!r} is inside the artifact store at {self.store.root!r}, or holds it (symbolic "
                "links followed): give a folder or prefix outside the store"
            )
        # A missing bucket or an unwritable folder fails here, not in the first export.
        open_backend(uri).check_usable()
        ds = Dataset(id=dataset_id or secrets.token_hex(12), name=name, uri=uri, created_at=utc_now())
        if not self.backend.write_once(
            self._dataset_key(ds.id), json.dumps(ds.as_dict(), indent=1, sort_keys=True).encode()
        ):
            raise ArtifactValueError(f"a dataset with id {ds.id} already exists: `datasets list` shows it")
        if not self.backend.write_once(self._name_key(name), json.dumps({"id": ds.id}).encode()):
            self.backend.delete(self._dataset_key(ds.id))
            existing = self.get(name)
            raise ArtifactValueError(
                f"a dataset named {name!r} already exists (id {existing.id}, at {existing.uri}): pick another name"
            )
        audit.dataset_changed(self.store, "datasets create", reason, dataset=ds.name, dataset_id=ds.id, uri=ds.uri)
        return ds

    def ensure(self, name: str, uri: typing.Optional[str] = None) -> Dataset:
        """The dataset ``name``, created if missing: at ``uri``, or in a ``datasets`` folder beside the store root."""
        try:
            return self.get(name)
        except ArtifactNotFoundError:
            pass
        if uri is None:
            uri = self.backend.sibling("datasets", name)
        return self.create(name, uri)

    def list(self) -> typing.List[Dataset]:
        out = []
        for n in self.backend.list_children("dataset-names"):
            if not n.endswith(".json"):
                continue
            entry = read_json_or_warn(self.backend, f"dataset-names/{n}")
            ds = self._by_id(entry["id"]) if entry is not None and "id" in entry else None
            if ds is not None:
                out.append(ds)
        return sorted(out, key=lambda d: d.name)

    def _by_id(self, dataset_id: str) -> typing.Optional[Dataset]:
        d = read_optional_json(self.backend, self._dataset_key(dataset_id))
        try:
            return Dataset.from_dict(d) if d is not None else None
        except KeyError:
            return None

    def _resolve(self, dataset: typing.Union[str, Dataset]) -> Dataset:
        return dataset if isinstance(dataset, Dataset) else self.get(dataset)

    def get(self, id_or_name: str) -> Dataset:
        if not isinstance(id_or_name, str) or not id_or_name.strip():
            raise ArtifactValueError(f"dataset must be a dataset id or name, got {id_or_name!r}")
        if ID_RE.match(id_or_name):
            ds = self._by_id(id_or_name)
            if ds is not None:
                return ds
        entry = read_optional_json(self.backend, self._name_key(id_or_name))
        if entry is not None and "id" in entry:
            ds = self._by_id(entry["id"])
            if ds is not None:
                return ds
        known = self.list()
        have = ", ".join(f"{d.name} ({d.id})" for d in known) or "none"
        match = closest(id_or_name, [d.name for d in known])
        if match is not None:
            fix = f"did you mean {match!r}?"
        elif _looks_like_id(id_or_name):
            fix = ("to give a new dataset this id: `flyte-artifacts datasets create NAME "
                   f"--uri FOLDER|s3://BUCKET/PREFIX --id {id_or_name}`")
        else:
            fix = f"create it with `flyte-artifacts datasets create {id_or_name} --uri FOLDER|s3://BUCKET/PREFIX`"
        raise ArtifactNotFoundError(
            f"no dataset with id or name {id_or_name!r} in the store at {self.store.root!r} (datasets: {have}): {fix}"
        )

    # snapshots
    def _numbers(self, dataset_id: str) -> typing.List[int]:
        out = []
        for n in self.backend.list_children(self._snapshots_prefix(dataset_id)):
            number = keys.snapshot_number_of(n)
            if number is not None:
                out.append(number)
        return sorted(out)

    def _read_snapshot(self, dataset_id: str, number: int) -> typing.Optional[DatasetSnapshot]:
        key = keys.dataset_snapshot_key(dataset_id, number)
        d = read_json_or_warn(self.backend, key)
        try:
            return DatasetSnapshot.from_dict(d) if d is not None else None
        except (KeyError, TypeError):
            return None

    def snapshots(self, dataset: typing.Union[str, Dataset]) -> typing.List[DatasetSnapshot]:
        """The committed snapshots of ``dataset``, oldest first (a damaged manifest is skipped with a warning)."""
        ds = self._resolve(dataset)
        return [s for s in (self._read_snapshot(ds.id, n) for n in self._numbers(ds.id)) if s is not None]

    def snapshot(
        self, dataset: typing.Union[str, Dataset], number: typing.Union[int, str, None] = "latest"
    ) -> DatasetSnapshot:
        ds = self._resolve(dataset)
        numbers = self._numbers(ds.id)
        if number is None or (isinstance(number, str) and number.strip().lower() == "latest"):
            if not numbers:
                raise ArtifactNotFoundError(f"dataset {ds.name!r} ({ds.id}) has no snapshots yet: export into it first")
            return self._checked(ds, numbers[-1])
        try:
            n = int(number)
        except (TypeError, ValueError):
            raise ArtifactValueError(f"snapshot must be a number or 'latest', got {number!r}") from None
        if n not in numbers:
            have = f"1..{numbers[-1]}" if numbers else "none yet"
            raise ArtifactNotFoundError(f"dataset {ds.name!r} ({ds.id}) has no snapshot {n} (snapshots: {have})")
        return self._checked(ds, n)

    def _checked(self, ds: Dataset, number: int) -> DatasetSnapshot:
        snap = self._read_snapshot(ds.id, number)
        if snap is None:
            raise ArtifactNotFoundError(
                f"the manifest of snapshot {number} of dataset {ds.name!r} is damaged: `flyte-artifacts verify` "
                "says more, `verify --repair` restores it from the copy beside the files"
            )
        return snap

    def download(
        self,
        dataset: typing.Union[str, Dataset],
        path: str,
        dest: str,
        number: typing.Union[int, str, None] = "latest",
        progress=None,
    ) -> SnapshotFile:
        """Write one file of a snapshot to ``dest``, checked against its sha256.

        A mismatch leaves ``dest`` as it was.
        """
        ds = self._resolve(dataset)
        f = self.snapshot(ds, number).file(validate_snapshot_path(path))
        fetch_verified(self.file_uri(ds, f), dest, f.size, f.sha256, f"{path!r} in dataset {ds.name!r}", progress)
        return f

    def file_uri(self, dataset: typing.Union[str, Dataset], f: SnapshotFile) -> str:
        """Where the bytes of one snapshot file are (a path or an object URI)."""
        return open_backend(self._resolve(dataset).uri).uri(f.key)

    # exporting
    def export(
        self,
        dataset: typing.Union[str, Dataset],
        items: typing.Sequence[ExportItem],
        run_key: str,
        source: typing.Dict[str, str],
        progress: typing.Optional[typing.Callable[[int], None]] = None,
        link: bool = False,
        reason: typing.Optional[str] = None,
    ) -> ExportOutcome:
        """Copy ``items`` into the dataset and commit them as its next snapshot.

        ``run_key`` names this export run (an execution's export node, or a one-off manual export): a second call
        with the same key returns the snapshot the first committed instead of making another, and a call after one
        that died half way reuses its number, keeps the files already in place that are right, and commits once.
        ``link=True`` hard-links local sources instead of copying them (see ``backends/local/copies.py`` for the risk).
        """
        ds = self._resolve(dataset)
        items = list(items)
        seen: typing.Dict[str, ExportItem] = {}
        for it in items:
            validate_snapshot_path(it.path)
            if it.path in seen:
                a, b = seen[it.path].record, it.record
                raise ArtifactValueError(
                    f"two files would land at {it.path!r} in dataset {ds.name!r}: {a.artifact!r}/{a.filename!r} and "
                    f"{b.artifact!r}/{b.filename!r}; export them into different datasets or rename one of the files"
                )
            seen[it.path] = it

        reused = self._reuse(ds, run_key)
        if reused is not None:
            return reused
        number = self._reserve(ds.id, run_key)
        check_unclaimed(ds.uri, number, ds.id, ds.name)
        folder = snapshot_folder(number)
        placements = [(_transfer(it), f"{folder}/{it.path}") for it in items]
        land(ds.uri, placements, progress, link=link and not any(it.converted for it in items))

        files = tuple(
            SnapshotFile(
                path=it.path,
                size=it.converted.size if it.converted else it.record.size,
                sha256=it.converted.sha256 if it.converted else it.record.sha256,
                key=f"{folder}/{it.path}",
                artifact=it.record.artifact,
                filename=it.record.filename,
                type=it.record.type,
                execution_id=it.record.execution_id,
                node_id=it.record.node_id,
                task=it.record.task,
                output_name=it.record.output_name,
                source_uri=it.record.uri,
                format=it.converted.format if it.converted else "",
            )
            for it in sorted(items, key=lambda i: i.path)
        )
        snap = self._commit(ds, number, files, run_key, source)
        self.backend.write_once(self._run_key(ds.id, run_key), json.dumps({"number": snap.number}).encode())
        self._point_latest(ds)
        audit.dataset_changed(
            self.store, "datasets export", reason,
            [{"path": f.path, "artifact": f.artifact, "filename": f.filename, "sha256": f.sha256} for f in snap.files],
            dataset=ds.name, snapshot=snap.number, execution=snap.execution_id or None, run_key=run_key,
        )
        return ExportOutcome(snap, False)

    def _reuse(self, ds: Dataset, run_key: str) -> typing.Optional[ExportOutcome]:
        done = self._committed_by(ds.id, run_key)
        if done is None:
            return None
        self._publish(ds, done)
        self._point_latest(ds)
        return ExportOutcome(done, True)

    def _committed_by(self, dataset_id: str, run_key: str) -> typing.Optional[DatasetSnapshot]:
        """The snapshot ``run_key`` committed, if any: the one its marker names, or the one under the number it
        reserved (the exporter may have died between the commit and the marker)."""
        entry = read_optional_json(self.backend, self._run_key(dataset_id, run_key))
        if entry is not None and "number" in entry:
            return self._read_snapshot(dataset_id, entry["number"])
        n = (read_optional_json(self.backend, self._run_key(dataset_id, run_key, ".reserved")) or {}).get("number")
        if n in self._numbers(dataset_id):
            return self._read_snapshot(dataset_id, n)
        return None

    def _reserve(self, dataset_id: str, run_key: str) -> int:
        """The snapshot number this export run writes its files under: taken once per run (an exclusive create of
        ``reserved/<N>.json``), so concurrent exporters never share a folder and a retry finds its own again. A run
        that dies and is never retried leaves its number unused."""
        mine = self._run_key(dataset_id, run_key, ".reserved")
        entry = read_optional_json(self.backend, mine)
        if entry is not None and isinstance(entry.get("number"), int):
            return entry["number"]
        prefix = keys.dataset_reserved_prefix(dataset_id)
        taken = [n for n in map(keys.snapshot_number_of, self.backend.list_children(prefix)) if n is not None]
        n = max(taken + self._numbers(dataset_id) + [0]) + 1
        claim = json.dumps({"run_key": run_key}).encode()
        while not self.backend.write_once(keys.dataset_reserved_key(dataset_id, n), claim):
            n += 1
        if not self.backend.write_once(mine, json.dumps({"number": n}).encode()):
            # The same run reserved concurrently (two attempts at once): use the number it recorded first.
            entry = read_json_or_warn(self.backend, mine) or {}
            n = entry.get("number", n)
        return n

    def _commit(
        self, ds: Dataset, number: int, files: typing.Tuple[SnapshotFile, ...], run_key: str, source: dict
    ) -> DatasetSnapshot:
        """Write the manifest, last: beside the files in the dataset (``snapshots/<N>.json``, which makes the folder
        a snapshot for anyone reading the dataset directly), then in the catalog (which makes it one for the CLI)."""
        snap = DatasetSnapshot(
            dataset_id=ds.id,
            dataset_name=ds.name,
            number=number,
            created_at=utc_now(),
            execution_id=source.get("execution_id", ""),
            project=source.get("project", ""),
            domain=source.get("domain", ""),
            workflow=source.get("workflow", ""),
            node_id=source.get("node_id", ""),
            run_key=run_key,
            files=files,
        )
        data = self._publish(ds, snap)
        if not self.backend.write_once(keys.dataset_snapshot_key(ds.id, number), data):
            return self._checked(ds, number)  # an attempt of this run committed it first
        return snap

    def _publish(self, ds: Dataset, snap: DatasetSnapshot) -> bytes:
        return publish_manifest(ds.uri, snap)

    def _point_latest(self, ds: Dataset) -> None:
        point_latest(ds.uri, self._numbers(ds.id))
