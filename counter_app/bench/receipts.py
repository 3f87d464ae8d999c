"""`receipt_ratio`: the A4 receipt's render time over a bare reportlab render of the same pages.

The bare render draws what the receipt's PDF holds — every string at its place in its font, the
Code128 as rectangles, the segno QR as one path — straight onto a reportlab canvas, with no layout
at all. The ratio is what our layout, wrapping and fitting cost on top of reportlab's own drawing
and font subsetting; both run in the same process, alternately, so machine speed cancels out.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import segno
from pypdf import PdfReader, mult
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from counter_app.bench import median, timed_ms
from counter_app.receipts import ReceiptData, code128_modules, fonts, render_receipt
from counter_app.receipts.codes import DOT, MIN_BAR_DOTS, QUIET_MODULES
from counter_app.receipts.flow import binary_streams


@dataclass(frozen=True)
class _Text:
    font: str
    size: float
    x: float
    y: float
    text: str


def _drawn_strings(pdf: bytes) -> list[list[_Text]]:
    """Each page's strings with font, size and position, as the PDF draws them."""
    fonts.ensure_fonts()
    by_face = {pdfmetrics.getFont(name).face.name.decode(): name for name in fonts.font_names()}
    pages: list[list[_Text]] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        found: list[_Text] = []

        def visit(
            text: str,
            cm: list[float],
            tm: list[float],
            font: Any,
            size: float,
            into: list[_Text] = found,
        ) -> None:
            if not text.strip() or font is None:
                return
            face = str(font["/BaseFont"]).lstrip("/").split("+")[-1]
            matrix = mult(tm, cm)
            scale = (matrix[0] ** 2 + matrix[1] ** 2) ** 0.5
            # pypdf ends some strings with the line break it infers; the PDF drew none.
            into.append(_Text(by_face[face], size * scale, matrix[4], matrix[5], text.strip("\n")))

        page.extract_text(visitor_text=visit)
        pages.append(found)
    return pages


def _dark_runs(bits: list[bool]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    start = None
    for i, bit in enumerate([*bits, False]):
        if bit and start is None:
            start = i
        elif not bit and start is not None:
            runs.append((start, i - start))
            start = None
    return runs


def _bare_render(pages: list[list[_Text]], code: str, url: str) -> bytes:
    """The same pages drawn directly: strings, Code128 rectangles, segno QR.

    With the same binary (not ASCII85) streams as ours, so the ratio compares drawing, not that.
    """
    with binary_streams():
        return _bare_pages(pages, code, url)


def _bare_pages(pages: list[list[_Text]], code: str, url: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    width, height = A4
    modules = code128_modules(code)
    matrix = segno.make(url, error="m", micro=False).matrix
    module = MIN_BAR_DOTS * DOT
    for strings in pages:
        for item in strings:
            canvas.setFont(item.font, item.size)
            canvas.drawString(item.x, item.y, item.text)
        # Bars and QR modules as runs of dark modules, one path each (as segno's own writers do).
        path = canvas.beginPath()
        x0 = 20 * 72 / 25.4 + QUIET_MODULES * module
        for start, length in _dark_runs([bit == "1" for bit in modules]):
            path.rect(x0 + start * module, height - 60, length * module, 25)
        canvas.drawPath(path, stroke=0, fill=1)
        qr = canvas.beginPath()
        qr_module = 3 * DOT
        # In the top margin, clear of the text, so the baseline's QR can be decoded too.
        qr_left = width - 12 * 72 / 25.4 - len(matrix) * qr_module
        qr_top = height - 2 * 72 / 25.4
        for row, bits in enumerate(matrix):
            for start, length in _dark_runs([bool(bit) for bit in bits]):
                y = qr_top - (row + 1) * qr_module
                qr.rect(qr_left + start * qr_module, y, length * qr_module, qr_module)
        canvas.drawPath(qr, stroke=0, fill=1)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def receipt_ratio(data: ReceiptData, repeat: int = 20) -> tuple[float, float, float]:
    """(ratio, receipt ms, bare ms): medians over `repeat` alternating renders of each."""
    pdf = render_receipt(data)
    pages = _drawn_strings(pdf)
    ours: list[float] = []
    bare: list[float] = []
    for _ in range(3):  # warm-up: fonts, caches
        render_receipt(data)
        _bare_render(pages, data.dossier_code, data.lookup_url)
    for _ in range(repeat):
        ours += timed_ms(lambda: render_receipt(data), 1)
        bare += timed_ms(lambda: _bare_render(pages, data.dossier_code, data.lookup_url), 1)
    return median(ours) / median(bare), median(ours), median(bare)


def run(ctx: Any) -> dict[str, float]:
    services = ctx.services
    code = ctx.sample_codes[0] if ctx.sample_codes else services.dossiers.search(limit=1)[0].code
    ratio, ours, bare = receipt_ratio(services.receipts.receipt_data(code))
    return {"receipt_ratio": ratio, "receipt_a4_ms": ours, "receipt_bare_ms": bare}
