"""The pages of a rasterised PDF, one under another, drawn as they are (no scaling per paint).

QPrintPreviewWidget re-recorded every page through a paint engine when it opened and rescaled the
full bitmaps on each paint, tens of milliseconds on the UI thread; here the worker thread renders
the pages at the size they are shown, in the format the raster engine paints directly, and a paint
only copies the visible part.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QScrollArea, QWidget

PAGE_GAP = 12
_BACKGROUND = QColor("#808080")


class _Pages(QWidget):
    """The column of page images inside the scroll area."""

    def __init__(self, images: list[QImage], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._images = images
        self._sizes = [img.deviceIndependentSize().toSize() for img in images]
        width = max((s.width() for s in self._sizes), default=0) + 2 * PAGE_GAP
        height = sum(s.height() + PAGE_GAP for s in self._sizes) + PAGE_GAP
        self._content = QSize(width, height)
        self.setMinimumSize(self._content)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self._content

    def page_rects(self) -> list[QRect]:
        """Where each page is drawn, centred in the current width."""
        rects, y = [], PAGE_GAP
        for size in self._sizes:
            x = max(PAGE_GAP, (self.width() - size.width()) // 2)
            rects.append(QRect(QPoint(x, y), size))
            y += size.height() + PAGE_GAP
        return rects

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        area = event.rect()
        painter.fillRect(area, _BACKGROUND)
        for rect, img in zip(self.page_rects(), self._images, strict=True):
            if rect.intersects(area):
                painter.drawImage(rect.topLeft(), img)
        painter.end()


class PdfPageView(QScrollArea):
    """Scrollable pages of a document, each image at its own size."""

    def __init__(self, images: list[QImage], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pages = _Pages(images)
        self.setWidget(self.pages)
        self.setWidgetResizable(True)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrow keys and PgUp/PgDn scroll

    def set_images(self, images: list[QImage]) -> None:
        """Show other pages (the document drawn again in another layout), from the top."""
        self.pages = _Pages(images)
        self.setWidget(self.pages)  # the scroll area deletes the old column
        self.verticalScrollBar().setValue(0)

    def pageCount(self) -> int:  # noqa: N802 - the name QPrintPreviewWidget used
        return len(self.pages.page_rects())
