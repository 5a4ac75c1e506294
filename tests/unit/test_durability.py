"""Group commit: a run's bytes are durable before any record names them, in a few syncs rather than one per file;
and finishing a run writes its index entries once, whatever is repeated."""

import os

import pytest

from flytekitplugins.artifacts.backends import durable
from flytekitplugins.artifacts.ops.recording import record_files
from flytekitplugins.artifacts.store import keys
from flytekitplugins.artifacts.store.artifact_store import SUCCEEDED, ArtifactStore


def _manifest(n: int) -> dict:
    return {"files": [
        {"workflow": "wf", "node_id": "n0", "task": "t", "output_name": f"o{i}", "artifact": "Durable",
         "type": "DATA", "filename": f"f{i:03d}.txt", "file_type": "txt"}
        for i in range(n)
    ]}


def _sources(tmp_path, n: int):
    paths = []
    for i in range(n):
        p = tmp_path / "src" / f"f{i:03d}.txt"
        p.parent.mkdir(exist_ok=True)
        p.write_text(f"file {i}\n")
        paths.append(str(p))
    return paths


class Journal:
    """Records, in order, every file put in place in the store and every sync, as the OS sees them."""

    def __init__(self, monkeypatch, root: str):
        self.events = []
        self.root = root
        real_link, real_replace, real_fsync, real_syncfs = os.link, os.replace, os.fsync, durable.syncfs

        def placed(dst):
            dst = os.fspath(dst)
            if dst.startswith(root):
                self.events.append(("placed", os.path.relpath(dst, root)))

        def link(src, dst, *a, **k):
            real_link(src, dst, *a, **k)
            placed(dst)

        def replace(src, dst, *a, **k):
            real_replace(src, dst, *a, **k)
            placed(dst)

        def fsync(fd):
            real_fsync(fd)
            path = os.readlink(f"/proc/self/fd/{fd}")
            self.events.append(("fsync", os.path.relpath(path, root)))

        def syncfs(folder):
            done = real_syncfs(folder)
            if done:
                self.events.append(("syncfs", None))
            return done

        monkeypatch.setattr(os, "link", link)
        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(durable, "syncfs", syncfs)

    def durable_before(self, index: int, rel: str) -> bool:
        """Whether the file ``rel`` (placed before event ``index``) was made durable before that event."""
        placed_at = next(i for i, e in enumerate(self.events) if e == ("placed", rel))
        return any(
            kind == "syncfs" or (kind == "fsync" and path == rel)
            for kind, path in self.events[placed_at + 1:index]
        )

    def syncs(self) -> int:
        return sum(1 for kind, _ in self.events if kind in ("fsync", "syncfs"))


@pytest.mark.parametrize("files, by_syncfs", [(3, False), (60, True)])
def test_bytes_are_durable_before_the_first_record_names_them(tmp_path, monkeypatch, artifacts_root, files,
                                                             by_syncfs):
    if by_syncfs and (durable.syncfs(str(tmp_path)) is False
                      or durable.filesystem_type(os.stat(tmp_path).st_dev) not in durable.SYNCFS_FILESYSTEMS):
        pytest.skip("no syncfs(2) here, or not on a filesystem trusted with it")
    store = ArtifactStore(artifacts_root)
    store.backend.check_usable()
    journal = Journal(monkeypatch, store.root)
    records = record_files(_manifest(files), _sources(tmp_path, files), store)
    assert len(records) == files

    events = journal.events
    first_record = next(i for i, e in enumerate(events) if e[0] == "placed" and "/records/" in e[1])
    blobs = [e[1] for e in events[:first_record] if e[0] == "placed" and e[1].startswith("blobs/sha256/")]
    assert len(blobs) == files
    assert all(journal.durable_before(first_record, b) for b in blobs)
    # Every record is durable before the run is marked succeeded (execution.json replaced last of the records).
    finished = max(i for i, e in enumerate(events) if e[0] == "placed" and e[1].endswith("/execution.json"))
    for kind, rel in events[:finished]:
        if kind == "placed" and "/records/" in rel:
            assert journal.durable_before(finished, rel), rel
    used_syncfs = any(kind == "syncfs" for kind, _ in events)
    assert used_syncfs == by_syncfs
    if by_syncfs:
        # One batch for the bytes, one for the records, one for the status and the index: not one per file.
        assert journal.syncs() <= 4, events


@pytest.mark.parametrize("why", ["no syncfs", "untrusted filesystem"])
def test_a_batch_without_syncfs_still_syncs_every_file_and_folder(tmp_path, monkeypatch, artifacts_root, why):
    """Where the platform has no syncfs, or the filesystem is not one whose syncfs is known to make files durable
    (a FUSE mount, say), a large batch falls back to one fsync per file and folder."""
    if why == "no syncfs":
        monkeypatch.setattr(durable, "_syncfs_call", lambda: None)
    else:
        monkeypatch.setattr(durable, "filesystem_type", lambda device: "fuse.sshfs")
    store = ArtifactStore(artifacts_root)
    store.backend.check_usable()
    journal = Journal(monkeypatch, store.root)
    record_files(_manifest(40), _sources(tmp_path, 40), store)
    assert not [kind for kind, _ in journal.events if kind == "syncfs"]
    synced = {path for kind, path in journal.events if kind == "fsync"}
    blobs = {rel for kind, rel in journal.events if kind == "placed" and rel.startswith("blobs/sha256/")}
    assert blobs and blobs <= synced
    assert {os.path.dirname(b) for b in blobs} <= synced


def test_a_failed_syncfs_fails_the_recording_before_any_record(tmp_path, monkeypatch, artifacts_root):
    store = ArtifactStore(artifacts_root)
    store.backend.check_usable()

    def broken(folder):
        raise OSError(5, "Input/output error", folder)

    monkeypatch.setattr(durable, "syncfs", broken)
    with pytest.raises(OSError, match="Input/output error"):
        record_files(_manifest(40), _sources(tmp_path, 40), store)
    assert store.backend.list("executions") == []


def test_finishing_a_run_again_writes_no_second_entry(tmp_path, artifacts_root):
    store = ArtifactStore(artifacts_root)
    record_files(_manifest(5), _sources(tmp_path, 5), store)
    eid = store.executions()[0]["execution_id"]
    run = store.execution_info(eid)
    assert run["status"] == SUCCEEDED and isinstance(run["index_ms"], int)
    before = sorted(store.backend.list("index"))
    store.finish_run(eid, SUCCEEDED)
    store.reindex_run(store.execution_info(eid))
    assert sorted(store.backend.list("index")) == before
    # A crash that lost some entries: reindexing puts back exactly the same names.
    prefix = keys.file_index_prefix("Durable", "f002.txt")
    (lost,) = store.backend.list_children(prefix)
    store.backend.delete(f"{prefix}/{lost}")
    store.reindex_run(store.execution_info(eid))
    assert store.backend.list_children(prefix) == [lost]
    assert sorted(store.backend.list("index")) == before


def test_a_run_finished_before_runs_kept_their_index_time_is_not_indexed_twice(tmp_path, artifacts_root):
    """Runs from before ``index_ms`` existed are checked against the listing instead."""
    import json

    store = ArtifactStore(artifacts_root)
    record_files(_manifest(2), _sources(tmp_path, 2), store)
    eid = store.executions()[0]["execution_id"]
    run = store.execution_info(eid)
    del run["index_ms"]
    store.backend.write(f"{keys.execution_prefix(eid)}/execution.json", json.dumps(run).encode())
    before = sorted(store.backend.list("index"))
    store.reindex_run(store.execution_info(eid))
    assert sorted(store.backend.list("index")) == before


def test_finishing_a_run_indexes_the_records_just_written_without_reading_them_back(tmp_path, monkeypatch,
                                                                                     artifacts_root):
    """In a pod every record read is a request: the recorder indexes what it wrote, from memory."""
    store = ArtifactStore(artifacts_root)
    reads = []
    real = store.backend.read_bytes
    monkeypatch.setattr(store.backend, "read_bytes", lambda key: reads.append(key) or real(key))
    record_files(_manifest(12), _sources(tmp_path, 12), store)
    assert not [k for k in reads if "/records/" in k]
    eid = store.executions()[0]["execution_id"]
    from flytekitplugins.artifacts.store.selector import RecordSelector, select_record

    assert all(select_record(store, RecordSelector("Durable", f"f{i:03d}.txt")).execution_id == eid for i in range(12))


def test_a_run_that_succeeds_again_keeps_its_index_names(tmp_path, artifacts_root):
    """A status moved back and forth (a repair, a re-marked run) never indexes one run twice."""
    store = ArtifactStore(artifacts_root)
    record_files(_manifest(3), _sources(tmp_path, 3), store)
    eid = store.executions()[0]["execution_id"]
    before = sorted(store.backend.list("index"))
    store.finish_run(eid, "failed")
    store.finish_run(eid, SUCCEEDED)
    assert sorted(store.backend.list("index")) == before
    assert [e["execution_id"] for e in store.executions()] == [eid]


# ---- a short write is never kept as the whole file -------------------------------------------------------------


class _ShortWriter:
    """An unbuffered file near a full disk: write() takes at most ``step`` bytes, then none at all."""

    def __init__(self, step, room):
        self.step, self.room, self.data = step, room, bytearray()

    def write(self, view):
        n = min(self.step, len(view), self.room - len(self.data))
        self.data += bytes(view[:n])
        return n


@pytest.mark.parametrize("overlap", [True, False])
def test_copy_hashing_writes_every_byte_through_short_writes(overlap):
    import hashlib
    import io

    from flytekitplugins.artifacts.backends.digest import copy_hashing

    data = os.urandom(3 << 20)
    dst = _ShortWriter(step=70_001, room=len(data))
    assert copy_hashing(io.BytesIO(data), dst, overlap=overlap) == (len(data), hashlib.sha256(data).hexdigest())
    assert bytes(dst.data) == data
    full = _ShortWriter(step=70_001, room=1 << 20)  # the disk fills up part way
    with pytest.raises(OSError, match="disk full"):
        copy_hashing(io.BytesIO(data), full, overlap=overlap)


def test_a_large_copy_shorter_than_its_source_is_never_named(tmp_path, monkeypatch):
    from flytekitplugins.artifacts.backends.digest import copy_hashing
    from flytekitplugins.artifacts.backends.local import backend as local_backend

    def lossy(src, dst, progress=None, overlap=True):  # the old failure: writes dropped, the hash of the source
        data = src.read()
        dst.write(data[: len(data) // 2])
        import hashlib

        return len(data), hashlib.sha256(data).hexdigest()

    store = ArtifactStore(str(tmp_path / "store"))
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 << 20))
    monkeypatch.setattr(local_backend, "copy_hashing", lossy)
    with pytest.raises(OSError, match="holds 1,572,864 of its 3,145,728 bytes"):
        store.put_local_file(str(big))
    blobs = [n for _, _, names in os.walk(tmp_path / "store") for n in names]
    assert blobs == [], blobs  # no blob, no temp file
    monkeypatch.setattr(local_backend, "copy_hashing", copy_hashing)
    uri, size, _ = store.put_local_file(str(big))
    assert size == 3 << 20 and open(uri, "rb").read() == big.read_bytes()


def test_a_run_whose_index_cannot_be_written_is_not_left_succeeded(tmp_path, monkeypatch):
    """A full disk (or a cut S3 read) while the index is written: the run is not marked succeeded with its files
    missing from listings; it stays as it was, and finishing it again (a retried recorder) completes it."""
    import errno

    store = ArtifactStore(str(tmp_path / "store"))
    src = tmp_path / "f.csv"
    src.write_text("a\n1\n")
    uri, size, sha = store.put_local_file(str(src))
    from flytekitplugins.artifacts.store.artifact_store import Record

    rec = store.add_record(Record("e1", "p", "d", "wf", "n0", "t", "o0", "A", "DATA", "f.csv", "csv", uri, size, sha,
                                  "2026-01-01T00:00:00.000Z"), pending=True)
    real = ArtifactStore._index_run

    def full_disk(self, run, records):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ArtifactStore, "_index_run", full_disk)
    with pytest.raises(OSError, match="No space left"):
        store.finish_run("e1", SUCCEEDED, [rec])
    assert store.run_status("e1") != SUCCEEDED and store.executions() == []
    monkeypatch.setattr(ArtifactStore, "_index_run", real)
    store.finish_run("e1", SUCCEEDED, [rec])
    assert store.run_status("e1") == SUCCEEDED and [r["execution_id"] for r in store.executions()] == ["e1"]
