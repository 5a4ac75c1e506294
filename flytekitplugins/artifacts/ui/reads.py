"""The store reads behind the pages, with what never changes kept between requests (see ``cache.py``)."""

from __future__ import annotations

import time
import typing

from markupsafe import Markup

from ..errors import ArtifactNotFoundError
from ..ops.inspection import stored_summary
from ..ops.summaries import render_html
from ..store import run_index
from ..store.artifact_store import SUCCEEDED, ArtifactStore, Record
from ..store.jsonfiles import read_json_or_warn
from ..store.keys import RUNS_INDEX, run_key
from ..store.run_index import RunFiles
from ..store.runs import status_of
from .cache import LRU

#: Rows of a table preview shown under a file.
PREVIEW_ROWS = 10
#: A file found without a stored summary is looked for again after this many seconds.
NO_SUMMARY_RECHECK = 60.0


class Reads:
    """One store's reads for the pages: the list of runs, a run's files, records and previews."""

    def __init__(self, store: ArtifactStore, max_runs: int = 2048, max_records: int = 50_000,
                 max_preview_bytes: int = 64 << 20, max_page_bytes: int = 64 << 20):
        self.store = store
        self._listing: typing.Optional[typing.Tuple[int, typing.List[str]]] = None
        self._entries: LRU[str, dict] = LRU(max_records)
        self._runs: LRU[str, RunFiles] = LRU(max_runs)
        self._records: LRU[str, Record] = LRU(max_records)
        self._previews: LRU[tuple, Markup] = LRU(max_preview_bytes, weight=len)
        self._no_summary: LRU[tuple, float] = LRU(max_records)
        #: Rendered pages that cannot change (see the app), by what they show.
        self.pages: LRU[tuple, str] = LRU(max_page_bytes, weight=len)

    # ---- runs ----------------------------------------------------------------------------------------------
    def runs_stamp(self) -> typing.Optional[int]:
        """A stamp of the index of succeeded runs that changes with it (None: the store cannot vouch for one)."""
        return run_index.listing_stamp(self.store, RUNS_INDEX)

    def run_names(self) -> typing.List[str]:
        """Names in the index of succeeded runs, newest first (kept while the store vouches they did not change)."""
        stamp = run_index.listing_stamp(self.store, RUNS_INDEX)
        kept = self._listing
        if stamp is not None and kept is not None and kept[0] == stamp:
            return kept[1]
        names = self.store.backend.list_children(RUNS_INDEX)
        if stamp is not None and run_index.listing_stamp(self.store, RUNS_INDEX) == stamp:
            self._listing = (stamp, names)
        return names

    def succeeded_runs(self, offset: int, limit: int) -> typing.List[dict]:
        """Succeeded runs ``offset`` to ``offset + limit`` in the index, newest first, each with its status."""
        out = []
        for name in self.run_names()[offset: offset + limit]:
            entry = self._entries.get(name)
            if entry is None:
                entry = read_json_or_warn(self.store.backend, f"{RUNS_INDEX}/{name}")
                if entry is None or "execution_id" not in entry:
                    continue
                entry = self._entries.put(name, {**entry, "status": SUCCEEDED})
            out.append(entry)
        return out

    def run_info(self, execution_id: str) -> typing.Optional[dict]:
        """The run's document with its status (read every time: a run that is going changes), or None
        when the store has no such run."""
        try:
            info = read_json_or_warn(self.store.backend, run_key(execution_id))
        except ArtifactNotFoundError:
            return None
        return None if info is None else {**info, "status": status_of(info)}

    def status(self, execution_id: str) -> str:
        """How the run ended (read every time: a run that is going changes)."""
        return self.store.run_status(execution_id)

    def run_files(self, execution_id: str, status: str) -> RunFiles:
        """The run's files by artifact; kept for succeeded runs, whose files never change."""
        if status == SUCCEEDED:
            kept = self._runs.get(execution_id)
            if kept is not None:
                return kept
        files = run_index.run_files(self.store, execution_id)
        return self._runs.put(execution_id, files) if status == SUCCEEDED else files

    def records(self, keys: typing.Sequence[str], status: str) -> typing.List[Record]:
        """The records at ``keys`` (kept for succeeded runs)."""
        if status != SUCCEEDED:
            return run_index.read_records(self.store, keys)
        out = []
        for key in keys:
            rec = self._records.get(key)
            if rec is None:
                found = run_index.read_records(self.store, [key])
                if not found:
                    continue
                rec = self._records.put(key, found[0])
            out.append(rec)
        return out

    # ---- previews ------------------------------------------------------------------------------------------
    def preview(self, record: Record, rows: int = PREVIEW_ROWS) -> typing.Optional[Markup]:
        """The record's stored summary as escaped HTML, or None when the store has no summary of these bytes.

        Nothing is computed here: a file recorded without a summary simply has none. Kept once rendered (a summary
        is stored once for the bytes it describes)."""
        key = (record.execution_id, record.artifact, record.filename, record.sha256, rows)
        kept = self._previews.get(key)
        if kept is not None:
            return kept
        missing_since = self._no_summary.get(key)
        if missing_since is not None and time.monotonic() - missing_since < NO_SUMMARY_RECHECK:
            return None
        summary = stored_summary(self.store, record)
        if summary is None:
            self._no_summary.put(key, time.monotonic())
            return None
        # render_html escapes every value that comes from the file; its own <style> is left out (the page's
        # stylesheet styles it, and the page's policy allows no inline styles).
        return self._previews.put(key, Markup(render_html(summary, rows=rows, style=False)))
