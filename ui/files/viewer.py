"""Looking at a paper's pages: PDFs and images, page by page, with zoom, by keyboard.

Pages are rendered on the worker thread (ui.ops) at the zoom shown; PageUp/PageDown move between
pages, Ctrl++ / Ctrl+- / Ctrl+0 zoom, Esc closes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage, QImageReader, QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.messages import show_error
from ui.ops import Ops
from ui.page_view import PdfPageView
from ui.printing import rasterise
from ui.widgets import named

ZOOM_STEPS = (50, 75, 100, 125, 150, 200, 300)
BASE_DPI = 96.0


def render_pages(data: bytes, mime: str, zoom: int) -> list[QImage]:
    """Every page as an image at `zoom` % (safe on a worker thread)."""
    if mime == "application/pdf":
        return rasterise(data, BASE_DPI * zoom / 100)
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    pages: list[QImage] = []
    for index in range(max(1, reader.imageCount())):
        if index and not reader.jumpToImage(index):
            break
        image = reader.read()
        if image.isNull():
            if not pages:
                raise ValueError(f"Không mở được ảnh: {reader.errorString()}")
            break
        if zoom != 100:
            image = image.scaledToWidth(
                max(1, image.width() * zoom // 100), Qt.TransformationMode.SmoothTransformation
            )
        pages.append(image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied))
    return pages


class PaperViewer(QDialog):
    """One file's pages; `load` fetches the bytes (e.g. from the server) on the worker thread."""

    def __init__(
        self,
        title: str,
        mime: str,
        load: Callable[[], bytes],
        ops: Ops,
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("paperViewer")
        self.setWindowTitle(title)
        self.ops, self.mime, self._load = ops, mime, load
        self.data: bytes | None = None
        self.zoom = 100
        self.page = 0
        self.images: list[QImage] = []
        self.status = named(QLabel("Đang tải tệp…"), "viewerStatus")
        self.view: PdfPageView | None = None
        self._area = QVBoxLayout()
        buttons = QHBoxLayout()
        for text, slot, name in (
            ("Trang &trước", self.previous_page, "previousPageButton"),
            ("Trang &sau", self.next_page, "nextPageButton"),
            ("&Phóng to", self.zoom_in, "zoomInButton"),
            ("Thu &nhỏ", self.zoom_out, "zoomOutButton"),
            ("Đó&ng", self.reject, "closeViewerButton"),
        ):
            button = named(QPushButton(text), name)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(self._area, 1)
        layout.addLayout(buttons)
        for keys, slot in (
            ("PgDown", self.next_page),
            ("PgUp", self.previous_page),
            ("Ctrl++", self.zoom_in),
            ("Ctrl+=", self.zoom_in),
            ("Ctrl+-", self.zoom_out),
            ("Ctrl+0", self.zoom_reset),
        ):
            QShortcut(QKeySequence(keys), self).activated.connect(slot)
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is not None:
            self.resize(min(1000, screen.width() - 80), min(900, screen.height() - 80))
        ops.op(load, self).success(self._loaded).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.status.setText("Không mở được tệp.")
        if self.isVisible():
            show_error(self, exc)

    def _loaded(self, data: bytes) -> None:
        self.data = data
        self._render()

    def _render(self) -> None:
        data, mime, zoom = self.data, self.mime, self.zoom
        if data is None:
            return
        self.ops.op(lambda: render_pages(data, mime, zoom), self).success(self._show).failure(
            self._failed
        ).run()

    def _show(self, images: list[QImage]) -> None:
        self.images = images
        self.page = min(self.page, max(0, len(images) - 1))
        if self.view is not None:
            self._area.removeWidget(self.view)
            self.view.deleteLater()
        self.view = named(PdfPageView(images[self.page : self.page + 1]), "pageView")
        self._area.addWidget(self.view)
        self.view.setFocus()
        self.status.setText(f"Trang {self.page + 1}/{len(images)} — {self.zoom}%")

    def next_page(self) -> None:
        if self.page + 1 < len(self.images):
            self.page += 1
            self._show(self.images)

    def previous_page(self) -> None:
        if self.page > 0:
            self.page -= 1
            self._show(self.images)

    def zoom_in(self) -> None:
        bigger = [z for z in ZOOM_STEPS if z > self.zoom]
        if bigger:
            self.zoom = bigger[0]
            self._render()

    def zoom_out(self) -> None:
        smaller = [z for z in ZOOM_STEPS if z < self.zoom]
        if smaller:
            self.zoom = smaller[-1]
            self._render()

    def zoom_reset(self) -> None:
        if self.zoom != 100:
            self.zoom = 100
            self._render()
