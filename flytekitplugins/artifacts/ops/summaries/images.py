"""Image summaries: dimensions and a small PNG thumbnail (Pillow), or the dimensions of an SVG drawing."""

import base64
import io
import re
import warnings

from .jsonsafe import first_line

THUMBNAIL_SIZE = 128
# Above this many pixels no thumbnail is made: decoding would cost too much memory and time.
MAX_THUMBNAIL_PIXELS = 40_000_000
SVG_READ_BYTES = 256 * 1024
SVG_EMBED_MAX = 64 * 1024


def image_summary(path, file_type, budget, clock, size):
    """Dimensions, mode and format of a raster image and a thumbnail at most 128 px wide and high."""
    if file_type == "svg":
        return svg_summary(path, size)
    try:
        from PIL import Image
    except ImportError:
        return {"notes": ["dimensions unknown: reading images needs Pillow, which is not installed"]}
    result = {"notes": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            img = Image.open(path)
        except Image.DecompressionBombError as exc:
            return {"error": f"image too large to open: {exc}"}
        except Exception as exc:  # Pillow raises UnidentifiedImageError, SyntaxError, OSError... for bad files
            return {"error": f"cannot read image: {first_line(exc)}"}
        with img:
            result.update(width=int(img.width), height=int(img.height), mode=img.mode, format=img.format)
            frames = getattr(img, "n_frames", 1)
            if isinstance(frames, int) and frames > 1:
                result["frames"] = frames
            if img.width * img.height > MAX_THUMBNAIL_PIXELS:
                result["notes"].append(f"no thumbnail: more than {MAX_THUMBNAIL_PIXELS} pixels")
            elif clock.expired():
                result["notes"].append("no thumbnail: time budget spent")
            else:
                try:
                    result["thumbnail"] = _thumbnail(img)
                except Exception as exc:  # truncated or corrupt pixel data surfaces only when decoding
                    result["error"] = f"cannot decode image data: {first_line(exc)}"
    if not result["notes"]:
        del result["notes"]
    return result


def _thumbnail(img):
    img.draft("RGB", (THUMBNAIL_SIZE * 2, THUMBNAIL_SIZE * 2))  # JPEG: decode at a reduced scale
    img.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    if img.mode not in ("RGB", "RGBA", "L", "LA"):
        img = img.convert("RGBA")
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return {
        "media_type": "image/png",
        "width": int(img.width),
        "height": int(img.height),
        "data": base64.b64encode(out.getvalue()).decode("ascii"),
    }


_SVG_TAG = re.compile(rb"<svg\b([^>]*)>", re.IGNORECASE | re.DOTALL)
_ATTRIBUTE = re.compile(rb"([A-Za-z_:][-\w:.]*)\s*=\s*(\"[^\"]*\"|'[^']*')")
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px|pt|mm|cm|in|pc|em|ex|%)?\s*$")
# Anything that could run code or reach out when the drawing is shown: such an SVG is never embedded.
_ACTIVE = re.compile(
    rb"<\s*script|<\s*foreignObject|<\s*iframe|<\s*embed|<\s*object|<!ENTITY|<!DOCTYPE|\bon[a-z]+\s*=|javascript:"
    rb"|<\?xml-stylesheet|@import",
    re.IGNORECASE,
)


def svg_summary(path, size):
    """Width and height of an SVG from its root element's attributes; the drawing itself when small and inert.

    The drawing is kept (base64, ``image/svg+xml``) only when it is at most 64 KiB and has no scripts, event
    handlers, embedded HTML, entity declarations or style imports; renderers show it through an ``<img>`` data URI,
    where browsers run no scripts and load nothing else.
    """
    with open(path, "rb") as f:
        data = f.read(SVG_READ_BYTES)
    match = _SVG_TAG.search(data)
    if match is None:
        return {"error": "not an SVG drawing: no <svg> element in the first 256 KiB"}
    attributes = {k.decode("ascii").lower(): v[1:-1].decode("utf-8", "replace") for k, v in _ATTRIBUTE.findall(
        match.group(1))}
    result = {"format": "SVG", "notes": []}
    width, height = _length(attributes.get("width")), _length(attributes.get("height"))
    box = attributes.get("viewbox", "").replace(",", " ").split()
    if len(box) == 4 and (width is None or height is None):
        try:
            box_w, box_h = float(box[2]), float(box[3])
            width = width if width is not None else _number(box_w)
            height = height if height is not None else _number(box_h)
        except ValueError:
            pass
    if width is not None:
        result["width"] = width
    if height is not None:
        result["height"] = height
    if size > SVG_EMBED_MAX:
        result["notes"].append(f"drawing not embedded: larger than {SVG_EMBED_MAX // 1024} KiB")
    elif _ACTIVE.search(data):
        result["notes"].append("drawing not embedded: it has scripts, event handlers or external content")
    else:
        result["thumbnail"] = {"media_type": "image/svg+xml", "data": base64.b64encode(data).decode("ascii")}
    if not result["notes"]:
        del result["notes"]
    return result


def _length(text):
    if not text:
        return None
    match = _LENGTH.match(text)
    if not match or match.group(2) == "%":
        return None
    return _number(float(match.group(1)))


def _number(value):
    return int(value) if float(value).is_integer() else round(value, 3)

