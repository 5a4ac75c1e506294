"""What the web page tests share: a store made by real flows, the app served by uvicorn on 127.0.0.1, and the
browser the page is opened in."""

import contextlib
import os
import shutil
import socket
import threading
import time
import typing

import pytest

from flytekitplugins.artifacts.ops.datasets import DatasetCatalog
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record


def local_client(app, **kwargs):
    """Starlette's test client sending ``Host: 127.0.0.1``, a name the app answers to (not its "testserver")."""
    from starlette.testclient import TestClient

    return TestClient(app, base_url="http://127.0.0.1", **kwargs)


SCRIPT_NAME = "<script>alert(1)</script>"
SCRIPT_FILE = "<svg onload=alert(4)>.txt"

# Debian's Chromium, driven by Playwright (the browser tests are skipped without it), and the window sizes.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


class Study(typing.NamedTuple):
    store: ArtifactStore
    first: str  # execution ids, oldest first
    second: str
    hostile: str
    scripted: str
    consumer: str  # read the second run's data.csv and the hostile file through queries
    failed: str  # a run that failed (written with the store API: a local run that fails records nothing)


def build_study_store(tmp: str) -> Study:
    """Runs the ui test flows for real into a store under ``tmp`` (FLYTE_ARTIFACTS_ROOT must point there)."""
    from flows import ui

    store = ArtifactStore()
    DatasetCatalog(store).create("study", os.path.join(tmp, "datasets", "study"))
    ui.study(text="first", title="Safety summary")
    ui.study(text="second", title="Safety summary v2")
    ui.hostile_names()
    ui.consume()
    runs = [r["execution_id"] for r in store.executions()]
    # Artifact names with '/' cannot be declared in a flow; a store may still hold one (written by another
    # writer or by hand), and the page must show it as text.
    scripted = "run-<script>alert(5)</script>"
    path = os.path.join(tmp, "scripted.txt")
    with open(path, "w") as f:
        f.write("hello from a hand-written record\n")
    uri, size, sha = store.put_local_file(path)
    store.add_record(Record(scripted, "p", "d", "wf.<i>hand</i>", "n0", "t", "o0", SCRIPT_NAME, "DATA", SCRIPT_FILE,
                            "txt", uri, size, sha, "2020-01-02T03:04:05.000Z"))
    failed = "run-failed-1"
    store.add_record(Record(failed, "p", "d", "flows.ui.broken", "n0", "t", "o0", "Study Data", "DATA", "data.csv",
                            "csv", uri, size, sha, "2020-01-03T03:04:05.000Z"), pending=True)
    store.finish_run(failed, "failed")
    return Study(store, runs[3], runs[2], runs[1], scripted, runs[0], failed)


@contextlib.contextmanager
def study_env(tmp_path_factory) -> typing.Iterator[Study]:
    """A study store in its own folder, with FLYTE_ARTIFACTS_ROOT set while it is built and used."""
    tmp = str(tmp_path_factory.mktemp("ui-study"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FLYTE_ARTIFACTS_ROOT", os.path.join(tmp, "store"))
        mp.delenv("FLYTE_INTERNAL_EXECUTION_ID", raising=False)
        yield build_study_store(tmp)


@contextlib.contextmanager
def serve(app) -> typing.Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 (a free port) in a thread; yields its base URL, stops it after."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
