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
from flytekitplugins.artifacts.errors import ArtifactNotFoundError, ArtifactValueError, StoredBytesMismatchError


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
