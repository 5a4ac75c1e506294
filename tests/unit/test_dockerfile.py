"""The image the cluster runs (``Dockerfile``) is built on the flytekit the tests ran with (``constraints.txt``)."""

import os
import re

from repo_paths import REPO


def test_dockerfile_pins_the_tested_flytekit():
    with open(os.path.join(REPO, "constraints.txt")) as f:
        pins = dict(line.strip().split("==", 1) for line in f if "==" in line)
    with open(os.path.join(REPO, "Dockerfile")) as f:
        dockerfile = f.read()
    # The base image's flytekit must be the pinned one, or the image runs a flytekit nothing was tested with.
    assert re.search(r"^ARG FLYTEKIT_VERSION=(\S+)$", dockerfile, re.M).group(1) == pins["flytekit"]
    assert re.search(
        r"^FROM cr\.flyte\.org/flyteorg/flytekit:py\$\{PYTHON_VERSION\}-\$\{FLYTEKIT_VERSION\}$", dockerfile, re.M
    )
    assert re.search(r"pip install [^\n]*-c \S*constraints\.txt", dockerfile)
