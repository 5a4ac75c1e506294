"""The newest-entry pointer of an index: right after concurrent writers, ignored when it names nothing."""

import concurrent.futures
import json
import random

import pytest

from flytekitplugins.artifacts.backends import open_backend
from flytekitplugins.artifacts.store import index, keys


def test_concurrent_writers_leave_the_true_newest(backend):
    names = [f"{n:014d}_run-{n}" for n in random.sample(range(10_000, 99_999), 24)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: index.add_entry(backend, "index/files/A/f", n, b"{}"), names))
    assert index.pointed_newest(backend, "index/files/A/f") == min(names)
    assert index.first_names(backend, "index/files/A/f", 3) == sorted(names)[:3]


def test_an_older_entry_never_moves_the_pointer_back(backend):
    index.add_entry(backend, "p", "00000000000100_new", b"{}")
    index.add_entry(backend, "p", "00000000000900_old", b"{}")
    assert index.pointed_newest(backend, "p") == "00000000000100_new"


def test_a_pointer_to_a_missing_entry_is_not_trusted(backend):
    index.add_entry(backend, "p", "00000000000100_a", b"{}")
    backend.write(keys.newest_pointer("p"), json.dumps({"name": "00000000000001_gone"}).encode())
    assert index.pointed_newest(backend, "p") is None
    backend.write(keys.newest_pointer("p"), b"not json")
    assert index.pointed_newest(backend, "p") is None


def test_newest_version_is_the_first_listed_entry_and_survives_a_pruned_entry(tmp_path):
    """A file's index keeps no pointer (its readers list its first names anyway); one left by an older version,
    naming an older run, is ignored; removing the newest entry makes the one before it the newest."""
    from flows import core

    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
    from flytekitplugins.artifacts.store.selector import RecordSelector, select_record

    core.training(text="one")
    core.training(text="two")
    store = ArtifactStore()
    newest = select_record(store, RecordSelector("My Data", "data.csv"))
    prefix = keys.file_index_prefix("My Data", "data.csv")
    assert store.pointed_newest(prefix) is None  # no per-file pointer written
    assert store.pointed_newest(keys.RUNS_INDEX) is not None  # "newest run" keeps its own
    first, second = store.backend.list_children(prefix)
    assert first.endswith(keys.component(newest.execution_id))
    store.backend.write(keys.newest_pointer(prefix), json.dumps({"name": second}).encode())  # stale
    assert select_record(store, RecordSelector("My Data", "data.csv")).execution_id == newest.execution_id
    store.backend.delete(f"{prefix}/{first}")  # e.g. a prune that removed the entry
    older = select_record(store, RecordSelector("My Data", "data.csv"))
    assert older.execution_id != newest.execution_id and second.endswith(keys.component(older.execution_id))


def test_a_run_of_many_files_is_indexed_whole_on_s3(s3_root, tmp_path):
    """Finishing a run indexes its files concurrently on an object store; every file gets its entry."""
    from flytekitplugins.artifacts.store.artifact_store import SUCCEEDED, ArtifactStore, Record
    from flytekitplugins.artifacts.store.identity import utc_now
    from flytekitplugins.artifacts.store.selector import RecordSelector, select_record

    store = ArtifactStore(s3_root)
    src = tmp_path / "f.txt"
    src.write_text("x")
    uri, size, sha = store.put_local_file(str(src))
    names = [f"f{i:02d}.txt" for i in range(40)]
    for name in names:
        store.add_record(Record(
            execution_id="many", project="p", domain="d", workflow="wf", node_id="n0", task="t", output_name="o0",
            artifact="Many", type="DATA", filename=name, file_type="txt", uri=uri, size=size, sha256=sha,
            created_at=utc_now(),
        ), pending=True)
    assert store.executions() == []  # nothing visible before the run ends
    store.finish_run("many", SUCCEEDED)
    for name in names:
        assert store.backend.list_children(keys.file_index_prefix("Many", name)) != []
        assert select_record(store, RecordSelector("Many", name)).execution_id == "many"
    assert store.latest_execution() == "many"


def test_a_torn_or_empty_pointer_is_not_trusted_and_is_mended(backend):
    """The local store moves pointers in place: a reader or a crash may catch one half written."""
    index.add_entry(backend, "p", "00000000000900_old", b"{}")
    index.add_entry(backend, "p", "00000000000100_new", b"{}")
    pointer = keys.newest_pointer("p")
    for torn in (b"", b'{"name": "00000000000100_new"}"}', b'{"name": "000000000001', b"\xff\xfe"):
        backend.write_hint(pointer, torn)
        assert index.pointed_newest(backend, "p") is None
        assert index.first_names(backend, "p", 1) == ["00000000000100_new"]
    index.add_entry(backend, "p", "00000000000500_mid", b"{}")
    assert index.pointed_newest(backend, "p") == "00000000000100_new"


def test_a_planted_link_at_a_pointer_is_not_followed(tmp_path):
    """Pointers are rewritten in place on a local store: a symlink put where one lives must not redirect the write."""
    backend = open_backend(str(tmp_path / "root"))
    index.add_entry(backend, "p", "00000000000900_old", b"{}")
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    pointer = tmp_path / "root" / keys.newest_pointer("p")
    pointer.unlink()
    pointer.symlink_to(outside)
    with pytest.raises(OSError):
        index.add_entry(backend, "p", "00000000000100_new", b"{}")
    assert outside.read_text() == "keep me"


def test_a_damaged_index_entry_is_skipped_with_a_warning_not_raised(tmp_path):
    """Resolving "newest" steps over a damaged entry (naming it), as every listing does."""
    from flows import core

    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
    from flytekitplugins.artifacts.store.jsonfiles import DamagedFileWarning
    from flytekitplugins.artifacts.store.selector import RecordSelector, select_record
    from flytekitplugins.artifacts.store.versions import versions

    core.training(text="one")
    core.training(text="two")
    store = ArtifactStore()
    prefix = keys.file_index_prefix("My Data", "data.csv")
    newest, older = store.backend.list_children(prefix)
    path = tmp_path / "artifact-store" / prefix / newest
    path.chmod(0o644)
    path.write_text("{oops")
    with pytest.warns(DamagedFileWarning, match="damaged"):
        rec = select_record(store, RecordSelector("My Data", "data.csv"))
    assert older.endswith(keys.component(rec.execution_id))
    assert len(versions(store, "My Data")) == 2  # the artifact's own index is intact
