"""Printing path: PDF pages rasterised and painted one per page; Save PDF writes the bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import zxingcpp
from PySide6.QtPrintSupport import QPrinter

from counter_app.intake import ApplicantDraft, DossierDraft
from tests.ui.conftest import settle
from ui.printing import PdfPreviewDialog, page_size_points, paint_pages, rasterise, receipt_pdf


def _receipt(services: Any) -> tuple[str, bytes]:
    code = services.intake.receive(
        DossierDraft("2.000908", ApplicantDraft("Phạm Thị Lan", "022190012345"))
    ).code
    return code, receipt_pdf(services, code)


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
    dialog = PdfPreviewDialog(
        None, services, ops, pdf, rasterise(pdf, 60), page_size_points(pdf), "Giấy", "x.pdf"
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.view.pageCount() == len(dialog.images)
    dialog.save_pdf_to(tmp_path / "copy.pdf")
    settle(qtbot, ops)
    assert (tmp_path / "copy.pdf").read_bytes() == pdf
