"""Print preview, printing and "save as PDF" for the receipt and slip PDFs.

This Qt has no QtPdf, so pages are rasterised with pypdfium2 (in the helper process of
`ui.render`) and painted one image per page: at the size shown for the preview, at the printer's
resolution to print (also in the helper).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import (
    QImage,
    QKeyEvent,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QShortcut,
)
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.settings import (
    LAYOUT_LABELS,
    PRINTER_KEYS,
    page_layout,
    remembered_printer,
    with_printer,
)
from ui.messages import show_error
from ui.ops import Ops
from ui.page_view import PdfPageView
from ui.print_job import JobWatch, print_or_keep
from ui.printers import PrinterList, last_known, list_printers, printer_ops
from ui.widgets import named

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.services import CounterServices

log = logging.getLogger(__name__)

PREVIEW_DPI = 110  # at most; narrower screens get pages that fit their width
PREVIEW_WIDTH = 900
MAX_PRINT_DPI = 600
NO_PRINTER = "(không có máy in)"
LOOKING_FOR_PRINTERS = "Đang tìm máy in…"
#: The preview's layout switch for receipts (Alt+8 toggles it): checked = the 80 mm slip.
SLIP_SWITCH = "Khổ &80 mm (giấy cuộn)"
#: Draws the previewed document again in a layout ("a4" or "slip80"); runs on the worker thread.
Relayout = Callable[[str], bytes]
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


def layout_filename(filename: str, layout: str) -> str:
    """The file name a document gets in `layout`: "-80mm" before ".pdf" for the slip."""
    stem = filename.removesuffix(".pdf").removesuffix("-80mm")
    return f"{stem}-80mm.pdf" if layout == "slip80" else f"{stem}.pdf"


def _page_width_pt(pdf: bytes, images: list[QImage]) -> float:
    """The first page's width: from the preview image's resolution (opening the PDF again on the
    UI thread costs ~10 ms), else from the PDF."""
    if images and images[0].dotsPerMeterX() > 0:
        return images[0].width() / (images[0].dotsPerMeterX() * 0.0254) * 72.0
    return page_size_points(pdf)[0]


class PdfPreviewDialog(QDialog):
    """Preview of a PDF with printer choice (remembered per layout), Print, Save PDF and Close.

    The printer list comes from the worker ("Đang tìm máy in…" until then, or the list found at
    start-up); Ctrl+P or Enter pressed meanwhile prints as soon as it arrives.

    With `relayout` (receipts) a switch (Alt+8) draws the document again as the 80 mm slip or
    back on A4, in the render process; the printer list then shows that layout's printer, and
    the layout becomes the receipt layout of the next saves (`receipt_layout`).
    Signals: `layout_did_change(str layout, bytes pdf)`.
    """

    layout_did_change = Signal(str, bytes)

    def __init__(
        self,
        parent: QWidget | None,
        services: CounterServices,
        ops: Ops,
        pdf: bytes,
        images: list[QImage],
        title: str,
        filename: str,
        relayout: Relayout | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("printPreviewDialog")
        self.setWindowTitle(f"Xem trước khi in — {title}")
        self.services, self.ops, self.pdf, self.images = services, ops, pdf, images
        self.filename = filename
        self.printed_to: str | None = None
        self.kept_at: Path | None = None
        self.job_watch: JobWatch | None = None
        self.save_dialog: QWidget | None = None
        # A4 pages and 80 mm roll pages each remember their own printer.
        self.layout_kind = page_layout(_page_width_pt(pdf, images))
        self.printers_loaded = False
        self._print_when_loaded = False
        self._clerk_chose = False
        self._found: PrinterList | None = None
        self.relayout = relayout
        self.relaying = False
        self.layout_switch: QCheckBox | None = None
        self.view = named(PdfPageView(images, self), "printPreview")
        self.printers = named(QComboBox(), "printerCombo")
        self.printers.activated.connect(self._chosen_by_clerk)
        self.print_button = named(QPushButton("&In"), "printButton")
        self.print_button.setToolTip("In ra máy in đã chọn (Ctrl+P)")
        self.save_button = named(QPushButton("&Lưu PDF…"), "savePdfButton")
        self.save_button.setToolTip("Lưu thành tệp PDF (Ctrl+Shift+S)")
        close = named(QPushButton("Đó&ng"), "closeButton")
        close.setToolTip("Đóng bản xem trước (Esc)")
        self.status = named(QLabel(), "printStatusLabel")
        self.status.setWordWrap(True)
        bar = QHBoxLayout()
        label = QLabel("&Máy in:")
        label.setBuddy(self.printers)
        bar.addWidget(label)
        bar.addWidget(self.printers, 1)
        if relayout is not None:
            self.layout_switch = named(QCheckBox(SLIP_SWITCH), "layoutSwitch")
            self.layout_switch.setToolTip(
                "In giấy tiếp nhận trên giấy cuộn 80 mm (máy in nhiệt) thay cho 2 liên A4 (Alt+8); "
                "lựa chọn được giữ cho các lần in sau"
            )
            self.layout_switch.setChecked(self.layout_kind == "slip80")
            self.layout_switch.clicked.connect(
                lambda checked: self.switch_layout("slip80" if checked else "a4")
            )
            bar.addWidget(self.layout_switch)
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
        # Print stays the default button while the list loads: Enter prints once it is there.
        self.print_button.setDefault(True)
        self.print_button.setFocus()
        known = last_known()
        if known is not None and known.names:
            self._fill(known)
        else:
            self.printers.addItem(LOOKING_FOR_PRINTERS)
            self.printers.setEnabled(False)
        self.status.setText(LOOKING_FOR_PRINTERS)
        self._fit_to_screen(parent)
        printer_ops().op(list_printers, self).success(self._printers_found).failure(
            self._printers_failed
        ).run()

    def _chosen_by_clerk(self, _index: int) -> None:
        self._clerk_chose = True

    def _fill(self, found: PrinterList) -> None:
        """Put the printers in the combo: the clerk's choice, else this layout's, else default."""
        self._found = found
        current = self.printers.currentText() if self._clerk_chose else ""
        remembered = remembered_printer(self.services.settings, self.layout_kind)
        self.printers.clear()
        if not found.names:
            self.printers.addItem(NO_PRINTER)
            self.printers.setEnabled(False)
            return
        self.printers.addItems(list(found.names))
        self.printers.setEnabled(True)
        for chosen in (current, remembered, found.default):
            if chosen and chosen in found.names:
                self.printers.setCurrentText(chosen)
                break

    def _printers_found(self, found: PrinterList) -> None:
        self.printers_loaded = True
        self._fill(found)
        if found.names:
            if self.status.text() == LOOKING_FOR_PRINTERS:
                self.status.clear()  # (not a print's progress shown meanwhile)
            if self._print_when_loaded and not self.relaying:
                self.print_now()
            return
        self.print_button.setEnabled(False)
        self.save_button.setDefault(True)
        self.save_button.setFocus()
        self.status.setText(
            "Máy này chưa có máy in nào. Hãy cài máy in, hoặc bấm «Lưu PDF…» để lưu bản in."
        )

    def _printers_failed(self, exc: BaseException) -> None:
        log.warning("Không lấy được danh sách máy in: %s", exc)
        self._printers_found(PrinterList((), ""))

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

    def switch_layout(self, layout: str) -> None:
        """Draw the document again in `layout` (worker thread + render process), then show it."""
        switch = self.layout_switch
        if self.relayout is None or switch is None:
            return
        if self.relaying or layout == self.layout_kind:
            switch.setChecked(self.layout_kind == "slip80")
            return
        self.relaying = True
        self.status.setText(f"Đang dựng lại giấy tiếp nhận khổ {LAYOUT_LABELS[layout]}…")
        width_px, ratio = preview_page_width(self)
        relayout = self.relayout

        def work() -> tuple[bytes, list[QImage]]:
            pdf = relayout(layout)
            return pdf, rasterise(pdf, preview_dpi(page_size_points(pdf), width_px), ratio)

        def failed(exc: BaseException) -> None:
            self.relaying = False
            self._print_when_loaded = False
            switch.setChecked(self.layout_kind == "slip80")
            self.status.setText(f"Chưa dựng được khổ {LAYOUT_LABELS[layout]}.")
            show_error(self, exc)

        self.ops.op(work, self).success(lambda done: self._relaid(layout, *done)).failure(
            failed
        ).run()

    def _relaid(self, layout: str, pdf: bytes, images: list[QImage]) -> None:
        self.relaying = False
        self.pdf, self.images, self.layout_kind = pdf, images, layout
        self.filename = layout_filename(self.filename, layout)
        self.view.set_images(images)
        if self.layout_switch is not None:
            self.layout_switch.setChecked(layout == "slip80")
        # This layout's own printer now, not the one picked for the other layout.
        self._clerk_chose = False
        if self._found is not None:
            self._fill(self._found)
        services = self.services
        if services.settings.receipt_layout != layout:
            from dataclasses import replace

            from counter_app.settings import set_value

            services.settings = settings = replace(services.settings, receipt_layout=layout)
            self.ops.op(lambda: set_value(settings, "receipt_layout", layout), self).run()
        self.status.setText(
            f"Khổ {LAYOUT_LABELS[layout]}: giấy tiếp nhận sẽ in khổ này cả cho các lần sau."
        )
        self.layout_did_change.emit(layout, pdf)
        if self._print_when_loaded and self.printers_loaded:
            self.print_now()

    def print_now(self) -> None:
        if not self.print_button.isEnabled():
            return
        if self.relaying:
            if not self._print_when_loaded:  # Ctrl+P right after Alt+8: print the new layout
                self._print_when_loaded = True
                self.status.setText(f"{self.status.text()} Sẽ in ngay khi dựng xong.")
            return
        if not self.printers_loaded and not self.printers.isEnabled():
            self._print_when_loaded = True  # Ctrl+P before the list came: print when it does
            self.status.setText(f"{LOOKING_FOR_PRINTERS} Sẽ in ngay khi tìm xong.")
            return
        self._print_when_loaded = False
        name = self.printers.currentText()
        services = self.services
        key = PRINTER_KEYS[self.layout_kind]
        if getattr(services.settings, key) != name:
            from counter_app.settings import set_value

            services.settings = with_printer(services.settings, self.layout_kind, name)
            settings = services.settings
            self.ops.op(lambda: set_value(settings, key, name), self).run()
        self.print_button.setEnabled(False)
        self.status.setText(f"Đang gửi tới máy in {name}…")
        pdf, settings, filename = self.pdf, services.settings, self.filename

        def done(sent: tuple[int, int | None]) -> None:
            pages, job = sent
            self.printed_to = name
            self.status.setText(f"Đã gửi {pages} trang tới máy in {name}.")
            if job is not None:
                watcher = self.parentWidget() or self
                self.job_watch = JobWatch(watcher, settings, pdf, name, job, filename)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.print_button.setEnabled(True)
            self.kept_at = getattr(exc, "saved", None)
            self.status.setText(
                f"Chưa in được trên máy in {name}."
                + (f" Bản PDF đã lưu tại {self.kept_at}." if self.kept_at else "")
            )
            show_error(self, exc)

        self.ops.op(lambda: print_or_keep(settings, pdf, name, filename), self).success(
            done
        ).failure(failed).run()

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


def open_receipt(
    parent: QWidget,
    services: CounterServices,
    ops: Ops,
    user: UserInfo,
    code: str,
    *,
    reprint: bool = False,
    preview: bool = True,
    on_pdf: Callable[[bytes], None] | None = None,
    on_open: Callable[[PdfPreviewDialog], None] | None = None,
) -> None:
    """Draw a dossier's receipt in this counter's receipt layout (`receipt_layout`: A4 or the
    80 mm slip) in the render process, then open the preview with its layout switch.

    `on_pdf` gets the first PDF drawn; a reprint says so on the page and in the audit log.
    """
    from ui import render

    def draw(layout: str) -> bytes:  # worker thread
        return render.receipt(services, code, reprint=reprint, layout=layout, by=user)

    layout = services.settings.receipt_layout

    def done(pdf: bytes) -> None:
        if on_pdf is not None:
            on_pdf(pdf)
        if preview:
            title = f"Giấy tiếp nhận {code}" + (" (in lại)" if reprint else "")
            name = layout_filename(f"{code}-in-lai.pdf" if reprint else f"{code}.pdf", layout)
            open_pdf_preview(
                parent, services, ops, pdf, title, name, on_open=on_open, relayout=draw
            )

    ops.op(lambda: draw(layout), parent).success(done).with_progress(
        "Đang tạo giấy tiếp nhận…"
    ).run()


def find_printers_ahead() -> None:
    """Load Qt's print support and list the printers (seconds with network printers) on the
    printers' worker now, so the first preview shows them at once. (The render process is
    started by the window's warm-up, `ui.warmup`.)"""
    printer_ops().op(list_printers).failure(
        lambda exc: log.warning("Không tìm được máy in: %s", exc)
    ).run()


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
    relayout: Relayout | None = None,
) -> None:
    """Rasterise in the background at the size shown, then show the preview dialog.

    `relayout`: how to draw the document in another layout (receipts), for the layout switch."""
    width_px, ratio = preview_page_width(parent)

    def work() -> list[QImage]:  # PDFium in the helper process, QImages on the worker thread
        return rasterise(pdf, preview_dpi(page_size_points(pdf), width_px), ratio)

    def show(images: list[QImage]) -> None:
        dialog = PdfPreviewDialog(parent, services, ops, pdf, images, title, filename, relayout)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        if on_open is not None:
            on_open(dialog)

    ops.op(work, parent).success(show).run()
