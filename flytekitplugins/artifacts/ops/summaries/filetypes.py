"""Which kind of summary a file type gets: table, image, text, pdf or binary."""

import os

TABLE_TYPES = frozenset(
    {"csv", "tsv", "tab", "parquet", "pq", "feather", "arrow", "ipc", "jsonl", "ndjson", "xpt", "sas7bdat", "xlsx"}
)
IMAGE_TYPES = frozenset({"png", "jpg", "jpeg", "gif", "svg", "bmp", "webp", "tif", "tiff"})
TEXT_TYPES = frozenset(
    {
        "txt", "text", "md", "markdown", "rst", "json", "yaml", "yml", "toml", "ini", "cfg", "conf", "log",
        "py", "r", "sas", "sql", "sh", "html", "htm", "xml", "tex", "lst", "out", "ipynb", "js", "css",
    }
)
PDF_TYPES = frozenset({"pdf"})

# How many leading bytes decide whether a file of unknown type is text.
SNIFF_BYTES = 8192


def normalize_file_type(file_type, path=None):
    """The file type as lower-case text without a leading dot; from ``path``'s extension when not given.

    Two-part extensions of compressed files keep both parts (``data.csv.gz`` -> ``csv.gz``).
    """
    if file_type:
        return str(file_type).strip().lstrip(".").lower()
    if path is None:
        return ""
    name = os.path.basename(os.fspath(path)).lower()
    stem, ext = os.path.splitext(name)
    if ext in (".gz", ".bz2", ".xz", ".zst", ".zip") and os.path.splitext(stem)[1]:
        return os.path.splitext(stem)[1][1:] + ext
    return ext[1:]


def kind_of(file_type, head=b""):
    """The summary kind for ``file_type``; ``head`` (the file's first bytes) decides for unknown types."""
    if file_type in TABLE_TYPES:
        return "table"
    if file_type in IMAGE_TYPES:
        return "image"
    if file_type in PDF_TYPES:
        return "pdf"
    if file_type in TEXT_TYPES:
        return "text"
    return "text" if looks_like_text(head) else "binary"


def looks_like_text(head):
    """True when ``head`` is non-empty, has no NUL byte and decodes as UTF-8 (a cut last character allowed)."""
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed block is still text.
        return exc.start >= len(head) - 3 and exc.reason == "unexpected end of data"
