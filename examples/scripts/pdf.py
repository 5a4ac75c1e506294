"""A very small PDF writer for the example reports: text in the standard fonts, lines and square markers.

No third-party package is needed to make the TFL PDFs, and the output is deterministic (no timestamps), so the same
data gives byte-identical reports and the artifact store keeps them once.
"""

FONTS = {"F1": "Helvetica", "F2": "Courier", "F3": "Helvetica-Bold"}
A4_LANDSCAPE = (842, 595)


def _escape(text):
    return str(text).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


class Page:
    def __init__(self, size=A4_LANDSCAPE):
        self.width, self.height = size
        self.ops = []

    def text(self, x, y, s, size=10, font="F1"):
        self.ops.append(f"BT /{font} {size} Tf {x:.2f} {y:.2f} Td ({_escape(s)}) Tj ET")

    def line(self, x1, y1, x2, y2, width=0.6):
        self.ops.append(f"{width} w {x1:.2f} {y1:.2f} m {x2:.2f} {y2:.2f} l S")

    def square(self, x, y, size=4, filled=True):
        h = size / 2
        self.ops.append(f"0.6 w {x - h:.2f} {y - h:.2f} {size} {size} re {'f' if filled else 'S'}")

    def content(self):
        return "\n".join(self.ops).encode("latin-1", errors="replace")


class Document:
    def __init__(self, title):
        self.title = title
        self.pages = []

    def page(self, size=A4_LANDSCAPE):
        p = Page(size)
        self.pages.append(p)
        return p

    def save(self, path):
        objects = []  # (number, bytes)

        def add(body):
            objects.append(body)
            return len(objects)

        catalog = add(None)
        pages = add(None)
        fonts = {
            key: add(f"<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>".encode())
            for key, name in FONTS.items()
        }
        font_refs = " ".join(f"/{k} {n} 0 R" for k, n in fonts.items())
        kids = []
        for p in self.pages:
            data = p.content()
            stream = add(b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
            kids.append(
                add(
                    (
                        f"<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 {p.width} {p.height}] "
                        f"/Resources << /Font << {font_refs} >> >> /Contents {stream} 0 R >>"
                    ).encode()
                )
            )
        objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages} 0 R >>".encode()
        objects[pages - 1] = (
            f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
        )
        info = add(
            f"<< /Title ({_escape(self.title)}) /Producer (examples/scripts/pdf.py) >>".encode(
                "latin-1", errors="replace"
            )
        )

        out = bytearray(b"%PDF-1.4\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        for off in offsets:
            out += b"%010d 00000 n \n" % off
        out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
            len(objects) + 1,
            catalog,
            info,
            xref,
        )
        with open(path, "wb") as f:
            f.write(bytes(out))
