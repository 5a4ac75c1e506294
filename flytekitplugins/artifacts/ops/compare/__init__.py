"""Value-level compare of two recorded tables (production vs QC, or two versions of one file).

``compare_records(store, base, compare, CompareOptions(key=("USUBJID",)))`` downloads both files (checked against
their recorded sha256), reads them whole and returns the compare document of :mod:`.values`, with ``base`` and
``compare`` also naming the record (artifact, filename, execution, sha256). :func:`write_report` writes it as
``.json``, ``.txt`` or ``.html``, for a person, a CI job or a REPORT artifact.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import typing

from .render import render_html, render_text, write_report
from .tables import TABLE_TYPES, LoadedTable, read_table
from .values import CompareOptions, compare_tables

if typing.TYPE_CHECKING:
    from ...store.artifact_store import ArtifactStore, Record

__all__ = ["CompareOptions", "LoadedTable", "TABLE_TYPES", "compare_files", "compare_records", "compare_tables",
           "read_table", "render_html", "render_text", "write_report"]


def describe(record: "Record") -> str:
    """``artifact/filename@execution``: how a compare names one side."""
    return f"{record.artifact}/{record.filename}@{record.execution_id}"


def compare_records(store: "ArtifactStore", base: "Record", compare: "Record",
                    options: CompareOptions = CompareOptions()) -> dict:
    """Compare the recorded files ``base`` and ``compare`` value by value (see the module docstring)."""
    folder = tempfile.mkdtemp(prefix="artifact-compare-")
    try:
        tables = []
        for i, record in enumerate((base, compare)):
            path = os.path.join(folder, str(i), _safe(record.filename))
            os.makedirs(os.path.dirname(path))
            store.download(record, path)
            tables.append(read_table(path, _file_type(record), describe(record)))
        document = compare_tables(tables[0], tables[1], options)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for side, record in (("base", base), ("compare", compare)):
        document[side]["record"] = {"artifact": record.artifact, "filename": record.filename,
                                    "execution_id": record.execution_id, "sha256": record.sha256}
    return document


def compare_files(base_path: str, compare_path: str, options: CompareOptions = CompareOptions(),
                  base_type: typing.Optional[str] = None, compare_type: typing.Optional[str] = None) -> dict:
    """Compare two table files on this machine (inside a task, before they are recorded)."""
    from ..summaries.filetypes import normalize_file_type

    tables = [read_table(p, normalize_file_type(t, p), os.path.basename(p))
              for p, t in ((base_path, base_type), (compare_path, compare_type))]
    return compare_tables(tables[0], tables[1], options)


def _file_type(record: "Record") -> str:
    from ..summaries.filetypes import normalize_file_type

    return normalize_file_type(record.file_type or None, record.filename)


def _safe(filename: str) -> str:
    base = os.path.basename(filename.replace("\\", "/"))
    return base if base not in ("", ".", "..") else "table"
