"""Fixtures of the web page's tests: a store made by real flows, and the app over it."""

import pytest
from ui_helpers import study_env


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The study store of ``ui_helpers.study_env``, made once per test module."""
    with study_env(tmp_path_factory) as s:
        yield s


@pytest.fixture(scope="module")
def client(study):
    """Starlette's test client of the app over the ``study`` store."""
    from starlette.testclient import TestClient

    from flytekitplugins.artifacts.ui.app import create_app

    with TestClient(create_app(study.store)) as c:
        yield c
