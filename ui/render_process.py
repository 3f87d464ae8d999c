"""What the window's one PDF helper process runs: drawing, rasterising and printing pages.

`ui.render` submits these functions to the process (and calls them in its own process when the
helper is broken, so there is one path). Each returns the pid of the process that did the work,
so tests and logs can tell where a PDF came from. Nothing here imports Qt at import time: the
helper starts without it and only loads QtGui/QtPrintSupport when it first prints.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from counter_app.printing import RenderJob

_qt_app: list[Any] = []  # the helper's QGuiApplication, kept alive once made


@dataclass(frozen=True)
class RawPage:
    """One rasterised page as BGRA bytes (QImage's premultiplied ARGB32 on little-endian)."""

    width: int
    height: int
    stride: int
    data: bytes


def lower_priority() -> None:
    """The helper's initializer: background work, so the window wins the CPU on a busy machine."""
    try:
        if os.name == "nt":
            import ctypes

            below_normal = 0x00004000  # BELOW_NORMAL_PRIORITY_CLASS
            kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
            kernel32.SetPriorityClass(kernel32.GetCurrentProcess(), below_normal)
        else:
            os.nice(5)
    except OSError:  # not allowed here: the helper still works at normal priority
        pass


def load() -> int:
    """Import reportlab, the renderers, the fonts and PDFium, then draw and rasterise a sample
    receipt in each layout, once, before the first receipt: its first drawing was seconds
    slower than the next ones (SQLAlchemy imported to unpickle the job, fonts subset), long
    enough for the window's progress dialog to show and animate."""
    import pypdfium2  # noqa: F401 - loads the PDFium library

    import counter_app.printing  # noqa: F401 - RenderJob's module: the first job's unpickling
    from counter_app.receipts import Layout, render_receipt
    from counter_app.receipts.fonts import ensure_fonts
    from counter_app.warmup import sample_receipt
    from ui.printing import PREVIEW_DPI  # Qt's widgets and print support: the first print's

    ensure_fonts()
    for layout in Layout:
        raster(render_receipt(sample_receipt(), layout), PREVIEW_DPI / 72.0)
    return os.getpid()


def draw(job: RenderJob) -> tuple[int, bytes]:
    return os.getpid(), job()


def raster(pdf: bytes, scale: float) -> tuple[int, list[RawPage]]:
    """Every page at `scale` (pixels per point), white-backed."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    doc = pdfium.PdfDocument(pdf)
    pages: list[RawPage] = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            bitmap = page.render(
                scale=scale,
                fill_color=(255, 255, 255, 255),
                force_bitmap_format=pdfium_c.FPDFBitmap_BGRA,
            )
            pages.append(RawPage(bitmap.width, bitmap.height, bitmap.stride, bytes(bitmap.buffer)))
            bitmap.close()
            page.close()
    finally:
        doc.close()
    return os.getpid(), pages


def _ensure_qt() -> None:
    """A QGuiApplication for QPrinter in the helper (the window's process has its own)."""
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        if os.name != "nt" and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # printing needs no screen
        _qt_app.append(QGuiApplication(["counter-app-render"]))


def print_pages(pdf: bytes, printer_name: str, output_file: str = "") -> tuple[int, int]:
    """Rasterise at the printer's resolution and paint one image per page; returns pages.

    With `output_file` the printer writes a PDF there instead (bench and tests without a print
    system). Painting a 300-dpi page into a QPrinter holds the GIL for up to a second in PySide6,
    which is why this runs in the helper process.
    """
    _ensure_qt()
    from PySide6.QtPrintSupport import QPrinter

    from ui.printing import MAX_PRINT_DPI, _setup_printer, page_size_points, paint_pages
    from ui.render import qimages

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if output_file:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(output_file)
    else:
        from ui.printers import check_chosen

        printer.setPrinterName(printer_name)
        check_chosen(printer, printer_name)
    printer.setDocName("counter-app")
    _setup_printer(printer, page_size_points(pdf))
    dpi = min(printer.resolution(), MAX_PRINT_DPI)
    _pid, pages = raster(pdf, dpi / 72.0)
    images = qimages(pages, dpi)
    paint_pages(printer, images)
    if not output_file:
        from ui.printers import check_sent

        check_sent(printer_name)  # libcups' last error is per thread: the one that sent the job
    return os.getpid(), len(images)
