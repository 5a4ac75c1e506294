"""The ``ui`` command: serve the read-only web page over a store. The web stack is imported only when it runs."""

from __future__ import annotations

import typing

import click

from ..store.artifact_store import ROOT_ENV, default_root

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
#: Addresses meaning "every interface": not a name a browser sends, so not added to the names answered.
WILDCARD = {"0.0.0.0", "::", ""}


@click.command("ui")
@click.option("--root", default=None, metavar="PATH|s3://BUCKET/PREFIX",
              help=f"Artifact store root (default: the group's --root, ${ROOT_ENV}, else ~/.flyte/artifacts).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback lets others on the network read every artifact.")
@click.option("--port", default=8265, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Another host name the page answers to (repeatable), e.g. the name others use to reach "
                   "--host. Requests naming any other host get 400.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default web browser.")
@click.pass_context
def ui(ctx: click.Context, root: typing.Optional[str], host: str, port: int, allow_hosts: typing.Tuple[str, ...],
       open_browser: bool) -> None:
    """Serve a read-only web page of the store's runs, artifacts and datasets (Ctrl-C stops it).

    The page answers only to 127.0.0.1, localhost, ::1, the --host address and each --allow-host name, so
    another web site cannot read the store through the browser by pointing its own name at this address.
    """
    try:
        import uvicorn

        from .app import create_app
    except ImportError as e:
        raise click.ClickException(
            f"the web page needs the 'ui' extra ({e.name} is missing): pip install 'flytekitplugins-artifacts[ui]'"
        ) from None
    from ..errors import ArtifactValueError
    from ..store.artifact_store import ArtifactStore

    parent = ctx.parent.obj if ctx.parent is not None and isinstance(ctx.parent.obj, dict) else {}
    store = ArtifactStore(root or parent.get("root") or default_root())
    store.require_exists()
    names = [*allow_hosts, *([] if host in WILDCARD else [host])]
    try:
        app = create_app(store, allowed_hosts=names)
    except ArtifactValueError as e:
        raise click.BadParameter(str(e), param_hint="--allow-host/--host") from None
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{port}/"
    click.echo(f"Artifacts of {store.root} at {address} (read-only; Ctrl-C stops)")
    if host not in LOOPBACK:
        click.echo(f"warning: listening on {host}: anyone who can reach this address can read every artifact", err=True)
        if host in WILDCARD and not allow_hosts:
            click.echo("note: only requests to 127.0.0.1 or localhost are answered; add --allow-host NAME for the "
                       "name others use", err=True)
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(address,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
