"""Large files are copied into a local store inside the kernel and hashed from the copy as it lands."""

import errno
import hashlib
import os

import pytest

from flytekitplugins.artifacts.backends.local import copies
from flytekitplugins.artifacts.errors import ArtifactValueError
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

MIB = 1 << 20


def big_file(path, size):
    data = os.urandom(size)
    path.write_bytes(data)
    return data


def blob_files(root):
    return [os.path.join(d, n) for d, _, names in os.walk(os.path.join(root, "blobs", "sha256")) for n in names]


@pytest.mark.parametrize("size", [17 * MIB, 24 * MIB, 17 * MIB + 12345])
def test_a_large_file_lands_whole_with_the_sha256_of_its_bytes(tmp_path, size):
    data = big_file(tmp_path / "model.bin", size)
    store = ArtifactStore(str(tmp_path / "store"))
    seen = []
    uri, got_size, sha = store.put_local_file(str(tmp_path / "model.bin"), progress=seen.append)
    assert (got_size, sha) == (size, hashlib.sha256(data).hexdigest())
    with open(uri, "rb") as f:
        assert f.read() == data
    assert sum(seen) == size  # progress saw every byte once
    assert not [n for n in os.listdir(os.path.join(str(tmp_path / "store"), "blobs")) if n.startswith(".tmp-")]


def test_kernel_copy_hashes_what_landed_and_handles_an_unaligned_tail(tmp_path):
    data = big_file(tmp_path / "src", 3 * copies.KERNEL_CHUNK + 4097)
    with open(tmp_path / "src", "rb") as src, open(tmp_path / "dst", "w+b", buffering=0) as dst:
        size, sha = copies.kernel_copy_hashing(src.fileno(), dst.fileno())
    assert (size, sha) == (len(data), hashlib.sha256(data).hexdigest())
    assert (tmp_path / "dst").read_bytes() == data


def test_where_the_kernel_cannot_copy_the_bytes_go_through_a_buffer(tmp_path, monkeypatch):
    data = big_file(tmp_path / "model.bin", 20 * MIB)

    def unsupported(*args):
        raise OSError(errno.EXDEV, "cross-device copy not supported")

    monkeypatch.setattr(copies.os, "copy_file_range", unsupported)
    with open(tmp_path / "model.bin", "rb") as src, open(tmp_path / "dst", "w+b", buffering=0) as dst:
        assert copies.kernel_copy_hashing(src.fileno(), dst.fileno()) is None
        assert os.fstat(dst.fileno()).st_size == 0  # nothing copied: the caller starts over
    store = ArtifactStore(str(tmp_path / "store"))
    uri, size, sha = store.put_local_file(str(tmp_path / "model.bin"))
    assert sha == hashlib.sha256(data).hexdigest()
    with open(uri, "rb") as f:
        assert f.read() == data


def test_a_copy_that_fails_part_way_stores_nothing(tmp_path, monkeypatch):
    big_file(tmp_path / "model.bin", 20 * MIB)
    real = os.copy_file_range
    calls = []

    def disk_full_on_the_second_piece(*args):
        calls.append(args)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args)

    monkeypatch.setattr(copies.os, "copy_file_range", disk_full_on_the_second_piece)
    store = ArtifactStore(str(tmp_path / "store"))
    with pytest.raises(ArtifactValueError, match="no space left on the disk holding"):
        store.put_local_file(str(tmp_path / "model.bin"))
    assert blob_files(str(tmp_path / "store")) == []  # no content address names a partial copy
    assert not [n for n in os.listdir(os.path.join(str(tmp_path / "store"), "blobs")) if n.startswith(".tmp-")]
