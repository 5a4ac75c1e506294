"""The storage contract every backend keeps, run against each backend (a local folder, S3 on the moto server).

A new backend (GCS, Azure...) passes when it is added to the ``backend`` fixture (``conftest.py`` beside this file):
the store and datasets rely on nothing else.
"""

import hashlib
import io
import os

import pytest

from flytekitplugins.artifacts.backends import (
    IntegrityError,
    Transfer,
    blob_key,
    normalize_location,
    open_backend,
    open_recorded,
    read_uri_stream,
    scheme_of,
)
from flytekitplugins.artifacts.errors import (
    ArtifactError,
    ArtifactNotFoundError,
    ArtifactValueError,
    StoredBytesMismatchError,
)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_write_once_creates_once_and_never_overwrites(backend):
    assert not backend.exists("a/b.json")
    assert backend.write_once("a/b.json", b"first") is True
    assert backend.write_once("a/b.json", b"second") is False
    assert backend.read_bytes("a/b.json") == b"first"
    assert backend.exists("a/b.json")


def test_write_once_many_creates_each_missing_key_and_leaves_the_others(backend):
    backend.write_once("m/2/e", b"already here")
    keys = ["m/1/e", "m/2/e", "m/3/deeper/e"]
    assert backend.write_once_many(keys, b"entry", workers=4) == [True, False, True]
    assert [backend.read_bytes(k) for k in keys] == [b"entry", b"already here", b"entry"]
    assert backend.list("m") == sorted(keys)
    if backend.scheme == "file":  # listings hide temp files: look at the folder itself
        assert not [n for _, _, names in os.walk(backend.root) for n in names if n.startswith(".tmp-")]
    backend.delete("m/1/e")  # removing one name leaves the others whole
    assert backend.read_bytes("m/3/deeper/e") == b"entry"
    assert backend.write_once_many([], b"x") == []


def test_write_replaces_and_delete_removes(backend):
    backend.write("p/latest", b"1")
    backend.write("p/latest", b"2")
    assert backend.read_bytes("p/latest") == b"2"
    backend.delete("p/latest")
    backend.delete("p/latest")  # deleting what is gone is fine
    assert not backend.exists("p/latest")
    with pytest.raises(ArtifactNotFoundError, match="p/latest"):
        backend.read_bytes("p/latest")


def test_listing_is_sorted_recursive_and_by_prefix(backend):
    for key in ("x/2.json", "x/1.json", "x/sub/3.json", "xy/4.json"):
        backend.write_once(key, b"{}")
    assert backend.list("x") == ["x/1.json", "x/2.json", "x/sub/3.json"]
    assert backend.list_children("x") == ["1.json", "2.json", "sub"]
    assert backend.list("nothing-here") == [] and backend.list_children("nothing-here") == []


def test_keys_cannot_leave_the_root(backend):
    # A sibling whose name starts with the root's own name is outside it too.
    sibling = f"../{backend.root.rstrip('/').rsplit('/', 1)[-1]}-evil/x"
    for bad in ("../outside", "a/../../b", "/abs", sibling):
        for write in (backend.write_once, backend.write, backend.write_hint):
            with pytest.raises(ArtifactValueError):
                write(bad, b"x")


def test_file_blobs_are_content_addressed_and_stored_once(backend, tmp_path):
    data = os.urandom(300_000)
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(data)
    b.write_bytes(data)
    seen = []
    key, size, digest = backend.put_file_blob(str(a), progress=seen.append)
    assert (key, size, digest) == (blob_key(sha(data)), len(data), sha(data))
    assert sum(seen) == len(data)
    assert backend.put_file_blob(str(b)) == (key, size, digest)
    assert backend.list("blobs") == [key]
    with read_uri_stream(backend.uri(key)) as f:
        assert f.read() == data


def test_download_writes_the_bytes_atomically(backend, tmp_path):
    backend.write_once("f/data.bin", b"payload")
    dest = tmp_path / "out" / "data.bin"
    backend.download("f/data.bin", str(dest))
    assert dest.read_bytes() == b"payload"
    with pytest.raises(ArtifactNotFoundError):
        backend.download("f/missing.bin", str(tmp_path / "out" / "missing.bin"))
    assert sorted(os.listdir(tmp_path / "out")) == ["data.bin"]  # no temp file left behind


def test_import_files_lands_verified_bytes_and_refuses_wrong_ones(backend, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(b"a,b\n1,2\n")
    bad.write_bytes(b"changed after it was recorded")
    placements = [(Transfer(str(good), good.stat().st_size, sha(good.read_bytes())), "snap/1/good.csv")]
    done = []
    backend.import_files(placements, read_uri_stream, done.append)
    assert sum(done) == good.stat().st_size
    assert backend.read_bytes("snap/1/good.csv") == b"a,b\n1,2\n"
    lie = Transfer(str(bad), bad.stat().st_size, sha(b"what the record says"))
    with pytest.raises(IntegrityError, match="no longer matches its record"):
        backend.import_files([(lie, "snap/1/bad.csv")], read_uri_stream, None)
    assert not backend.exists("snap/1/bad.csv")


def test_import_files_from_another_backend_of_the_same_kind(backend, tmp_path):
    # The fast path (a link of a store blob, a server-side copy) must keep the same guarantees.
    src = open_backend(backend.sibling("source-store"))
    f = tmp_path / "m.pt"
    f.write_bytes(os.urandom(50_000))
    key, size, digest = src.put_file_blob(str(f))
    backend.import_files([(Transfer(src.uri(key), size, digest), "snap/1/m.pt")], read_uri_stream, None)
    assert backend.read_bytes("snap/1/m.pt") == f.read_bytes()


def test_locations_normalize_and_siblings_stay_beside_the_root(backend):
    assert normalize_location(backend.root) == backend.root
    assert scheme_of(backend.root) == backend.scheme
    sibling = backend.sibling("datasets", "adam")
    assert scheme_of(sibling) == backend.scheme
    assert sibling.rstrip("/").endswith("/datasets/adam")
    assert not sibling.startswith(backend.root.rstrip("/") + "/")
    backend.check_usable()


def test_open_uri_reads_objects_the_store_did_not_write(backend):
    backend.write_once("outside/file.txt", b"hello")
    with type(backend).open_uri(backend.uri("outside/file.txt")) as f:
        assert io.BytesIO(f.read()).read() == b"hello"


def test_open_recorded_refuses_another_size_before_reading(backend):
    backend.write_once("rec/file.bin", b"0123456789")
    uri = backend.uri("rec/file.bin")
    with open_recorded(uri, 10) as f:
        assert f.read() == b"0123456789"
    for wrong in (9, 11, 0):
        with pytest.raises(StoredBytesMismatchError, match="10 bytes|is 10"):
            open_recorded(uri, wrong)
    with pytest.raises(ArtifactNotFoundError):
        open_recorded(backend.uri("rec/missing.bin"), 10)


def test_open_recorded_refuses_a_link_in_place_of_a_local_copy(tmp_path):
    backend = open_backend(str(tmp_path / "root"))
    backend.write_once("rec/file.bin", b"0123456789")
    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"9876543210")  # the same size: only the link gives it away
    path = backend.uri("rec/file.bin")
    os.chmod(path, 0o644)
    os.unlink(path)
    os.symlink(outside, path)
    with pytest.raises(StoredBytesMismatchError, match="symbolic link"):
        open_recorded(path, 10)


def test_root_exists_once_anything_is_there(backend, tmp_path):
    assert backend.root_exists() is False
    backend.write_once("some/key", b"x")
    assert backend.root_exists() is True
    empty = open_backend(str(tmp_path / "empty-folder"))
    os.makedirs(empty.root)
    assert empty.root_exists() is True  # an existing folder is an (empty) store


# ---- listing with size and age, removal, batches: what lifecycle, verify and the UI rely on ----------------------


def move_clock(monkeypatch, seconds: float) -> None:
    """Move the backends' clock ahead: everything written so far is ``seconds`` older to them."""
    import sys
    import time
    import types

    clock = types.SimpleNamespace(
        time=lambda: time.time() + seconds, time_ns=lambda: time.time_ns() + int(seconds * 10**9), sleep=time.sleep
    )
    for name, module in list(sys.modules.items()):
        if name.startswith("flytekitplugins.artifacts.backends") and getattr(module, "time", None) is time:
            monkeypatch.setattr(module, "time", clock)


def test_list_files_gives_each_object_with_its_size_and_age(backend, monkeypatch):
    backend.write_once("lf/a.json", b"{}")
    backend.write_once("lf/sub/b.bin", b"12345")
    backend.write("lf/.tmp-left", b"xyz")
    backend.write_once("lfx/c", b"c")
    files = {f.key: f for f in backend.list_files("lf")}
    assert sorted(files) == ["lf/a.json", "lf/sub/b.bin"]
    assert (files["lf/a.json"].size, files["lf/sub/b.bin"].size) == (2, 5)
    assert all(-5 < f.age < 60 for f in files.values())
    with_temp = {f.key: f.size for f in backend.list_files("lf", include_temp=True)}
    assert with_temp == {"lf/a.json": 2, "lf/sub/b.bin": 5, "lf/.tmp-left": 3}
    assert sorted(f.key for f in backend.list_files()) == ["lf/a.json", "lf/sub/b.bin", "lfx/c"]
    assert backend.list_files("nothing-here") == []
    assert [k for k in with_temp if backend.is_temp(k)] == ["lf/.tmp-left"]
    move_clock(monkeypatch, 1000)
    assert all(990 < f.age < 1100 for f in backend.list_files("lf"))


def test_remove_if_older_keeps_young_objects_and_removes_old_ones(backend, monkeypatch):
    backend.write_once("old/a", b"a")
    assert backend.remove_if_older("old/a", grace=600) is False
    assert backend.read_bytes("old/a") == b"a"
    assert backend.remove_if_older("old/missing", grace=0) is False
    move_clock(monkeypatch, 1000)
    assert backend.remove_if_older("old/a", grace=600) is True
    assert not backend.exists("old/a")
    assert backend.list_files("old", include_temp=True) == []  # nothing left beside it either


def test_delete_many_removes_every_key_and_counts_them(backend):
    keys = [f"dm/{i:04d}" for i in range(5)] + ["dm/deep/er/x"]
    for k in keys:
        backend.write_once(k, b"x")
    backend.write_once("dm-other/y", b"y")
    seen = []
    backend.delete_many(keys + ["dm/never-there"], progress=seen.append)
    assert sum(seen) == len(keys) + 1
    assert backend.list("dm") == [] and backend.read_bytes("dm-other/y") == b"y"
    backend.delete_many([])


def test_delete_many_raises_what_it_could_not_remove(backend, monkeypatch):
    backend.write_once("dmf/ok", b"x")
    if backend.scheme == "file":
        backend.write_once("dmf/folder/inside", b"x")  # a folder cannot be removed as a file
        bad = "dmf/folder"
    else:
        real = backend.client

        class Refusing:
            def __getattr__(self, name):
                return getattr(real, name)

            def delete_objects(self, **kw):
                real.delete_objects(**kw)
                return {"Errors": [{"Key": kw["Delete"]["Objects"][-1]["Key"], "Code": "AccessDenied",
                                    "Message": "Access Denied"}]}

        monkeypatch.setattr(type(backend), "client", property(lambda self: Refusing()))
        bad = "dmf/refused"
    with pytest.raises((OSError, ArtifactError)):
        backend.delete_many(["dmf/ok", bad])


def test_remove_empty_folders_leaves_no_empty_folder_and_every_file(backend):
    backend.write_once("ef/a/b/y", b"y")
    backend.write_once("ef/keep/x", b"x")
    backend.delete("ef/a/b/y")
    backend.remove_empty_folders("ef")
    assert backend.list_children("ef") == ["keep"]
    assert backend.read_bytes("ef/keep/x") == b"x"
    backend.remove_empty_folders("no-such-folder")


def test_group_commit_batches_writes_that_stay_readable(backend):
    with backend.group_commit() as batch:
        backend.write_once("gc/bytes", b"b")
        batch.commit()  # bytes durable before the record naming them
        with backend.group_commit() as inner:  # nested: the same batch
            backend.write("gc/record", b"r")
            backend.write_hint("gc/hint", b"h")
            inner.commit()
        assert backend.read_bytes("gc/record") == b"r"
    assert [backend.read_bytes(k) for k in ("gc/bytes", "gc/record", "gc/hint")] == [b"b", b"r", b"h"]
    if backend.local_path("") is not None:
        assert getattr(backend, "pending", None) is None  # nothing left waiting once the block is over


def test_listing_stamp_changes_when_a_name_is_added(backend):
    import time

    backend.write_once("ls/a", b"a")
    first = backend.listing_stamp("ls", settle_seconds=0)
    if backend.local_path("") is None:
        assert first is None  # no cheap stamp: callers list again
        return
    assert isinstance(first, int)
    assert backend.listing_stamp("ls", settle_seconds=3600) is None  # too fresh to vouch for
    time.sleep(0.05)
    backend.write_once("ls/b", b"b")
    assert backend.listing_stamp("ls", settle_seconds=0) not in (None, first)
    assert backend.listing_stamp("no-such-folder", settle_seconds=0) is None


def test_concurrency_hint_and_local_paths(backend):
    from flytekitplugins.artifacts.backends import local_file

    assert isinstance(backend.concurrency, int) and backend.concurrency >= 1
    backend.write_once("lp/f.bin", b"bytes here")
    path = backend.local_path("lp/f.bin")
    assert (path is not None) == (backend.scheme == "file")
    assert local_file(backend.uri("lp/f.bin")) == path
    if path is not None:
        with open(path, "rb") as f:
            assert f.read() == b"bytes here"
        assert backend.concurrency == 1  # local calls gain nothing from threads
    else:
        assert backend.concurrency > 1  # requests to a server go several at once
    assert local_file("gs://elsewhere/x") is None  # a scheme no backend serves is not on this machine


def test_restore_uri_replaces_damaged_bytes_from_an_intact_copy(backend, tmp_path):
    from flytekitplugins.artifacts.backends import restore_uri

    good = b"the recorded bytes" * 100
    backend.write("rs/damaged", b"not them")
    local_copy = tmp_path / "copy.bin"
    local_copy.write_bytes(good)
    restore_uri(backend.uri("rs/damaged"), str(local_copy), len(good), sha(good))
    assert backend.read_bytes("rs/damaged") == good
    backend.write("rs/again", b"damaged too")
    backend.write_once("rs/intact", good)
    restore_uri(backend.uri("rs/again"), backend.uri("rs/intact"), len(good), sha(good))
    assert backend.read_bytes("rs/again") == good
    backend.write_once("rs/other", b"other bytes")
    with pytest.raises(ArtifactError):
        restore_uri(backend.uri("rs/dest"), backend.uri("rs/other"), len(good), sha(good))
