"""``summarize(path)``: a JSON-safe summary of one file, bounded by a :class:`Budget`."""

import os

from flytekitplugins.artifacts.errors import ArtifactTypeError, ArtifactValueError

from .budget import Budget, Clock
from .filetypes import SNIFF_BYTES, kind_of, normalize_file_type
from .jsonsafe import first_line

SUMMARY_VERSION = 1
# csv-like files that fail to parse as a table are summarised as text.
TEXT_FALLBACK = frozenset({"csv", "tsv", "tab", "jsonl", "ndjson"})


def summarize(path, file_type=None, *, budget=None):
    """Summarise the file at ``path`` as a JSON-serialisable dict.

    ``file_type`` defaults to the file's extension. ``budget`` (a :class:`Budget`, a dict of its fields, or None for
    64 MiB / 100,000 rows / 5 s) bounds what is read. Every summary has ``version``, ``kind`` (``table``, ``image``,
    ``text``, ``pdf`` or ``binary``), ``file_type``, ``size`` and ``sampled``; a sampled summary also has ``read``
    (bytes and rows read, when known) and ``limits``. A file that cannot be parsed gets ``error`` (why) instead of
    raising; ``notes`` lists anything else a reader should know. A missing path or a directory raises
    :class:`ArtifactValueError`.
    """
    budget = Budget.of(budget)
    try:
        path = os.fspath(path)
    except TypeError:
        raise ArtifactTypeError(f"path must be a str or os.PathLike, got {type(path).__name__}") from None
    if not os.path.exists(path):
        raise ArtifactValueError(f"cannot summarise {path!r}: no such file")
    if not os.path.isfile(path):
        raise ArtifactValueError(f"cannot summarise {path!r}: not a regular file")
    if file_type is not None and not isinstance(file_type, str):
        raise ArtifactTypeError(f"file_type must be a str or None, got {type(file_type).__name__}")
    size = os.path.getsize(path)
    file_type = normalize_file_type(file_type, path)
    head = b""
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError as exc:
        return _finish({"kind": "binary", "file_type": file_type, "size": size, "error": f"cannot read: {exc}"})
    kind = kind_of(file_type, head)
    summary = {"kind": kind, "file_type": file_type, "size": size}
    clock = Clock(budget.max_seconds)
    if size == 0:
        summary["notes"] = ["empty file"]
        if kind == "text":
            summary.update(lines=0, lines_exact=True, head=[])
        return _finish(summary, budget)
    part = _run(_SUMMARIZERS[kind], path, file_type, budget, clock, size)
    if kind == "table" and "error" in part and file_type in TEXT_FALLBACK:
        reason = part["error"]
        summary["kind"] = "text"
        part = _run(_SUMMARIZERS["text"], path, file_type, budget, clock, size)
        part.setdefault("notes", []).insert(0, f"not read as a table: {reason}")
    summary.update(part)
    return _finish(summary, budget)


def first_rows(summary, rows):
    """A copy of ``summary`` whose preview rows (tables) and first lines (text) stop at ``rows``, as ``show --rows``
    prints them; the stored summary is left as it is."""
    cut = dict(summary)
    for field in ("preview", "head"):
        if isinstance(cut.get(field), list):
            cut[field] = cut[field][: max(rows, 0)]
    return cut


def _run(summarizer, path, file_type, budget, clock, size):
    try:
        return summarizer(path, file_type, budget, clock, size)
    except MemoryError:
        return {"error": "ran out of memory while reading the file"}
    except Exception as exc:  # a file that cannot be parsed is described, never raised
        return {"error": f"{type(exc).__name__}: {first_line(exc)}"}


def _finish(summary, budget=None):
    summary = {"version": SUMMARY_VERSION, **summary}
    summary.setdefault("sampled", False)
    bytes_read = summary.pop("bytes_read", None)
    if summary["sampled"]:
        read = {}
        if bytes_read is not None:
            read["bytes"] = bytes_read
        if summary.get("kind") == "table":
            read["rows"] = summary.get("sample_rows")
        summary["read"] = read
        if budget is not None:
            summary["limits"] = budget.as_dict()
    if not summary.get("notes"):
        summary.pop("notes", None)
    return summary


def _table(path, file_type, budget, clock, size):
    from .table_readers import TableReadError, read_table_sample
    from .table_stats import table_summary

    try:
        sample = read_table_sample(path, file_type, budget)
    except TableReadError as exc:
        return {"error": str(exc)}
    part = table_summary(sample, clock)
    part["sampled"] = sample.sampled
    if sample.bytes_read is not None:
        part["bytes_read"] = sample.bytes_read
    return part


def _image(path, file_type, budget, clock, size):
    from .images import image_summary

    return image_summary(path, file_type, budget, clock, size)


def _text(path, file_type, budget, clock, size):
    from .documents import text_summary

    return text_summary(path, file_type, budget, clock, size)


def _pdf(path, file_type, budget, clock, size):
    from .documents import pdf_summary

    return pdf_summary(path, file_type, budget, clock, size)


def _binary(path, file_type, budget, clock, size):
    return {}


_SUMMARIZERS = {"table": _table, "image": _image, "text": _text, "pdf": _pdf, "binary": _binary}
