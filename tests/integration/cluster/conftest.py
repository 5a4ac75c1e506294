"""Fixtures of the pod-by-pod tests: the test module's flows serialized by ``pyflyte package``, and a cluster."""

import cluster_harness as harness
import pytest


@pytest.fixture(scope="module")
def package(request, tmp_path_factory):
    """The test module's flows as ``pyflyte package`` serialized them, loaded. The module says what to package in
    ``PACKAGED = (source folder, module, image, archive name)``."""
    source, module, image, archive = request.module.PACKAGED
    out = tmp_path_factory.mktemp("package") / archive
    return harness.packaged(source, module, str(out), image)


@pytest.fixture
def cluster(request, s3_endpoint, s3_bucket):
    """(an emulated cluster whose image holds the test module's source folder, its ``s3://`` store root)."""
    source = request.module.PACKAGED[0]
    s3 = harness.S3(s3_endpoint, s3_bucket)
    root = f"s3://{s3_bucket}/artifacts"
    return harness.Cluster(s3, source, env={"FLYTE_ARTIFACTS_ROOT": root}), root
