"""Fixtures of the unit tests: fast, in-process, no server."""

import pytest


@pytest.fixture
def restore_registry():
    """The DataFrame format registry as it was before the test, whatever the test registered."""
    from flytekitplugins.artifacts.ops.summaries import frames

    saved = dict(frames._FORMATS)
    yield
    frames._FORMATS.clear()
    frames._FORMATS.update(saved)


@pytest.fixture
def clear_ran():
    """The record of which test tasks ran (``flows.core.RAN``), emptied before the test."""
    from flows import core

    core.RAN.clear()
    yield
