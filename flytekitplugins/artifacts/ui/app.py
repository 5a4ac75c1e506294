"""The web app behind ``flyte-artifacts ui``: read-only pages over one artifact store.

Every name in a URL is a query parameter that is only ever looked up through the store's API (runs by execution
id, files by execution, artifact and filename, dataset files by dataset, snapshot and path in its manifest), so
no part of a URL becomes a file-system path. Only GET and HEAD are routed; pages carry no scripts.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import json
import os
import typing
import urllib.parse

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route

from ..backends import open_recorded
from ..errors import ArtifactError, ArtifactNotFoundError, ArtifactValueError
from ..ops.compare.tables import TABLE_TYPES
from ..ops.datasets import DatasetCatalog
from ..ops.summaries.sizes import human_size
from ..ops.summaries.textfit import format_count
from ..store.artifact_store import SUCCEEDED, ArtifactStore
from ..store.declaration import TYPE_ORDER
from ..store.runs import REMOVED
from . import compare_page, file_pages, lineage_graph, pages
from .pages import NotFound
from .reads import Reads
from .serve import IMAGE_TYPES, BytesMismatchError, content_headers, file_kind, verified_body

HERE = os.path.dirname(os.path.abspath(__file__))
#: Images up to this size are shown inline on the run page.
INLINE_IMAGE_LIMIT = 20 << 20
#: Pages use no scripts, no frames and nothing from other sites (thumbnails in previews are data: images).
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
READ_ONLY = ["GET", "HEAD"]
#: The host names the page answers to unless told more (``ui --host`` and ``--allow-host``). Any other ``Host``
#: header gets 400: a site that rebinds its own name to 127.0.0.1 cannot read the store through a visitor's browser.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
#: Sent with every answer, pages, errors and bytes alike: never framed, never sniffed, no referrer.
COMMON_HEADERS = {"x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}
#: A run page showing more files than this has their previews folded (one click opens each).
FOLD_AFTER = 20


@functools.lru_cache(maxsize=4096)
def _quoted(value: str) -> str:
    return urllib.parse.quote_plus(value)


def url(route: str, /, **params: typing.Any) -> str:
    """A link inside the app: ``route`` with its query parameters encoded (empty ones left out)."""
    query = "&".join(f"{k}={_quoted(str(v))}" for k, v in params.items() if v not in (None, ""))
    return f"{route}?{query}" if query else route


def file_url(record: typing.Any) -> str:
    """The verified download link of a record."""
    return url("/file", run=record.execution_id, artifact=record.artifact, filename=record.filename)


def file_page_url(record: typing.Any) -> str:
    """The page of one recorded file (its preview, tags, versions, diff and lineage links)."""
    return url("/run/file", run=record.execution_id, artifact=record.artifact, filename=record.filename)


def lineage_url(record: typing.Any) -> str:
    """The lineage page of one recorded file."""
    return url("/lineage", run=record.execution_id, artifact=record.artifact, filename=record.filename)


def manifest_json(snapshot: typing.Any) -> str:
    """A snapshot's manifest as the JSON text the dataset keeps."""
    return json.dumps(snapshot.as_dict(), indent=1, sort_keys=True)


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(HERE, "templates")),
        autoescape=True,  # every template, whatever its name: all values are escaped unless marked safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates are package data: compiled once, never re-checked per request
    )
    env.globals.update(url=url, file_url=file_url, kind=file_kind, IMAGE_TYPES=IMAGE_TYPES, COMPARE_TYPES=TABLE_TYPES,
                       INLINE_IMAGE_LIMIT=INLINE_IMAGE_LIMIT, manifest_json=manifest_json,
                       lineage_url=lineage_url, file_page_url=file_page_url, statuses=pages.STATUSES, G=lineage_graph,
                       partitions_of=pages.partitions_of)
    env.filters.update(size=human_size, when=pages.when, plural=pages.plural, count=format_count,
                       stat=file_pages.stat_text, signed=file_pages.signed)
    return env


def _param(request: Request, name: str, required: bool = True) -> str:
    value = request.query_params.get(name, "")
    if "\x00" in value:
        raise NotFound(f"{name} {value!r} contains a NUL character")
    if required and not value:
        raise NotFound(f"no {name} was given in the address")
    return value


def _partitions(request: Request) -> typing.Tuple[typing.Tuple[str, str], ...]:
    """The ``partition`` filter of a page (``study=MINI01``, several separated by spaces or given more than once)."""
    from ..errors import ArtifactError
    from ..store.partitions import parse_option

    pairs = {}
    for given in request.query_params.getlist("partition"):
        for text in given.split():
            try:
                key, value = parse_option(text)
            except ArtifactError as e:
                raise NotFound(str(e)) from None
            pairs[key] = value
    return tuple(sorted(pairs.items()))


class UI:
    """The app's state (one store) and its request handlers."""

    def __init__(self, store: ArtifactStore):
        self.store = store
        self.reads = Reads(store)
        self.catalog = DatasetCatalog(store)
        self.env = _templates()
        self.env.globals["preview"] = self.reads.preview
        with open(os.path.join(HERE, "static", "style.css"), "rb") as f:
            self.css = f.read()

    # ---- responses ----------------------------------------------------------------------------------------
    def render(self, template: str, **context: typing.Any) -> str:
        """A page's HTML."""
        return self.env.get_template(template).render(root=self.store.root, **context)

    def page(self, template: str, status: int = 200, **context: typing.Any) -> HTMLResponse:
        """A rendered page with the headers every page gets."""
        return self.respond(self.render(template, **context), status)

    def respond(self, html: str, status: int = 200) -> HTMLResponse:
        """An HTML page with the headers every page gets."""
        return HTMLResponse(html, status_code=status, headers={"content-security-policy": PAGE_CSP,
                                                               "cache-control": "no-store"})

    def not_found(self, request: Request, exc: Exception) -> HTMLResponse:
        """The 404 page, naming what was not found."""
        message = str(exc) if isinstance(exc, NotFound) else f"there is no page at {request.url.path!r}"
        return self.page("error.html", status=404, title="Not found", message=message)

    def store_error(self, request: Request, exc: Exception) -> HTMLResponse:
        """An error page for a store that could not be read (unreachable S3, bad credentials...)."""
        return self.page("error.html", status=500, title="The store could not be read", message=str(exc))

    # ---- pages --------------------------------------------------------------------------------------------
    def runs(self, request: Request) -> Response:
        """Runs, newest first, paginated and filtered by workflow, day and status (succeeded by default)."""
        query = (
            pages.parse_page(_param(request, "page", False)),
            _param(request, "workflow", False).strip(),
            pages.parse_date(_param(request, "since", False), "from"),
            pages.parse_date(_param(request, "until", False), "to"),
            pages.parse_status(_param(request, "status", False)),
        )
        # The page of succeeded runs depends only on the index of runs: kept while the store vouches it is unchanged.
        stamp = self.reads.runs_stamp() if query[4] == "succeeded" else None
        key = ("runs", stamp, *query)
        html = self.reads.pages.get(key) if stamp is not None else None
        if html is None:
            page = pages.runs_page(self.reads, *query)
            html = self.render("runs.html", title="Runs", p=page, types=TYPE_ORDER)
            if stamp is not None:
                self.reads.pages.put(key, html)
        return self.respond(html)

    def run(self, request: Request) -> Response:
        """One run: its status, and its artifact files grouped by type and artifact, a page at a time."""
        eid, number = _param(request, "id"), pages.parse_page(_param(request, "page", False))
        info = self.reads.run_info(eid)
        # A succeeded run's page never changes once every file on it has its preview: kept. The run's
        # document is read every time, so a run removed from the store is gone from the page.
        final = info is not None and info["status"] == SUCCEEDED
        html = self.reads.pages.get(("run", eid, number)) if final else None
        if html is None:
            p = pages.run_page(self.reads, eid, number, info)
            html = self.render("run.html", title=f"Run {p.run['execution_id']}", p=p, run=p.run,
                               fold=p.shown > FOLD_AFTER)
            if final and all(self.reads.preview(f) is not None for _, gs in p.groups for g in gs for f in g.files):
                self.reads.pages.put(("run", eid, number), html)
        return self.respond(html)

    def run_file(self, request: Request) -> Response:
        """One recorded file: its details, preview, tags, the versions to compare it with, and links."""
        d = file_pages.file_detail(self.reads, _param(request, "run"), _param(request, "artifact"),
                                   _param(request, "filename"))
        return self.page("file.html", title=f"{d.record.artifact} / {d.record.filename}", d=d, f=d.record)

    def diff(self, request: Request) -> Response:
        """Two versions of a file compared by their stored summaries."""
        d = file_pages.diff_detail(self.reads, _param(request, "artifact"), _param(request, "filename"),
                                   _param(request, "old"), _param(request, "new"))
        return self.page("diff.html", title=f"Diff of {d.new.artifact} / {d.new.filename}", d=d)

    def compare(self, request: Request) -> Response:
        """Two recorded tables compared value by value (``compare_page.py``): the form, and the report once both
        versions are chosen."""
        def given(name: str, alias: str = "") -> str:
            return _param(request, name, False) or (_param(request, alias, False) if alias else "")

        artifact, filename = _param(request, "artifact"), _param(request, "filename")
        # old/new: the artifact page's version form, sent here by its "Value by value" button
        choice = compare_page.CompareChoice(
            artifact, filename, given("base", "old"), given("compare_artifact") or artifact,
            given("compare_filename") or filename, given("compare", "new"), given("key"), given("tolerance"),
            given("rel_tolerance"), given("ignore_case") in ("1", "on", "true"))
        d = compare_page.compare_detail(self.reads, choice)
        return self.page("compare.html", status=d.status, title=f"Compare {artifact} / {filename}",
                         d=d, c=choice)

    def lineage(self, request: Request) -> Response:
        """A file's lineage: upstream and downstream across runs, drawn as SVG."""
        depth = file_pages.parse_depth(_param(request, "depth", False))
        rec, graph = file_pages.lineage_detail(self.reads, _param(request, "run"), _param(request, "artifact"),
                                               _param(request, "filename"), depth)
        return self.page("lineage.html", title=f"Lineage of {rec.artifact} / {rec.filename}", f=rec, g=graph,
                         depth=depth)

    def artifact(self, request: Request) -> Response:
        """One artifact's versions: every run that recorded it, newest first."""
        name = _param(request, "name")
        wanted = _partitions(request)
        versions = pages.artifact_versions(self.store, name, wanted)
        filenames = sorted({f.filename for v in versions for f in v.files})
        return self.page("artifact.html", title=f"Artifact {name}", name=name, versions=versions,
                         type=versions[0].files[0].type, filenames=filenames,
                         wanted=" ".join(f"{k}={v}" for k, v in wanted),
                         partitioned=any(f.partitions for v in versions for f in v.files))

    def datasets(self, request: Request) -> Response:
        """Every dataset with its number of snapshots and the newest one."""
        rows = []
        for ds in self.catalog.list():
            snaps = self.catalog.snapshots(ds)
            rows.append((ds, len(snaps), snaps[-1] if snaps else None))
        return self.page("datasets.html", title="Datasets", rows=rows)

    def triggers(self, request: Request) -> Response:
        """Every trigger that has swept this store, with the versions it launched runs for."""
        from ..ops.triggers import stored

        rows = stored(self.store)
        for t in rows:
            for h in t["history"]:
                h["run_known"] = bool(h["run"]) and self.store.has_execution(h["run"])
        return self.page("triggers.html", title="Triggers", rows=rows)

    def _dataset(self, request: Request):
        key = _param(request, "id")
        try:
            return self.catalog.get(key)
        except ArtifactNotFoundError:
            raise NotFound(f"dataset {key!r} is not in this store") from None

    def _snapshot(self, ds, number: str):
        try:
            return self.catalog.snapshot(ds, number or "latest")
        except ArtifactNotFoundError:
            raise NotFound(f"dataset {ds.name!r} has no snapshot {number or 'yet'}") from None
        except ValueError:
            raise NotFound(f"snapshot {number!r} of dataset {ds.name!r} is not a snapshot number") from None

    def dataset(self, request: Request) -> Response:
        """One dataset: its snapshots, newest first, and the files of the chosen one (the newest by default)."""
        ds = self._dataset(request)
        snaps = list(reversed(self.catalog.snapshots(ds)))
        number = _param(request, "snapshot", False)
        chosen = self._snapshot(ds, number) if (number or snaps) else None
        # How each snapshot's run ended: one that did not succeed (killed, failed, pruned since) is shown as such.
        status = {s.number: self.store.run_status(s.execution_id, missing=REMOVED) for s in snaps if s.execution_id}
        return self.page("dataset.html", title=f"Dataset {ds.name}", ds=ds, snaps=snaps, chosen=chosen,
                         run_status=status)

    def manifest(self, request: Request) -> Response:
        """A snapshot's manifest as JSON, as the dataset stores it."""
        ds = self._dataset(request)
        snap = self._snapshot(ds, _param(request, "snapshot"))
        body = manifest_json(snap).encode()
        return Response(body, media_type="application/json")

    def static(self, request: Request) -> Response:
        """The one stylesheet, from memory."""
        return Response(self.css, media_type="text/css", headers={"cache-control": "max-age=300"})

    # ---- bytes --------------------------------------------------------------------------------------------
    def file(self, request: Request) -> Response:
        """A recorded file's bytes, checked against its sha256 (PDFs and images inline, the rest downloads)."""
        eid, artifact, filename = _param(request, "run"), _param(request, "artifact"), _param(request, "filename")
        rec = file_pages.find_record(self.reads, eid, artifact, filename)
        return self.send(request, lambda: open_recorded(rec.uri, rec.size), rec.filename, rec.file_type, rec.size,
                         rec.sha256, f"{artifact!r}/{filename!r} of run {eid!r}")

    def dataset_file(self, request: Request) -> Response:
        """A file of a dataset snapshot, found by its path in the snapshot's manifest, checked like records."""
        ds = self._dataset(request)
        snap = self._snapshot(ds, _param(request, "snapshot"))
        path = _param(request, "path")
        try:
            f = snap.file(path)
        except ArtifactNotFoundError:
            raise NotFound(f"snapshot {snap.number} of dataset {ds.name!r} has no file {path!r}") from None
        # The file's type comes from its name in the snapshot (its original filename when the path has none).
        name = f.path.rsplit("/", 1)[-1]
        file_type = file_kind(name) or file_kind(f.filename)
        return self.send(request, lambda: open_recorded(self.catalog.file_uri(ds, f), f.size), name, file_type, f.size,
                         f.sha256, f"{path!r} in snapshot {snap.number} of dataset {ds.name!r}")

    def send(self, request: Request, open_stream, filename: str, file_type: str, size: int, sha256: str,
             what: str) -> Response:
        """Verified bytes, or a 502 page when the stored copy no longer matches its record. HEAD runs the same
        checks as GET (the whole digest of a small file, the size of a large one) and answers as GET would."""
        try:
            body = verified_body(open_stream, size, sha256, what)
        except BytesMismatchError as e:
            return self.page("error.html", status=502, title="Damaged file", message=f"{e}: nothing was sent")
        except (FileNotFoundError, ArtifactNotFoundError):
            return self.page("error.html", status=502, title="Missing file",
                             message=f"the stored bytes of {what} are missing: nothing was sent")
        headers = content_headers(filename, file_type, size, sha256)
        if request.method == "HEAD":
            if not isinstance(body, bytes):
                body.close()
            return Response(b"", headers=headers)
        if isinstance(body, bytes):
            return Response(body, headers=headers)
        return StreamingResponse(body, headers=headers)


def allowed_host_names(hosts: typing.Iterable[str]) -> typing.List[str]:
    """The ``Host`` header names the app accepts: loopback's names and ``hosts`` (bracketed as IPv6 is in a
    ``Host`` header). A name that is empty or holds a port, a path or a wildcard is refused with its fix."""
    names: typing.List[str] = []
    for raw in (*LOOPBACK_HOSTS, *hosts):
        name = raw.strip().lower()
        bare = name[1:-1] if name.startswith("[") and name.endswith("]") else name
        if not bare or any(c in bare for c in "/*@ \t\\?#") or (":" in bare and not _is_ipv6(bare)):
            raise ArtifactValueError(f"{raw!r} is not a host name: give a name or address such as "
                                     "artifacts.example.org or 10.0.0.5, without a port or path")
        for n in ([f"[{bare}]", bare] if ":" in bare else [bare]):
            if n not in names:
                names.append(n)
    return names


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


class _CommonHeaders:
    """ASGI middleware adding :data:`COMMON_HEADERS` to every response (including Starlette's own 400s)."""

    def __init__(self, app) -> None:
        self.app = app
        self.extra = [(k.encode(), v.encode()) for k, v in COMMON_HEADERS.items()]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in self.extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, sending)


def create_app(store: typing.Optional[ArtifactStore] = None, allowed_hosts: typing.Iterable[str] = ()) -> Starlette:
    """The read-only ASGI app over ``store`` (the default store when None).

    It answers only requests whose ``Host`` is a loopback name or one of ``allowed_hosts`` (400 otherwise).
    """
    names = allowed_host_names(allowed_hosts)
    ui = UI(store if store is not None else ArtifactStore())
    routes = [
        Route("/", ui.runs, methods=READ_ONLY),
        Route("/run", ui.run, methods=READ_ONLY),
        Route("/run/file", ui.run_file, methods=READ_ONLY),
        Route("/diff", ui.diff, methods=READ_ONLY),
        Route("/compare", ui.compare, methods=READ_ONLY),
        Route("/lineage", ui.lineage, methods=READ_ONLY),
        Route("/artifact", ui.artifact, methods=READ_ONLY),
        Route("/file", ui.file, methods=READ_ONLY),
        Route("/datasets", ui.datasets, methods=READ_ONLY),
        Route("/triggers", ui.triggers, methods=READ_ONLY),
        Route("/dataset", ui.dataset, methods=READ_ONLY),
        Route("/dataset/manifest", ui.manifest, methods=READ_ONLY),
        Route("/dataset/file", ui.dataset_file, methods=READ_ONLY),
        Route("/static/style.css", ui.static, methods=READ_ONLY),
    ]
    middleware = [Middleware(_CommonHeaders),
                  Middleware(TrustedHostMiddleware, allowed_hosts=names, www_redirect=False)]
    app = Starlette(routes=routes, middleware=middleware, lifespan=_started, exception_handlers={
        NotFound: ui.not_found, 404: ui.not_found, ArtifactError: ui.store_error})
    app.state.ui = ui
    _warm_up(ui)
    return app


@contextlib.asynccontextmanager
async def _started(app: Starlette) -> typing.AsyncIterator[None]:
    """At server start-up: one call through the worker threads page handlers run on, so the first request does
    not wait for a thread to be started (an idle one is kept for a while)."""
    import anyio.to_thread

    await anyio.to_thread.run_sync(lambda: None)
    yield


def _warm_up(ui: "UI") -> None:
    """What the first request would otherwise pay for, done once before any: every template compiled, and the
    event loop's thread pool support (anyio's asyncio backend, loaded by the first page handler run in a worker
    thread) imported. So the first page costs about what every later one does."""
    for name in ui.env.list_templates(filter_func=lambda n: n.endswith(".html")):
        ui.env.get_template(name)
    import importlib

    try:
        importlib.import_module("anyio._backends._asyncio")
    except ImportError:  # another anyio layout: it is then loaded on first use, as before
        pass
