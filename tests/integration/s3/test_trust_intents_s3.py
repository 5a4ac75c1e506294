"""On S3 too, the bytes of a run still recording are protected by the intent that names them, not by their age."""


from flows.intent_race import records_after_the_race

from flytekitplugins.artifacts.backends import blob_key
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore


def test_gc_with_no_grace_never_takes_the_bytes_of_a_run_still_recording_on_s3(tmp_path, s3_root):
    store = ArtifactStore()
    for r in records_after_the_race(tmp_path):
        assert r.uri.startswith(s3_root + "/")
        expected = "first file" if r.filename == "t_vscat.pdf" else "second file"
        assert store.backend.read_bytes(blob_key(r.sha256)) == expected.encode()
