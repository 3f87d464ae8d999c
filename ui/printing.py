"""Print preview, printing and "save as PDF" for the receipt and slip PDFs.

This Qt has no QtPdf, so pages are rasterised with pypdfium2 (in the helper process of
`ui.render`) and painted one image per page: at the size shown for the preview, at the printer's
resolution to print (also in the helper).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QImage,
    QKeyEvent,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QShortcut,
)
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.messages import show_error
from ui.ops import Ops
from ui.page_view import PdfPageView
from ui.widgets import named

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.services import CounterServices

log = logging.getLogger(__name__)

PREVIEW_DPI = 110  # at most; narrower screens get pages that fit their width
PREVIEW_WIDTH = 900
MAX_PRINT_DPI = 600
NO_PRINTER = "(không có máy in)"
_SCROLL_KEYS = (
    Qt.Key.Key_PageDown,
    Qt.Key.Key_PageUp,
    Qt.Key.Key_Home,
    Qt.Key.Key_End,
    Qt.Key.Key_Down,
    Qt.Key.Key_Up,
)


def rasterise(pdf: bytes, dpi: float, pixel_ratio: float = 1.0) -> list[QImage]:
    """Every page of a PDF as an opaque white-backed image (worker thread).

    PDFium draws the pages in the helper process (`ui.render`); here only QImages are made over
    the bytes it sends back. `pixel_ratio` > 1 renders sharper pages for HiDPI screens.
    """
    from ui.render import pages

    return pages(pdf, dpi, pixel_ratio)


def page_size_points(pdf: bytes) -> tuple[float, float]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        w, h = doc[0].get_size()
        return float(w), float(h)
    finally:
        doc.close()


def _setup_printer(printer: QPrinter, size_pt: tuple[float, float]) -> None:
    page = QPageSize(
        QSizeF(*size_pt), QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch
    )
    orientation = (
        QPageLayout.Orientation.Landscape
        if size_pt[0] > size_pt[1]
        else QPageLayout.Orientation.Portrait
    )
    printer.setPageSize(page)
    printer.setPageOrientation(orientation)
    printer.setFullPage(True)


def paint_pages(printer: QPrinter, images: list[QImage]) -> None:
    """One image per page, scaled to the page keeping its shape."""
    painter = QPainter(printer)
    try:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        target = QRectF(printer.pageLayout().fullRectPixels(printer.resolution()))
        for i, img in enumerate(images):
            if i:
                printer.newPage()
            scale = min(target.width() / img.width(), target.height() / img.height())
            w, h = img.width() * scale, img.height() * scale
            painter.drawImage(QRectF(target.x(), target.y(), w, h), img)
    finally:
        painter.end()


def print_pdf(pdf: bytes, printer_name: str) -> int:
    """Send a PDF to a printer at its own resolution (worker thread); returns pages printed.

    The rasterising and painting run in the helper process: painting a 300-dpi page into a
    QPrinter holds the GIL for up to a second in PySide6.
    """
    from ui.render import print_pdf as print_in_helper

    return print_in_helper(pdf, printer_name)


class PdfPreviewDialog(QDialog):
    """Preview of a PDF with printer choice (remembered), Print, Save PDF and Close."""

    def __init__(
        self,
        parent: QWidget | None,
        services: CounterServices,
        ops: Ops,
        pdf: bytes,
        images: list[QImage],
        title: str,
        filename: str,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("printPreviewDialog")
        self.setWindowTitle(f"Xem trước khi in — {title}")
        self.services, self.ops, self.pdf, self.images = services, ops, pdf, images
        self.filename = filename
        self.printed_to: str | None = None
        self.save_dialog: QWidget | None = None
        self.view = named(PdfPageView(images, self), "printPreview")
        self.printers = named(QComboBox(), "printerCombo")
        names = QPrinterInfo.availablePrinterNames()
        remembered = services.settings.printer_name
        default = QPrinterInfo.defaultPrinterName()
        if names:
            self.printers.addItems(names)
            chosen = remembered if remembered in names else default
            if chosen in names:
                self.printers.setCurrentText(chosen)
        else:
            self.printers.addItem(NO_PRINTER)
            self.printers.setEnabled(False)
        self.print_button = named(QPushButton("&In"), "printButton")
        self.print_button.setToolTip("In ra máy in đã chọn (Ctrl+P)")
        self.print_button.setEnabled(bool(names))
        self.save_button = named(QPushButton("&Lưu PDF…"), "savePdfButton")
        self.save_button.setToolTip("Lưu thành tệp PDF (Ctrl+Shift+S)")
        close = named(QPushButton("Đó&ng"), "closeButton")
        close.setToolTip("Đóng bản xem trước (Esc)")
        self.status = named(QLabel(), "printStatusLabel")
        bar = QHBoxLayout()
        label = QLabel("&Máy in:")
        label.setBuddy(self.printers)
        bar.addWidget(label)
        bar.addWidget(self.printers, 1)
        bar.addWidget(self.print_button)
        bar.addWidget(self.save_button)
        bar.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        self.print_button.clicked.connect(self.print_now)
        self.save_button.clicked.connect(self.ask_save_pdf)
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+P"), self).activated.connect(self.print_now)
        QShortcut(QKeySequence("Ctrl+Shift+S"), self).activated.connect(self.ask_save_pdf)
        if self.print_button.isEnabled():
            self.print_button.setDefault(True)
            self.print_button.setFocus()
        else:
            self.save_button.setDefault(True)
            self.save_button.setFocus()
        self._fit_to_screen(parent)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Page keys scroll the pages whichever button has the focus (no Tab needed)."""
        if event.key() in _SCROLL_KEYS:
            bar = self.view.verticalScrollBar()
            step = {
                Qt.Key.Key_PageDown: bar.pageStep(),
                Qt.Key.Key_PageUp: -bar.pageStep(),
                Qt.Key.Key_Down: bar.singleStep() * 3,
                Qt.Key.Key_Up: -bar.singleStep() * 3,
            }
            if event.key() == Qt.Key.Key_Home:
                bar.setValue(bar.minimum())
            elif event.key() == Qt.Key.Key_End:
                bar.setValue(bar.maximum())
            else:
                bar.setValue(bar.value() + step[Qt.Key(event.key())])
            return
        super().keyPressEvent(event)

    def _fit_to_screen(self, parent: QWidget | None) -> None:
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry()
        self.resize(
            min(max(PREVIEW_WIDTH, self.view.pages.sizeHint().width() + 40), screen.width() - 40),
            screen.height() - 60,
        )

    def print_now(self) -> None:
        if not self.print_button.isEnabled():
            return
        name = self.printers.currentText()
        services = self.services
        if services.settings.printer_name != name:
            from counter_app.settings import set_value

            services.settings = replace(services.settings, printer_name=name)
            settings = services.settings
            self.ops.op(lambda: set_value(settings, "printer_name", name), self).run()
        self.print_button.setEnabled(False)
        self.status.setText(f"Đang gửi tới máy in {name}…")
        pdf = self.pdf

        def done(pages: int) -> None:
            self.printed_to = name
            self.status.setText(f"Đã gửi {pages} trang tới máy in {name}.")
            self.accept()

        def failed(exc: BaseException) -> None:
            self.print_button.setEnabled(True)
            self.status.clear()
            show_error(self, exc)

        self.ops.op(lambda: print_pdf(pdf, name), self).success(done).failure(failed).run()

    def ask_save_pdf(self) -> None:
        from ui.dialogs.files import ask_save_path

        self.save_dialog = ask_save_path(
            self, "Lưu PDF", self.filename, "Tệp PDF (*.pdf)", self.save_pdf_to
        )

    def save_pdf_to(self, path: Path) -> None:
        pdf = self.pdf
        from counter_app.atomic import write_bytes

        self.ops.op(lambda: write_bytes(path, pdf), self).success(
            lambda _n: self.status.setText(f"Đã lưu {path}")
        ).run()


def shutdown_render_pool() -> None:
    from ui.render import shutdown

    shutdown()


def receipt_pdf(services: CounterServices, code: str, *, by: UserInfo) -> bytes:
    """The receipt of a just-saved dossier, drawn in the helper process (worker thread)."""
    from ui.render import receipt

    return receipt(services, code, by=by)


def warm_up(ops: Ops, done: Callable[[], None] | None = None) -> None:
    """Start the PDF helper process and initialise print support, before the first receipt."""

    def load() -> None:
        # Imported here too: building ReceiptData needs the module, and a first import during
        # the first save would hold the GIL for tens of milliseconds.
        import pypdfium2  # noqa: F401 - loads the PDFium library once

        import counter_app.receipts  # noqa: F401
        from ui.render import warm

        warm()

    QPrinterInfo.availablePrinterNames()
    QPrinter(QPrinter.PrinterMode.ScreenResolution)

    def finished(_: object = None) -> None:
        if done is not None:
            done()

    def failed(exc: BaseException) -> None:
        log.warning("Không khởi động được tiến trình dựng PDF: %s", exc)
        finished()

    ops.op(load).success(finished).failure(failed).run()


def preview_page_width(parent: QWidget) -> tuple[int, float]:
    """Width in pixels a preview page may take on the parent's screen, and that screen's ratio."""
    screen = parent.screen().availableGeometry()
    # The dialog's width less its margins, the scroll bar and the gaps beside the page.
    return min(PREVIEW_WIDTH, screen.width() - 40) - 70, parent.devicePixelRatioF()


def preview_dpi(size_pt: tuple[float, float], width_px: int) -> float:
    """The resolution at which a page of `size_pt` fills `width_px`, capped at PREVIEW_DPI."""
    return min(float(PREVIEW_DPI), width_px * 72.0 / max(size_pt[0], 1.0))


def open_pdf_preview(
    parent: QWidget,
    services: CounterServices,
    ops: Ops,
    pdf: bytes,
    title: str,
    filename: str,
    on_open: Any = None,
) -> None:
    """Rasterise in the background at the size shown, then show the preview dialog."""
    width_px, ratio = preview_page_width(parent)

    def work() -> list[QImage]:  # PDFium in the helper process, QImages on the worker thread
        return rasterise(pdf, preview_dpi(page_size_points(pdf), width_px), ratio)

    def show(images: list[QImage]) -> None:
        dialog = PdfPreviewDialog(parent, services, ops, pdf, images, title, filename)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        if on_open is not None:
            on_open(dialog)

    ops.op(work, parent).success(show).run()
