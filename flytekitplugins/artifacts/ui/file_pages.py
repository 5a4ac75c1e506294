"""What the file, diff and lineage pages show, from records, stored summaries, tags and lineage documents.

Nothing here reads a file's bytes: a preview or a diff comes from the summaries stored when the files were
recorded, and a file recorded without one is compared by size and sha256 alone.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass

from ..errors import ArtifactValueError
from ..ops.inspection import stored_summary
from ..ops.summaries import diff_summaries
from ..ops.summaries.render_text import column_detail
from ..ops.summaries.textfit import format_value, visible
from ..store import versions as versions_mod
from ..store.artifact_store import Record
from ..store.selector import RecordSelector, select_record
from . import lineage_graph
from .pages import NotFound

if typing.TYPE_CHECKING:
    from .reads import Reads

#: Versions offered in a file's "compare with" list.
DIFF_CHOICES = 50


def find_record(reads: "Reads", execution_id: str, artifact: str, filename: str) -> Record:
    """The record a URL names (its run may have any status: the page shows failed runs too), or a 404 naming what
    is missing."""
    try:
        return select_record(reads.store, RecordSelector(artifact, filename, execution=execution_id, any_status=True))
    except ArtifactValueError:  # no such run or file (ArtifactNotFoundError), or a blank name
        raise NotFound(f"run {execution_id!r} has no file {filename!r} in artifact {artifact!r}") from None


def file_versions(reads: "Reads", artifact: str, filename: str) -> typing.List[dict]:
    """The succeeded runs that recorded ``artifact``/``filename``, newest first (at most ``DIFF_CHOICES``), with
    their tags."""
    out = []
    for v in versions_mod.versions(reads.store, artifact):
        if filename in v["files"]:
            out.append(v)
            if len(out) >= DIFF_CHOICES:
                break
    return out


@dataclass
class FileDetail:
    """One recorded file: its record, run status, preview, tags and the versions it can be compared with."""

    record: Record
    status: str
    preview: typing.Any
    tags: typing.List[str]
    versions: typing.List[dict]

    @property
    def previous(self) -> typing.Optional[str]:
        """The run of the version just older than this one (None when it is the oldest, or not a version)."""
        ids = [v["execution_id"] for v in self.versions]
        if self.record.execution_id in ids:
            i = ids.index(self.record.execution_id)
            return ids[i + 1] if i + 1 < len(ids) else None
        return ids[0] if ids else None


def file_detail(reads: "Reads", execution_id: str, artifact: str, filename: str) -> FileDetail:
    """Everything the file page shows."""
    rec = find_record(reads, execution_id, artifact, filename)
    tags = sorted(versions_mod.tags_by_execution(reads.store, artifact).get(execution_id, []))
    return FileDetail(rec, reads.status(execution_id), reads.preview(rec, rows=20), tags,
                      file_versions(reads, artifact, filename))


@dataclass
class DiffDetail:
    """Two versions of a file and what changed between them (``diff_summaries``), with what was compared."""

    old: Record
    new: Record
    diff: dict
    missing: typing.List[str]  # runs whose file has no stored summary: compared by size and sha256 only
    versions: typing.List[dict]


def diff_detail(reads: "Reads", artifact: str, filename: str, old: str, new: str) -> DiffDetail:
    """The diff page: the stored summaries of two versions compared, or their size and sha256 when one has none."""
    a = find_record(reads, old, artifact, filename)
    b = find_record(reads, new, artifact, filename)
    sa, sb = stored_summary(reads.store, a), stored_summary(reads.store, b)
    missing = [r.execution_id for r, s in ((a, sa), (b, sb)) if s is None]
    if missing:
        sa, sb = {"size": a.size}, {"size": b.size}
    diff = diff_summaries(sa, sb, old_sha256=a.sha256, new_sha256=b.sha256)
    return DiffDetail(a, b, diff, missing, file_versions(reads, artifact, filename))


def stat_text(value: typing.Any, key: str = "") -> str:
    """A column statistic as short text (top values as ``value (count), ...``)."""
    if key == "top":
        return visible(column_detail({"top": value or []}))
    return visible(format_value(value))


def signed(value: typing.Any) -> str:
    """A change as ``+3`` / ``-1.5`` (empty when not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    return f"{'+' if value >= 0 else ''}{format_value(value)}"


def parse_depth(value: str) -> int:
    """A lineage depth from a query string: 1 to ``MAX_DEPTH`` (3 when absent)."""
    try:
        depth = int(value or 3)
    except ValueError:
        raise NotFound(f"depth {value!r} is not a number from 1 to {lineage_graph.MAX_DEPTH}") from None
    if not 1 <= depth <= lineage_graph.MAX_DEPTH:
        raise NotFound(f"depth {value!r} is not a number from 1 to {lineage_graph.MAX_DEPTH}")
    return depth


def lineage_detail(reads: "Reads", execution_id: str, artifact: str, filename: str, depth: int):
    """The file's record and its lineage graph."""
    rec = find_record(reads, execution_id, artifact, filename)
    return rec, lineage_graph.build(reads.store, rec, depth)
