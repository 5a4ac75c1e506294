"""The ``ui`` command: serve the read-only web page over a store. The web stack is imported only when it runs."""

from __future__ import annotations

import typing

import click

from ..store.artifact_store import ROOT_ENV, default_root

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@click.command("ui")
@click.option("--root", default=None, metavar="PATH|s3://BUCKET/PREFIX",
              help=f"Artifact store root (default: the group's --root, ${ROOT_ENV}, else ~/.flyte/artifacts).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback lets others on the network read every artifact.")
@click.option("--port", default=8265, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default web browser.")
@click.pass_context
def ui(ctx: click.Context, root: typing.Optional[str], host: str, port: int, open_browser: bool) -> None:
    """Serve a read-only web page of the store's runs, artifacts and datasets (Ctrl-C stops it)."""
    try:
        import uvicorn

        from .app import create_app
    except ImportError as e:
        raise click.ClickException(
            f"the web page needs the 'ui' extra ({e.name} is missing): pip install 'flytekitplugins-artifacts[ui]'"
        ) from None
    from ..store.artifact_store import ArtifactStore

    parent = ctx.parent.obj if ctx.parent is not None and isinstance(ctx.parent.obj, dict) else {}
    store = ArtifactStore(root or parent.get("root") or default_root())
    app = create_app(store)
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{port}/"
    click.echo(f"Artifacts of {store.root} at {address} (read-only; Ctrl-C stops)")
    if host not in LOOPBACK:
        click.echo(f"warning: listening on {host}: anyone who can reach this address can read every artifact", err=True)
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(address,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
