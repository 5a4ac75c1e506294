"""The backends every contract test runs against. A new backend (GCS, Azure...) is added here, once: every test in
this folder then runs against it too."""

import pytest

from flytekitplugins.artifacts.backends import open_backend


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def backend(request, tmp_path):
    """A fresh, empty backend: a local folder, or a bucket on the moto S3 server."""
    if request.param == "local":
        return open_backend(str(tmp_path / "root"))
    bucket = request.getfixturevalue("s3_bucket")
    return open_backend(f"s3://{bucket}/root")
