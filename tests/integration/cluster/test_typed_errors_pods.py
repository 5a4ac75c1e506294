"""A handler that raises, pod by pod: the task's pod fails with the handler's error, and nothing reaches the store
or the raw-data bucket (``flows/typed_errors.py``, serialized by ``pyflyte package``)."""

import os
import uuid

import cluster_harness as harness
import pytest

TESTS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = "flows.typed_errors"
PACKAGED = (TESTS, MODULE, "ghcr.io/example/typed-errors:1.0", "typed-errors.tgz")  # for the `package` fixture


def test_failing_handler_fails_its_pod_and_records_nothing(package, cluster, s3_endpoint, s3_bucket):
    cl, root = cluster
    s3 = harness.S3(s3_endpoint, s3_bucket)
    eid = "a" + uuid.uuid4().hex[:19]
    with pytest.raises(harness.NodeFailed) as info:
        cl.run(package, f"{MODULE}.fragile_flow", {}, eid)
    text = str(info.value)
    assert "the handler of flows.typed_errors.Fragile failed to write a Fragile to 'model.frag'" in text
    assert "OSError: disk full" in text
    assert s3.keys(root + "/") == []  # no record, no run, no intent
    assert [k for k in s3.keys(f"s3://{s3_bucket}/") if k.endswith("model.frag")] == []
