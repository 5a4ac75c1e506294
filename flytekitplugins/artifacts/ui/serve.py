"""Sending stored bytes to a browser, checked against the sha256 and size the store recorded.

Every copy is opened through the backend's exact-size open, so a copy of another length, or a link put in its
place, is refused before the first byte leaves. Small files are then read and checked whole, so a damaged copy
gets a clear error page. Large files are hashed while they stream; when the bytes turn out not to match, the
response is broken off before its declared length, so the browser reports a failed download instead of keeping
wrong bytes, and a client can check what it kept against the ``Repr-Digest`` header (RFC 9530).
"""

from __future__ import annotations

import base64
import hashlib
import typing
import urllib.parse

from ..errors import StoredBytesMismatchError

#: Files up to this size are verified before sending; larger ones while sending.
VERIFY_FIRST_LIMIT = 16 << 20
CHUNK = 1 << 20

#: Content types the page serves as themselves. Anything else (HTML, SVG, scripts...) goes out as
#: application/octet-stream, so a stored file can never run as a page of this site.
SAFE_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "log": "text/plain; charset=utf-8",
    "md": "text/plain; charset=utf-8",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
    "zip": "application/zip",
    "gz": "application/gzip",
}
#: Types a browser shows by itself without running anything of ours: sent with ``inline`` disposition.
INLINE_TYPES = {"pdf", "png", "jpg", "jpeg", "gif", "webp"}
IMAGE_TYPES = {"png", "jpg", "jpeg", "gif", "webp"}


class BytesMismatchError(StoredBytesMismatchError):
    """The stored bytes no longer match the size and sha256 the store recorded for them."""


def file_kind(filename: str, file_type: str = "") -> str:
    """The lower-case type of a file: its declared file type, else its extension."""
    kind = (file_type or "").lower().lstrip(".")
    if not kind and "." in filename:
        kind = filename.rsplit(".", 1)[1].lower()
    return kind


def content_headers(filename: str, file_type: str, size: int, sha256: str = "") -> typing.Dict[str, str]:
    """Headers for sending one stored file: a safe content type, disposition and length, and with ``sha256`` the
    digest a client can check the whole download against (``Repr-Digest``, and the hex digest as the ETag).
    ``nosniff`` comes with every answer of the app (``app.COMMON_HEADERS``)."""
    kind = file_kind(filename, file_type)
    disposition = "inline" if kind in INLINE_TYPES else "attachment"
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in filename) or "file"
    if kind == "pdf" and not ascii_name.lower().endswith(".pdf"):
        ascii_name += ".pdf"
    quoted = urllib.parse.quote(filename, safe="")
    headers = {
        "content-type": SAFE_TYPES.get(kind, "application/octet-stream"),
        "content-disposition": f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}",
        "content-length": str(size),
        "cache-control": "private, max-age=3600",
    }
    if sha256:
        headers["etag"] = f'"{sha256}"'
        headers["repr-digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(sha256)).decode()}:"
    return headers


def verified_body(
    open_stream: typing.Callable[[], typing.BinaryIO], size: int, sha256: str, what: str
) -> typing.Union[bytes, "VerifiedStream"]:
    """The bytes of a stored file, checked against its recorded ``size`` and ``sha256``.

    ``open_stream`` must refuse a copy of another size (``StoredBytesMismatchError``), as the backends' exact-size
    open does: nothing of such a copy is ever read. Up to ``VERIFY_FIRST_LIMIT`` bytes: read, checked and returned
    whole (raises ``BytesMismatchError`` before anything is sent). Larger: a :class:`VerifiedStream`.
    """
    try:
        stream = open_stream()
    except StoredBytesMismatchError as e:
        raise BytesMismatchError(f"the stored bytes of {what} do not match the recorded size ({e})") from None
    if size > VERIFY_FIRST_LIMIT:
        return VerifiedStream(stream, size, sha256, what)
    with stream:
        data = stream.read(size + 1)
    if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
        raise BytesMismatchError(f"the stored bytes of {what} do not match the recorded sha256 and size")
    return data


class VerifiedStream:
    """An open stored copy sent in chunks and hashed on the way. When the bytes turn out longer, shorter or other
    than recorded it raises ``BytesMismatchError`` instead of yielding the last chunk, so the response ends short
    of its ``Content-Length``; :meth:`close` releases a stream that is never sent (a HEAD request)."""

    def __init__(self, stream: typing.BinaryIO, size: int, sha256: str, what: str):
        self.stream, self.size, self.sha256, self.what = stream, size, sha256, what

    def close(self) -> None:
        """Release the stored copy without sending it."""
        self.stream.close()

    def __iter__(self) -> typing.Iterator[bytes]:
        h = hashlib.sha256()
        sent = 0
        with self.stream as stream:
            while True:
                buf = stream.read(CHUNK)
                if not buf:
                    break
                sent += len(buf)
                if sent > self.size:
                    raise BytesMismatchError(f"the stored bytes of {self.what} are longer than recorded")
                h.update(buf)
                if sent == self.size and h.hexdigest() != self.sha256:
                    # Hold back the last piece: the response ends short of its length and the browser sees a failure.
                    raise BytesMismatchError(f"the stored bytes of {self.what} do not match the recorded sha256")
                yield buf
        if sent != self.size or h.hexdigest() != self.sha256:
            raise BytesMismatchError(f"the stored bytes of {self.what} do not match the recorded sha256 and size")
