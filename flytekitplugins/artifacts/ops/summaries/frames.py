"""DataFrames as artifact values: write a pandas DataFrame or pyarrow Table in the format of a file's extension,
read it back as a pandas DataFrame, and register readers/writers for other file types.

Built in: parquet, csv, tsv, feather (and arrow), jsonl (and ndjson), xpt (pyreadstat), xlsx (openpyxl). A
DataFrame whose index is not the default 0..n-1 keeps it: as pandas metadata in parquet/feather, as leading
columns in the other formats.
"""

import dataclasses
import os
from typing import Callable, Optional, Tuple

from flytekitplugins.artifacts.errors import ArtifactTypeError, ArtifactValueError

from .filetypes import normalize_file_type

# Types given by qualified name so that registering them imports nothing.
FRAME_TYPES = ("pandas.DataFrame", "pyarrow.Table")


@dataclasses.dataclass(frozen=True)
class FrameFormat:
    """How one file type is written from and read into Python values.

    ``writer(value, path)`` writes ``value`` to ``path``; ``reader(path)`` returns the value; ``types`` are the
    classes (or their qualified names, such as ``"pandas.DataFrame"``) the writer accepts.
    """

    file_type: str
    writer: Optional[Callable] = None
    reader: Optional[Callable] = None
    types: Tuple = ()


_FORMATS = {}


def register_format(file_type, *, writer=None, reader=None, types=()):
    """Register (or replace) the writer and/or reader of ``file_type``; returns the :class:`FrameFormat`.

    ``writer(value, path)`` must write ``value`` to ``path``; ``reader(path)`` must return the value read.
    ``types`` lists the classes, or qualified class names (``"polars.DataFrame"``), that ``writer`` accepts.
    Registering a type again replaces the parts given and keeps the others.
    """
    name = normalize_file_type(file_type)
    if not name or "/" in name or not name.isprintable():
        raise ArtifactValueError(f"file type must be a non-empty extension such as 'parquet', got {file_type!r}")
    for role, fn in (("writer", writer), ("reader", reader)):
        if fn is not None and not callable(fn):
            raise ArtifactTypeError(f"{role} for {name!r} must be callable, got {type(fn).__name__}")
    if isinstance(types, (type, str)):
        types = (types,)
    for t in types:
        if not isinstance(t, (type, str)):
            raise ArtifactTypeError(f"types for {name!r} must be classes or qualified class names, got {t!r}")
    old = _FORMATS.get(name)
    fmt = FrameFormat(
        name,
        writer if writer is not None else (old.writer if old else None),
        reader if reader is not None else (old.reader if old else None),
        tuple(types) if types else (old.types if old else ()),
    )
    if fmt.writer is None and fmt.reader is None:
        raise ArtifactValueError(f"register_format({name!r}) needs a writer, a reader or both")
    _FORMATS[name] = fmt
    return fmt


def registered_formats():
    """The registered file types, sorted."""
    return sorted(_FORMATS)


def frame_format(file_type):
    """The :class:`FrameFormat` of ``file_type``; :class:`ArtifactValueError` naming the registered ones if none."""
    name = normalize_file_type(file_type)
    fmt = _FORMATS.get(name)
    if fmt is None:
        raise ArtifactValueError(
            f"no DataFrame format for file type {name or file_type!r}; registered: {', '.join(registered_formats())}."
            " Use one of these extensions, or add one with register_format()."
        )
    return fmt


def accepts(value, file_type):
    """True when the writer of ``file_type`` accepts ``value`` (by class, or qualified class name in its MRO)."""
    try:
        fmt = frame_format(file_type)
    except ArtifactValueError:
        return False
    return _matches(value, fmt.types)


def _matches(value, types):
    names = {f"{c.__module__.split('.')[0]}.{c.__qualname__}" for c in type(value).__mro__}
    names |= {f"{c.__module__}.{c.__qualname__}" for c in type(value).__mro__}
    return any(isinstance(value, t) if isinstance(t, type) else t in names for t in types)


def write_frame(value, path, file_type=None):
    """Write ``value`` (a pandas DataFrame or pyarrow Table, or a registered type) to ``path``.

    The format is ``file_type``, else ``path``'s extension. Unknown types raise :class:`ArtifactValueError`;
    values the format's writer does not accept raise :class:`ArtifactTypeError`.
    """
    fmt = frame_format(file_type or normalize_file_type(None, path))
    if fmt.writer is None:
        raise ArtifactValueError(f"file type {fmt.file_type!r} has a reader but no writer")
    if fmt.types and not _matches(value, fmt.types):
        wanted = ", ".join(t if isinstance(t, str) else f"{t.__module__}.{t.__qualname__}" for t in fmt.types)
        raise ArtifactTypeError(f"cannot write a {type(value).__name__} as {fmt.file_type}: expected {wanted}")
    fmt.writer(value, os.fspath(path))
    return path


def read_frame(path, file_type=None):
    """Read ``path`` with the reader of ``file_type`` (default: its extension); a pandas DataFrame for built-ins."""
    fmt = frame_format(file_type or normalize_file_type(None, path))
    if fmt.reader is None:
        raise ArtifactValueError(f"file type {fmt.file_type!r} has a writer but no reader")
    return fmt.reader(os.fspath(path))


# Built-in formats -------------------------------------------------------------------------------------------------


def _pandas(value):
    """``value`` as a pandas DataFrame whose default index is dropped and any other index kept as columns."""
    if _matches(value, ("pyarrow.Table",)):
        return value.to_pandas()
    return value.reset_index() if not _default_index(value) else value


def _default_index(frame):
    import pandas as pd

    index = frame.index
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1 and index.name is None


def _arrow(value):
    import pyarrow as pa

    if isinstance(value, pa.Table):
        return value
    return pa.Table.from_pandas(value, preserve_index=None)


def _write_parquet(value, path):
    import pyarrow.parquet as pq

    pq.write_table(_arrow(value), path)


def _read_parquet(path):
    import pandas as pd

    return pd.read_parquet(path)


def _write_feather(value, path):
    import pyarrow.feather as feather

    feather.write_feather(_arrow(value), path)


def _read_feather(path):
    import pyarrow.feather as feather

    return feather.read_table(path).to_pandas()


def _delimited(sep):
    def write(value, path):
        _pandas(value).to_csv(path, sep=sep, index=False)

    def read(path):
        import pandas as pd

        return pd.read_csv(path, sep=sep)

    return write, read


def _write_jsonl(value, path):
    _pandas(value).to_json(path, orient="records", lines=True, date_format="iso", force_ascii=False)


def _read_jsonl(path):
    import pandas as pd

    return pd.read_json(path, lines=True)


def _write_xpt(value, path):
    import pyreadstat

    frame = _pandas(value)
    table_name = "".join(ch for ch in os.path.splitext(os.path.basename(path))[0].upper() if ch.isalnum())[:8]
    pyreadstat.write_xport(frame, path, table_name=table_name or "DATA", file_format_version=8)


def _read_xpt(path):
    import pyreadstat

    frame, _ = pyreadstat.read_xport(path)
    return frame


def _read_sas7bdat(path):
    import pyreadstat

    frame, _ = pyreadstat.read_sas7bdat(path)
    return frame


def _write_xlsx(value, path):
    _need("openpyxl", "xlsx")
    _pandas(value).to_excel(path, index=False, engine="openpyxl")


def _read_xlsx(path):
    _need("openpyxl", "xlsx")
    import pandas as pd

    return pd.read_excel(path, engine="openpyxl")


def _need(module, file_type):
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ArtifactValueError(f"{file_type} files need {module}: install flytekitplugins-artifacts[inspect]")


def _register_builtins():
    register_format("parquet", writer=_write_parquet, reader=_read_parquet, types=FRAME_TYPES)
    for name in ("feather", "arrow"):
        register_format(name, writer=_write_feather, reader=_read_feather, types=FRAME_TYPES)
    for name, sep in (("csv", ","), ("tsv", "\t")):
        write, read = _delimited(sep)
        register_format(name, writer=write, reader=read, types=FRAME_TYPES)
    for name in ("jsonl", "ndjson"):
        register_format(name, writer=_write_jsonl, reader=_read_jsonl, types=FRAME_TYPES)
    register_format("xpt", writer=_write_xpt, reader=_read_xpt, types=FRAME_TYPES)
    register_format("sas7bdat", reader=_read_sas7bdat)
    register_format("xlsx", writer=_write_xlsx, reader=_read_xlsx, types=FRAME_TYPES)


_register_builtins()
