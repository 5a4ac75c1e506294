"""Fixtures of the web page's tests: a store made by real flows, the app over it, and a browser."""

import pytest
from ui_helpers import CHROMIUM, CHROMIUM_ARGS, DESKTOP, local_client, serve, study_env


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The study store of ``ui_helpers.study_env``, made once per test module."""
    with study_env(tmp_path_factory) as s:
        yield s


@pytest.fixture(scope="module")
def client(study):
    """Starlette's test client of the app over the ``study`` store (sending a Host the app answers to)."""
    from flytekitplugins.artifacts.ui.app import create_app

    with local_client(create_app(study.store)) as c:
        yield c


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(base URL, study store) with the app running for the whole module."""
    from flytekitplugins.artifacts.ui.app import create_app

    with study_env(tmp_path_factory) as study:
        with serve(create_app(study.store)) as base:
            yield base, study


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, for the whole module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    """A fresh desktop-sized page; any dialog (an injected alert) is recorded and dismissed."""
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    pg = context.new_page()
    pg.dialogs = []

    def on_dialog(d):
        pg.dialogs.append(d.message)
        d.dismiss()

    pg.on("dialog", on_dialog)
    yield pg
    context.close()
