# The image Flyte task pods run for flows that use flytekitplugins-artifacts.
#
#   docker build -t <registry>/flyte-artifacts:0.1.0 .
#
# Every task of a flow with artifacts runs in it, including the two the plugin adds to each workflow (the
# recorder and the dataset export), so the plugin and its pinned dependencies must be installed here, not only
# on the machine that registers the flow. Your own workflow code reaches the pods through fast registration
# (`pyflyte run --remote`, `pyflyte register`) or through an image built FROM this one that copies it to /root.
#
# FLYTEKIT_VERSION must equal the flytekit pin in constraints.txt (a test checks it), so pip keeps the base
# image's flytekit instead of replacing it with another version inside the image.
ARG PYTHON_VERSION=3.11
ARG FLYTEKIT_VERSION=1.16.31
FROM cr.flyte.org/flyteorg/flytekit:py${PYTHON_VERSION}-${FLYTEKIT_VERSION}

# The base image switches to an unprivileged user; installing into its system site-packages needs root.
USER root

COPY setup.py README.md constraints.txt /tmp/flytekitplugins-artifacts/
COPY flytekitplugins /tmp/flytekitplugins-artifacts/flytekitplugins

# The constraints file pins boto3 to the botocore range s3fs/aiobotocore accept; without it pip backtracks.
RUN pip install --no-cache-dir -c /tmp/flytekitplugins-artifacts/constraints.txt /tmp/flytekitplugins-artifacts \
    && python -c "import flytekit, flytekitplugins.artifacts.flyte.nodes.record, flytekitplugins.artifacts.flyte.nodes.export, flytekitplugins.artifacts.backends.s3.backend; print(flytekit.__version__)" \
    && rm -rf /tmp/flytekitplugins-artifacts

# Domino job tasks link /workflow/inputs and /workflow/outputs to their own folders while their command runs
# (docs/domino.md); the task user must be able to create those links.
RUN mkdir -p /workflow && chmod 1777 /workflow

USER flytekit
WORKDIR /root
ENV PYTHONPATH=/root
