"""The S3 server probe is run once per process and endpoint, and the checksum setting is read once per process.

The client here is an in-memory stand-in that answers the probe's requests like a server without checksums or
conditional completion (Ceph's RADOS gateway) and counts them; the probe against real servers is tested in
tests/integration/s3/test_s3_abilities.py."""

import types

import botocore.exceptions
import pytest

from flytekitplugins.artifacts.backends.s3 import abilities
from flytekitplugins.artifacts.errors import ArtifactValueError


class CountingServer:
    """Keeps objects in a dict; refuses If-None-Match on PutObject only; keeps no checksums."""

    def __init__(self, endpoint="http://gateway.invalid", writable=True):
        self.meta = types.SimpleNamespace(endpoint_url=endpoint)
        self.objects, self.calls, self.writable = {}, [], writable

    def _refuse(self, code, op):
        raise botocore.exceptions.ClientError({"Error": {"Code": code, "Message": code}}, op)

    def put_object(self, Bucket, Key, Body, IfNoneMatch=None, **_):
        self.calls.append(("put", Key))
        if not self.writable:
            self._refuse("AccessDenied", "PutObject")
        if IfNoneMatch == "*" and (Bucket, Key) in self.objects:
            self._refuse("PreconditionFailed", "PutObject")
        self.objects[(Bucket, Key)] = Body

    def head_object(self, Bucket, Key, **_):
        self.calls.append(("head", Key))
        return {"ContentLength": len(self.objects[(Bucket, Key)])}

    def create_multipart_upload(self, Bucket, Key):
        self.calls.append(("create", Key))
        return {"UploadId": "u1"}

    def upload_part(self, Bucket, Key, UploadId, PartNumber, Body):
        self.calls.append(("part", Key))
        return {"ETag": '"e1"'}

    def complete_multipart_upload(self, Bucket, Key, **_):
        self.calls.append(("complete", Key))  # IfNoneMatch ignored: overwrites
        self.objects[(Bucket, Key)] = b"again"

    def abort_multipart_upload(self, **_):
        self.calls.append(("abort", ""))

    def delete_object(self, Bucket, Key):
        self.calls.append(("delete", Key))
        self.objects.pop((Bucket, Key), None)


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.delenv(abilities.CHECKSUMS_ENV, raising=False)
    abilities.reset()
    yield
    abilities.reset()


def test_the_probe_runs_once_for_many_calls_and_cleans_up():
    server = CountingServer()
    before = abilities.probes_run
    found = [abilities.server_abilities(server, "bucket", f"store/records/{i}.json") for i in range(50)]
    assert abilities.probes_run == before + 1
    assert set(found) == {abilities.ServerAbilities(keeps_sha256=False, conditional_put=True,
                                                    conditional_complete=False)}
    probe_keys = {k for _, k in server.calls if k}
    assert len(probe_keys) == 1 and next(iter(probe_keys)).startswith("store/records/.tmp-probe-")
    assert server.objects == {}  # the probe object is removed
    # Another bucket on the same endpoint: the same answer, no new probe.
    abilities.server_abilities(server, "other-bucket", "x")
    assert abilities.probes_run == before + 1


def test_each_endpoint_is_probed_on_its_own():
    before = abilities.probes_run
    abilities.server_abilities(CountingServer("http://a.invalid"), "bucket")
    abilities.server_abilities(CountingServer("http://b.invalid"), "bucket")
    abilities.server_abilities(CountingServer("http://a.invalid"), "bucket")
    assert abilities.probes_run == before + 2


def test_a_probe_that_may_not_write_assumes_the_least_for_that_bucket_only():
    server = CountingServer(writable=False)
    before = abilities.probes_run
    assert abilities.server_abilities(server, "read-only") == abilities.LEAST
    assert abilities.server_abilities(server, "read-only") == abilities.LEAST
    assert abilities.probes_run == before + 1
    server.writable = True
    assert abilities.server_abilities(server, "writable").conditional_put
    assert abilities.probes_run == before + 2


def test_the_checksum_setting_is_read_once_per_process(monkeypatch):
    server = CountingServer()
    server.head_object = lambda Bucket, Key, **_: {"ContentLength": 5, "ChecksumSHA256": "c2hh"}
    monkeypatch.setenv(abilities.CHECKSUMS_ENV, "ignore")
    assert abilities.server_abilities(server, "bucket").keeps_sha256 is False
    monkeypatch.setenv(abilities.CHECKSUMS_ENV, "auto")  # changed after the first read: not seen
    assert abilities.server_abilities(server, "bucket").keeps_sha256 is False
    abilities.reset()
    assert abilities.server_abilities(server, "bucket").keeps_sha256 is True


def test_a_server_checksum_is_believed_only_where_the_server_keeps_them():
    keeps = abilities.ServerAbilities(True, True, True)
    answer = {"ChecksumSHA256": "c2hh"}
    assert abilities.server_sha256(answer, keeps) == "c2hh"
    assert abilities.server_sha256(answer, abilities.LEAST) is None
    assert abilities.server_sha256({"ChecksumSHA256": "c2hh-3"}, keeps) is None
    assert abilities.server_sha256({**answer, "ChecksumType": "COMPOSITE"}, keeps) is None


def test_a_bad_checksum_setting_names_the_value_and_the_choices(monkeypatch):
    monkeypatch.setenv(abilities.CHECKSUMS_ENV, "sometimes")
    with pytest.raises(ArtifactValueError, match="S3_CHECKSUMS='sometimes' is not a choice: use 'auto'"):
        abilities.server_abilities(CountingServer(), "bucket")
