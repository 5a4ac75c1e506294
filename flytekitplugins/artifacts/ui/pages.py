"""What each page shows, gathered from the store's public API (no templates, no HTTP here)."""

from __future__ import annotations

import datetime
import typing
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..ops.summaries.textfit import counted
from ..store.artifact_store import ArtifactStore, Record
from ..store.declaration import type_rank
from ..store.run_index import RunFiles
from ..store.versions import tags_by_execution

if typing.TYPE_CHECKING:
    from .reads import Reads

RUNS_PER_PAGE = 50
#: When a filter is set, runs are read from the index in batches of this many until a page is full.
SCAN_BATCH = 200
#: Runs whose records are read at the same time for the artifact counts of a runs page.
COUNT_WORKERS = 8


class NotFound(Exception):
    """Something a URL named is not in the store; the message says what, for the 404 page."""


@dataclass
class RunRow:
    """One line of the runs page."""

    run: dict
    counts: typing.Dict[str, int]  # files per artifact type
    artifacts: int


@dataclass
class RunsPage:
    """One page of runs, newest first, with what is needed for the filter form and the page links."""

    rows: typing.List[RunRow]
    page: int
    has_next: bool
    workflow: str = ""
    since: str = ""
    until: str = ""
    status: str = "succeeded"

    @property
    def filtered(self) -> bool:
        return bool(self.workflow or self.since or self.until or self.status != "succeeded")

    @property
    def first(self) -> int:
        return (self.page - 1) * RUNS_PER_PAGE + 1


@dataclass
class ArtifactGroup:
    """The files one run recorded for one artifact."""

    name: str
    type: str
    files: typing.List[Record] = field(default_factory=list)


@dataclass
class Version:
    """One execution's files of an artifact, and whether they differ from the previous (older) version."""

    run: dict
    files: typing.List[Record]
    changed: typing.Optional[bool]  # None for the oldest version
    tags: typing.List[str] = field(default_factory=list)


def parse_date(value: str, what: str) -> str:
    """A ``YYYY-MM-DD`` date from a query string, or '' when empty; anything else is refused."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise NotFound(f"{what} date {value!r} is not a date like 2026-01-31") from None


def parse_page(value: str) -> int:
    """A page number from a query string (1 when absent)."""
    try:
        page = int(value or 1)
    except ValueError:
        raise NotFound(f"page {value!r} is not a page number") from None
    if page < 1 or page > 10**6:
        raise NotFound(f"page {value!r} is not a page number")
    return page


def _matches(run: dict, workflow: str, since: str, until: str) -> bool:
    day = str(run.get("created_at", ""))[:10]
    if workflow and workflow.lower() not in str(run.get("workflow", "")).lower():
        return False
    if since and day < since:
        return False
    if until and day > until:
        return False
    return True


STATUSES = ("succeeded", "running", "killed", "failed", "all")
#: Files shown on one page of a run.
FILES_PER_PAGE = 100


def parse_status(value: str) -> str:
    """A run status filter from a query string: succeeded (the default), running, failed or all."""
    value = (value or "succeeded").strip().lower()
    if value not in STATUSES:
        raise NotFound(f"status {value!r} is not one of {', '.join(STATUSES)}")
    return value


def runs_page(reads: "Reads", page: int = 1, workflow: str = "", since: str = "", until: str = "",
              status: str = "succeeded") -> RunsPage:
    """Runs, newest first, ``RUNS_PER_PAGE`` at a time, optionally narrowed by workflow (substring), day and status.

    Succeeded runs come from the store's index, a page at a time. Any other status reads every run's status, so it
    costs one read per run in the store.
    """
    start = (page - 1) * RUNS_PER_PAGE
    if status != "succeeded":
        every = [r for r in reads.store.executions(include_all=True)
                 if (status == "all" or r.get("status") == status) and _matches(r, workflow, since, until)]
        runs, has_next = every[start: start + RUNS_PER_PAGE], len(every) > start + RUNS_PER_PAGE
    elif not (workflow or since or until):
        runs = reads.succeeded_runs(start, RUNS_PER_PAGE + 1)
        has_next = len(runs) > RUNS_PER_PAGE
        runs = runs[:RUNS_PER_PAGE]
    else:
        runs, has_next = _filtered(reads, start, workflow, since, until)

    def count(run: dict):
        files = reads.run_files(run["execution_id"], run.get("status", ""))
        return files.counts(), len(files.artifacts)

    # One listing per run (and one record per artifact the first time a succeeded run is shown). On an object store
    # each is a request, so they go concurrently; on a local disk threads would only add overhead.
    workers = min(COUNT_WORKERS, reads.store.backend.concurrency)
    if workers > 1 and len(runs) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            counted = list(pool.map(count, runs))
    else:
        counted = [count(run) for run in runs]
    rows = [RunRow(run, counts, artifacts) for run, (counts, artifacts) in zip(runs, counted)]
    return RunsPage(rows, page, has_next, workflow, since, until, status)


def _filtered(reads: "Reads", start: int, workflow: str, since: str, until: str) -> typing.Tuple[list, bool]:
    matched: typing.List[dict] = []
    offset = 0
    while True:
        batch = reads.succeeded_runs(offset, SCAN_BATCH)
        offset += SCAN_BATCH
        for run in batch:
            if since and str(run.get("created_at", ""))[:10] < since and run.get("created_at"):
                # Newest first: every run after this one is older still.
                return matched[start : start + RUNS_PER_PAGE], len(matched) > start + RUNS_PER_PAGE
            if _matches(run, workflow, since, until):
                matched.append(run)
                if len(matched) > start + RUNS_PER_PAGE:
                    return matched[start : start + RUNS_PER_PAGE], True
        if offset >= len(reads.run_names()):
            return matched[start : start + RUNS_PER_PAGE], False


@dataclass
class RunPage:
    """One page of a run's files, with the whole run's artifacts for the navigation."""

    run: dict
    files: RunFiles
    groups: typing.List[typing.Tuple[str, typing.List["ArtifactGroup"]]]
    page: int
    pages: int

    @property
    def first(self) -> int:
        return (self.page - 1) * FILES_PER_PAGE + 1

    @property
    def shown(self) -> int:
        """Number of files on this page."""
        return sum(len(g.files) for _, groups in self.groups for g in groups)

    def __post_init__(self):
        self._anchors: typing.Dict[str, typing.Tuple[int, int]] = {}
        seen = 0
        for i, a in enumerate(self.files.artifacts, 1):
            self._anchors[a.name] = (i, seen // FILES_PER_PAGE + 1)
            seen += len(a.keys)

    def anchor(self, artifact: str) -> int:
        """The number of ``artifact`` among the run's artifacts (its anchor on the page, ``#a-N``)."""
        return self._anchors.get(artifact, (0, 1))[0]

    def page_of(self, artifact: str) -> int:
        """The page on which ``artifact``'s files start."""
        return self._anchors.get(artifact, (0, 1))[1]


def run_page(reads: "Reads", execution_id: str, page: int = 1, info: typing.Optional[dict] = None) -> RunPage:
    """A run's facts (workflow, project, domain, created, status, code versions) and one page of its files
    (``info``: the run's document with its status, when already read)."""
    if info is None and execution_id:
        info = reads.run_info(execution_id)
    if info is None:
        raise NotFound(f"run {execution_id!r} is not in this store")
    status = info["status"]
    files = reads.run_files(execution_id, status)
    keys = files.keys()
    pages = max(1, -(-len(keys) // FILES_PER_PAGE))
    if page > pages:
        raise NotFound(f"run {execution_id!r} has no page {page} of files (it has {pages})")
    start = (page - 1) * FILES_PER_PAGE
    records = reads.records(keys[start: start + FILES_PER_PAGE], status)
    run = {
        "execution_id": execution_id,
        "workflow": info.get("workflow", ""),
        "project": info.get("project", ""),
        "domain": info.get("domain", ""),
        "created_at": info.get("created_at", ""),
        "status": status,
        "code_versions": files.code_versions(),
    }
    return RunPage(run, files, group_by_artifact(records), page, pages)


def group_by_artifact(records: typing.Iterable[Record]) -> typing.List[typing.Tuple[str, typing.List[ArtifactGroup]]]:
    """Records grouped by artifact type (DATA, MODEL, REPORT first) and, inside, by artifact name."""
    by_type: typing.Dict[str, typing.Dict[str, ArtifactGroup]] = {}
    for r in records:
        groups = by_type.setdefault(r.type, {})
        groups.setdefault(r.artifact, ArtifactGroup(r.artifact, r.type)).files.append(r)
    return [(t, [by_type[t][name] for name in sorted(by_type[t])]) for t in sorted(by_type, key=type_rank)]


def artifact_versions(store: ArtifactStore, name: str,
                      partitions: typing.Sequence[typing.Tuple[str, str]] = ()) -> typing.List[Version]:
    """Every execution that recorded ``name``, newest first, with its files and whether they changed; with
    ``partitions``, only the files carrying those values (and the runs that have one)."""
    from ..store.partitions import describe, matches
    from ..store.selector import partition_hint

    records = store.records(artifact=name)
    if not records:
        raise NotFound(f"artifact {name!r} is not in this store")
    if partitions:
        records = [r for r in records if matches(r.partitions, partitions)]
        if not records:
            raise NotFound(f"no version of artifact {name!r} has {describe(partitions)}"
                           f"{partition_hint(store, name, None, partitions)}")
    tagged = tags_by_execution(store, name)
    by_run: typing.Dict[str, typing.List[Record]] = {}
    for r in records:
        by_run.setdefault(r.execution_id, []).append(r)
    versions = []
    for files in by_run.values():
        first = files[0]
        run = {"execution_id": first.execution_id, "workflow": first.workflow, "project": first.project,
               "domain": first.domain, "created_at": min(f.created_at for f in files)}
        versions.append(Version(run, files, None, sorted(tagged.get(first.execution_id, []))))
    for newer, older in zip(versions, versions[1:]):
        newer.changed = _content(newer.files) != _content(older.files)
    return versions


def partitions_of(files: typing.Sequence[Record]) -> typing.List[str]:
    """The distinct partitions of a version's files, each as ``key=value, key=value``."""
    texts = (", ".join(f"{k}={v}" for k, v in sorted(f.partitions.items())) for f in files if f.partitions)
    return sorted(set(texts))


def _content(files: typing.List[Record]) -> typing.Set[typing.Tuple[str, str]]:
    return {(f.filename, f.sha256) for f in files}


def plural(n: int, noun: str) -> str:
    """``1 file``, ``3 files``, ``1,024 files``."""
    return counted(n, noun)


def when(iso: str) -> str:
    """An ISO timestamp the store wrote, shown as ``YYYY-MM-DD HH:MM:SS UTC``."""
    if not iso:
        return ""
    # The store writes ``YYYY-MM-DDTHH:MM:SS.mmmZ``: reshaped directly, as a page may show a thousand of them.
    if len(iso) == 24 and iso[10] == "T" and iso[19] == "." and iso.endswith("Z"):
        return f"{iso[:10]} {iso[11:19]} UTC"
    try:
        t = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if t.tzinfo is not None:
        t = t.astimezone(datetime.timezone.utc)
    return t.strftime("%Y-%m-%d %H:%M:%S UTC")
