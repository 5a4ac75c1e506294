"""CDISC Dataset-JSON v1.1 of a recorded table (``flyte-artifacts export-json``, and ``format="dataset-json"`` in a
dataset export spec).

``write_dataset_json(path, file_type, dest)`` reads a table file (xpt, sas7bdat, parquet, csv, ...) and writes its
Dataset-JSON to ``dest``: the dataset's name and label, one column definition per variable (``columns.py``) and the
rows as arrays, dates as ISO 8601 text. The file is written to a temporary file beside ``dest`` and renamed into
place, so a failure or a kill leaves no half-written file; an existing ``dest`` is replaced only with
``force=True``. :func:`export_record` does the same for a recorded file, fetched and checked against its sha256.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import tempfile
import typing
from dataclasses import dataclass

from ...errors import ArtifactValueError
from .columns import build_columns, converter

if typing.TYPE_CHECKING:
    from ...store.artifact_store import ArtifactStore, Record

DATASET_JSON_VERSION = "1.1.0"
#: The name of this output format in an export spec (``format="dataset-json"``).
FORMAT = "dataset-json"
#: Table types Dataset-JSON can be written from (the readers of ``summaries.frames``).
TABLE_TYPES = ("xpt", "sas7bdat", "parquet", "feather", "arrow", "csv", "tsv", "jsonl", "xlsx")
SOURCE_SYSTEM = "flytekitplugins-artifacts"

__all__ = ["DATASET_JSON_VERSION", "FORMAT", "TABLE_TYPES", "DatasetJsonOptions", "check_destination", "export_record",
           "json_name", "timestamp", "write_dataset_json"]


@dataclass(frozen=True)
class DatasetJsonOptions:
    """What goes into a Dataset-JSON file beyond the table: ``key`` (variables given ``keySequence``), the
    ``studyOID`` and ``originator``, and the two timestamps (None: now, and the file's time)."""

    key: typing.Tuple[str, ...] = ()
    study_oid: typing.Optional[str] = None
    originator: typing.Optional[str] = None
    created: typing.Optional[str] = None
    modified: typing.Optional[str] = None


@dataclass
class _Table:
    frame: typing.Any
    name: str
    label: str
    variables: typing.Optional[typing.List[dict]]


def json_name(filename: str) -> str:
    """The name a table's Dataset-JSON file takes in a snapshot: ``adsl.xpt`` -> ``adsl.json``."""
    stem = os.path.splitext(filename)[0] or filename
    return f"{stem}.json"


def _dataset_name(filename: str) -> str:
    stem = os.path.basename(filename).split(".", 1)[0]
    return re.sub(r"[^A-Za-z0-9_]", "_", stem).upper() or "DATA"


def _read(path: str, file_type: str, label: str) -> _Table:
    if file_type not in TABLE_TYPES:
        raise ArtifactValueError(
            f"{label!r} is {'a ' + file_type + ' file' if file_type else 'a file of unknown type'}, not a table: "
            f"Dataset-JSON is written from {', '.join(TABLE_TYPES)} files; pick one of those"
        )
    try:
        if file_type in ("xpt", "sas7bdat"):
            import pyreadstat

            from ..summaries.sas_metadata import sas_metadata

            reader = pyreadstat.read_xport if file_type == "xpt" else pyreadstat.read_sas7bdat
            frame, meta = reader(path)
            cdisc = sas_metadata(frame, meta, file_type)
            name = cdisc["dataset"]["name"] or _dataset_name(label.rpartition("/")[2] or path)
            return _Table(frame, name.upper(), cdisc["dataset"]["label"], cdisc["variables"])
        from ..summaries.frames import read_frame

        frame = read_frame(path, file_type)
    except ArtifactValueError:
        raise
    except Exception as e:  # a damaged file: each reader raises its own kind
        lines = str(e).strip().splitlines()
        raise ArtifactValueError(f"cannot read {label!r} as {file_type}: {lines[0] if lines else type(e).__name__}; "
                                 "check the file (`flyte-artifacts verify`) or record it again") from None
    return _Table(frame, _dataset_name(label.rpartition("/")[2].partition("@")[0] or path), "", None)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _header(table: _Table, columns: typing.List[dict], options: DatasetJsonOptions, file_oid: str) -> dict:
    doc: typing.Dict[str, typing.Any] = {
        "datasetJSONCreationDateTime": options.created or _now(),
        "datasetJSONVersion": DATASET_JSON_VERSION,
        "fileOID": file_oid,
    }
    if options.modified:
        doc["dbLastModifiedDateTime"] = options.modified
    if options.originator:
        doc["originator"] = options.originator
    doc["sourceSystem"] = {"name": SOURCE_SYSTEM, "version": _plugin_version()}
    if options.study_oid:
        doc["studyOID"] = options.study_oid
    doc.update({"itemGroupOID": f"IG.{table.name}", "records": len(table.frame), "name": table.name,
                "label": table.label, "columns": columns})
    return doc


def _plugin_version() -> str:
    from importlib import metadata

    try:
        return metadata.version(SOURCE_SYSTEM)
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree that was never installed
        return "unknown"


def check_destination(dest: str, force: bool) -> str:
    """``dest`` as a file this export may write: its folder exists, it is not a folder, and it exists only if
    ``force``."""
    dest = os.fspath(dest)
    if not dest or dest.endswith(("/", os.sep)):
        raise ArtifactValueError(f"output {dest!r} is not a file name: give e.g. -o adsl.json")
    folder = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(folder):
        raise ArtifactValueError(f"the folder of output {dest!r} does not exist ({folder}): create it first, or "
                                 "write somewhere else")
    if os.path.isdir(dest):
        raise ArtifactValueError(f"output {dest!r} is a folder: give a file name inside it, e.g. {dest}/adsl.json")
    if os.path.lexists(dest) and not force:
        raise ArtifactValueError(f"output {dest!r} already exists: pass --force to replace it")
    return dest


def _options(options: DatasetJsonOptions, frame) -> None:
    missing = [k for k in options.key if k not in frame.columns]
    if missing:
        have = ", ".join(map(str, list(frame.columns)[:30]))
        raise ArtifactValueError(f"key variable {', '.join(missing)} is not in the table (its variables: {have}): "
                                 "pass --key with variables it has")


def write_dataset_json(path: str, file_type: str, dest: str, options: DatasetJsonOptions = DatasetJsonOptions(),
                       label: typing.Optional[str] = None, force: bool = False,
                       file_oid: typing.Optional[str] = None) -> dict:
    """Write the Dataset-JSON of the table at ``path`` to ``dest`` (see the module docstring); returns what was
    written: ``output``, ``records``, ``columns``, ``size``, ``sha256``, ``name``."""
    dest = check_destination(dest, force)
    label = label or os.path.basename(path)
    table = _read(path, file_type, label)
    _options(options, table.frame)
    columns = build_columns(table.frame, table.name, table.variables, options.key)
    header = _header(table, columns, options, file_oid or f"{table.name}.{_now()}")
    size, sha = _stream(dest, header, table.frame, columns)
    return {"output": dest, "name": table.name, "records": header["records"], "columns": len(columns),
            "size": size, "sha256": sha}


def _rows(frame, columns) -> typing.Iterator[list]:
    convert = [converter(c["dataType"]) for c in columns]
    for row in frame.itertuples(index=False, name=None):
        yield [f(v) for f, v in zip(convert, row)]


def _stream(dest: str, header: dict, frame, columns) -> typing.Tuple[int, str]:
    """Write header and rows through a temporary file renamed into place; returns (size, sha256)."""
    digest, size = hashlib.sha256(), 0
    head = json.dumps(header, ensure_ascii=False, allow_nan=False, indent=1)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(dest)}.", suffix=".tmp",
                               dir=os.path.dirname(os.path.abspath(dest)))
    try:
        with os.fdopen(fd, "wb") as f:
            def put(text: str) -> None:
                nonlocal size
                data = text.encode("utf-8")
                digest.update(data)
                size += len(data)
                f.write(data)

            put(head[:-2] + ',\n "rows": [')
            for i, row in enumerate(_rows(frame, columns)):
                put(("\n  " if i == 0 else ",\n  ") + json.dumps(row, ensure_ascii=False, allow_nan=False))
            put("\n ]\n}\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return size, digest.hexdigest()


def export_record(store: "ArtifactStore", record: "Record", dest: str,
                  options: DatasetJsonOptions = DatasetJsonOptions(), force: bool = False) -> dict:
    """Write the Dataset-JSON of a recorded table to ``dest``; ``dbLastModifiedDateTime`` is when it was recorded."""
    from ..summaries.filetypes import normalize_file_type

    check_destination(dest, force)
    file_type = normalize_file_type(record.file_type or None, record.filename)
    label = f"{record.artifact}/{record.filename}@{record.execution_id}"
    if file_type not in TABLE_TYPES:
        _read("", file_type, label)  # refused before any byte is fetched
    folder = tempfile.mkdtemp(prefix="artifact-dsjson-")
    try:
        local = os.path.join(folder, "table." + (file_type or "bin"))
        store.download(record, local)
        if options.modified is None:
            options = DatasetJsonOptions(options.key, options.study_oid, options.originator, options.created,
                                         timestamp(record.created_at))
        done = write_dataset_json(local, file_type, dest, options, label=label, force=force,
                                  file_oid=f"{record.sha256[:16]}.{record.execution_id}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    done["source"] = {"artifact": record.artifact, "filename": record.filename,
                      "execution_id": record.execution_id, "sha256": record.sha256}
    return done


def timestamp(text: str) -> typing.Optional[str]:
    """A record's ``created_at`` in the form Dataset-JSON's datetimes take (seconds, ``Z`` for UTC)."""
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc)
    return moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
