"""The compare page: two recorded tables (two versions of a file, or production and QC in two artifacts) compared
value by value, with the report ``flyte-artifacts compare`` prints (``ops/compare``).

Every choice comes from the query string: ``artifact``, ``filename`` and ``base`` (a run) name the base table;
``compare`` (a run) and, for another artifact or file, ``compare_artifact`` and ``compare_filename`` the other;
``key``, ``tolerance``, ``rel_tolerance`` and ``ignore_case`` are the options. Each is looked up through the store's
API or parsed and checked; a bad one is named on the page (status 400, or 404 for a version the store does not
have), never used. Records never change, so a
report is kept (as JSON text) in the page cache under both records and the options.
"""

from __future__ import annotations

import json
import math
import typing
from dataclasses import dataclass, field

from ..errors import ArtifactValueError
from ..store.artifact_store import Record
from .file_pages import file_versions, find_record
from .pages import NotFound

if typing.TYPE_CHECKING:
    from .reads import Reads

#: The longest key list the page accepts (characters).
MAX_KEY = 1000


@dataclass
class CompareChoice:
    """What the page's form says: both sides (artifact, filename, run) and the options, as text for the form."""

    artifact: str
    filename: str
    base: str
    compare_artifact: str
    compare_filename: str
    compare: str
    key: str = ""
    tolerance: str = ""
    rel_tolerance: str = ""
    ignore_case: bool = False


@dataclass
class CompareDetail:
    """The page: the choice, the versions each side may take, and the report (or the error that stopped it)."""

    choice: CompareChoice
    base_versions: typing.List[dict]
    compare_versions: typing.List[dict]
    base: typing.Optional[Record] = None
    compare: typing.Optional[Record] = None
    document: typing.Optional[dict] = None
    error: str = ""
    status: int = 200
    lines: typing.List[str] = field(default_factory=list)
    sections: typing.List[tuple] = field(default_factory=list)


def _number(text: str, name: str) -> float:
    if not text.strip():
        return 0.0
    try:
        value = float(text)
    except ValueError:
        raise ArtifactValueError(f"{name} {text!r} is not a number: give e.g. 1e-8") from None
    if not math.isfinite(value) or value < 0:
        raise ArtifactValueError(f"{name} {text!r} must be a finite number >= 0")
    return value


def options_of(choice: CompareChoice):
    """The compare options the form's text means, or an error naming the bad value."""
    from ..ops.compare import CompareOptions

    if len(choice.key) > MAX_KEY:
        raise ArtifactValueError(f"key is {len(choice.key)} characters long: at most {MAX_KEY}")
    key = tuple(k.strip() for k in choice.key.split(",")) if choice.key.strip() else ()
    if any(not k for k in key):
        raise ArtifactValueError(f"key {choice.key!r} has an empty name: write e.g. USUBJID,AESEQ")
    return CompareOptions(key=key, abs_tol=_number(choice.tolerance, "tolerance"),
                          rel_tol=_number(choice.rel_tolerance, "relative tolerance"),
                          ignore_case=choice.ignore_case)


def compare_detail(reads: "Reads", choice: CompareChoice) -> CompareDetail:
    """The page for ``choice``: the records it names (404 when one is not in the store) compared value by value."""
    from ..ops.compare import compare_records
    from ..ops.compare.render import sections, summary_lines

    detail = CompareDetail(choice, file_versions(reads, choice.artifact, choice.filename),
                           file_versions(reads, choice.compare_artifact, choice.compare_filename))
    if not choice.base or not choice.compare:
        return detail  # only the form: no version chosen yet
    try:
        detail.base = find_record(reads, choice.base, choice.artifact, choice.filename)
        detail.compare = find_record(reads, choice.compare, choice.compare_artifact, choice.compare_filename)
    except NotFound as e:  # the form stays, so another version can be chosen
        detail.error, detail.status = f"{e}: choose a version the list offers", 404
        return detail
    try:
        options = options_of(choice)
        key = ("compare", *_identity(detail.base), *_identity(detail.compare), repr(options))
        kept = reads.pages.get(key)
        if kept is None:
            document = compare_records(reads.store, detail.base, detail.compare, options)
            reads.pages.put(key, json.dumps(document))
        else:
            document = json.loads(kept)
    except ArtifactValueError as e:
        detail.error, detail.status = str(e), 400
        return detail
    except ImportError as e:
        detail.status = 500
        detail.error = (f"comparing needs {e.name or 'the compare extra'}: install "
                        "'flytekitplugins-artifacts[compare]' where the page runs")
        return detail
    detail.document, detail.lines, detail.sections = document, summary_lines(document), sections(document)
    return detail


def _identity(record: Record) -> typing.Tuple[str, str, str, str]:
    return record.execution_id, record.artifact, record.filename, record.sha256
