"""Fixtures of the tests against the moto S3 server (the server itself and fresh buckets: ``tests/conftest.py``)."""

import pytest


@pytest.fixture
def moto_client(s3_endpoint):
    """A boto3 client of the moto server, to look at (or damage) what the code under test wrote."""
    import boto3

    return boto3.session.Session().client("s3", endpoint_url=s3_endpoint)


@pytest.fixture
def task_output(moto_client, s3_bucket):
    """An object a pod's task uploaded (no checksum stored with it), and its bytes."""
    data = b"id,value\n" + b"".join(b"%d,%d\n" % (i, i * i) for i in range(20000))
    moto_client.put_object(Bucket=s3_bucket, Key="raw/ab/exec-n0-0/data.csv", Body=data)
    return f"s3://{s3_bucket}/raw/ab/exec-n0-0/data.csv", data


@pytest.fixture
def s3_setting(monkeypatch):
    """Sets an S3 setting read once per process (``FLYTE_ARTIFACTS_S3_CHECKSUMS``) for this test only: what the
    process found out is forgotten before and after."""
    from flytekitplugins.artifacts.backends.s3 import abilities

    def setting(name: str, value: str) -> None:
        monkeypatch.setenv(name, value)
        abilities.reset()

    yield setting
    monkeypatch.undo()
    abilities.reset()
