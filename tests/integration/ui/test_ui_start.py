"""The page's first request costs what later ones do: templates are compiled when the app is made, and the
server's start runs one call through the worker threads page handlers use."""

from ui_helpers import local_client

from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
from flytekitplugins.artifacts.ui.app import create_app


def test_every_template_is_compiled_when_the_app_is_made(tmp_path):
    store = ArtifactStore(str(tmp_path / "store"))
    app = create_app(store)
    ui = app.state.ui
    read = []
    # From here on nothing may be read from the templates folder: any template not compiled already would be.
    ui.env.loader.get_source = lambda environment, name: read.append(name) or (_ for _ in ()).throw(
        AssertionError(f"template {name!r} read while answering a request"))
    with local_client(app) as client:  # as a context manager: the app's start-up runs, as under uvicorn
        for path in ("/", "/datasets", "/triggers", "/no-such-page", "/run?execution=missing"):
            page = client.get(path)
            assert page.status_code in (200, 404), (path, page.text[:300])
            assert "<html" in page.text.lower()
    assert read == []
