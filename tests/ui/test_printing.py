"""Printing path: PDF pages rasterised and painted one per page; Save PDF writes the bytes."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import zxingcpp
from PySide6.QtPrintSupport import QPrinter

from counter_app.auth import system_actor
from counter_app.intake import ApplicantDraft, DossierDraft
from tests.ui.conftest import settle
from ui.printing import PdfPreviewDialog, page_size_points, paint_pages, rasterise, receipt_pdf


def _receipt(services: Any) -> tuple[str, bytes]:
    code = services.intake.receive(
        DossierDraft("2.000908", ApplicantDraft("Phạm Thị Lan", "022190012345")),
        clerk=system_actor(),
    ).code
    # receipt_pdf is worker-thread code (it reads the database): run it on a worker here too.
    with ThreadPoolExecutor(1) as pool:
        return code, pool.submit(receipt_pdf, services, code, by=system_actor()).result()


def test_pages_painted_at_printer_resolution_keep_the_code(
    qapp: Any, services: Any, tmp_path: Path
) -> None:
    code, pdf = _receipt(services)
    assert pdf.startswith(b"%PDF")
    images = rasterise(pdf, 300)
    assert len(images) == len(pdfium.PdfDocument(pdf))
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    from ui.printing import _setup_printer

    _setup_printer(printer, page_size_points(pdf))
    paint_pages(printer, images)
    printed = pdfium.PdfDocument(str(tmp_path / "printed.pdf"))
    assert len(printed) == len(images)
    page = printed[0].render(scale=300 / 72, fill_color=(255, 255, 255, 255)).to_pil()
    assert any(code in r.text for r in zxingcpp.read_barcodes(page))


def test_preview_saves_pdf(qtbot: Any, services: Any, ops: Any, tmp_path: Path) -> None:
    _code, pdf = _receipt(services)
    dialog = PdfPreviewDialog(None, services, ops, pdf, rasterise(pdf, 60), "Giấy", "x.pdf")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.view.pageCount() == len(dialog.images)
    dialog.save_pdf_to(tmp_path / "copy.pdf")
    settle(qtbot, ops)
    assert (tmp_path / "copy.pdf").read_bytes() == pdf


def test_preview_pages_are_drawn_as_rendered(qtbot: Any, services: Any, ops: Any) -> None:
    from PySide6.QtGui import QImage

    from ui.page_view import PAGE_GAP
    from ui.printing import PREVIEW_DPI, preview_dpi

    _code, pdf = _receipt(services)
    size = page_size_points(pdf)
    dpi = preview_dpi(size, 600)
    assert dpi < PREVIEW_DPI
    images = rasterise(pdf, dpi)
    # Painted straight by the raster engine, and as wide as asked: no conversion, no scaling.
    assert {img.format() for img in images} == {QImage.Format.Format_ARGB32_Premultiplied}
    assert all(abs(img.width() - 600) <= 1 for img in images)
    assert images[0].pixelColor(0, 0).name() == "#ffffff"
    dialog = PdfPreviewDialog(None, services, ops, pdf, images, "Giấy", "x.pdf")
    qtbot.addWidget(dialog)
    dialog.show()
    rects = dialog.view.pages.page_rects()
    assert dialog.view.pageCount() == len(images)
    assert all(r.size() == img.size() for r, img in zip(rects, images, strict=True))
    assert all(b.top() - a.bottom() > PAGE_GAP - 2 for a, b in itertools.pairwise(rects))
    # What the dialog shows is the page itself: the top-left pixel of page 1 is the page's.
    shown = dialog.view.pages.grab(rects[0]).toImage()
    assert shown.pixelColor(5, 5) == images[0].pixelColor(5, 5)


def test_hidpi_preview_renders_more_pixels_at_the_same_size(services: Any) -> None:
    _code, pdf = _receipt(services)
    (first, *_rest) = rasterise(pdf, 60, pixel_ratio=2.0)
    (plain, *_) = rasterise(pdf, 60)
    assert abs(first.width() - 2 * plain.width()) <= 1  # pixel sizes are rounded
    shown = first.deviceIndependentSize()
    assert abs(shown.width() - plain.width()) <= 1 and abs(shown.height() - plain.height()) <= 1
