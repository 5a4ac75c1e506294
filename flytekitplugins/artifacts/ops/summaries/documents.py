"""Text and PDF summaries: the first lines of a text file, the page count of a PDF."""

import logging

from .jsonsafe import first_line

HEAD_LINES = 40
LINE_CHARS = 300
CHUNK = 1024 * 1024


def text_summary(path, file_type, budget, clock, size):
    """Line count (of the bytes read) and the first lines of a text file, reading at most ``max_bytes``."""
    head = b""
    lines = 0
    read = 0
    ends_with_newline = True
    with open(path, "rb") as f:
        while read < budget.max_bytes:
            chunk = f.read(min(CHUNK, budget.max_bytes - read))
            if not chunk:
                break
            if len(head) < 64 * 1024:
                head += chunk[: 64 * 1024 - len(head)]
            read += len(chunk)
            lines += chunk.count(b"\n")
            ends_with_newline = chunk.endswith(b"\n")
            if clock.expired():
                break
        complete = not f.read(1)
    if complete and read and not ends_with_newline:
        lines += 1  # a last line without a line end
    text, encoding = _decode(head)
    first = text.splitlines()[:HEAD_LINES]
    if len(head) < read and len(first) == len(text.splitlines()):
        first = first[:-1]  # the last line of the head block may be cut
    result = {
        "lines": lines,
        "lines_exact": complete,
        "head": [line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 1] + "\u2026" for line in first],
        "encoding": encoding,
        "sampled": not complete,
        "bytes_read": read,
    }
    if not complete:
        result["notes"] = [f"lines counted in the first {read} bytes"]
    return result


def _decode(data):
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8"), "utf-8"  # a character cut at the end of the block
        return data.decode("latin-1"), "latin-1"


def pdf_summary(path, file_type, budget, clock, size):
    """Page count (and title, when set) of a PDF read with pypdf; a note when it cannot be read."""
    with open(path, "rb") as f:
        start = f.read(1024)
    if b"%PDF-" not in start:
        return {"error": "not a PDF: no %PDF- header in the first 1024 bytes"}
    try:
        import pypdf
    except ImportError:
        return {"notes": ["page count unknown: reading PDFs needs pypdf, which is not installed"]}
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)  # pypdf logs every repaired oddity as a warning
    try:
        reader = pypdf.PdfReader(path, strict=False)
        result = {}
        if reader.is_encrypted:
            result["encrypted"] = True
            try:
                reader.decrypt("")
            except Exception:  # pypdf raises several types for a password it cannot use
                return {"encrypted": True, "notes": ["encrypted PDF: page count unknown"]}
        result["pages"] = len(reader.pages)
        try:
            title = reader.metadata.title if reader.metadata else None
        except Exception:  # a damaged info dictionary leaves the page count useful
            title = None
        if title:
            result["title"] = str(title)[:200]
        return result
    except Exception as exc:  # pypdf raises PdfReadError, and others, for a damaged file
        return {"error": f"cannot read PDF: {first_line(exc)}"}
    finally:
        logger.setLevel(level)
