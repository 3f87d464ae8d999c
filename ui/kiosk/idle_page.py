"""The kiosk's resting screen: what to hold under the scanner."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

from ui.kiosk.style import label, page_layout

IDLE_TEXT = "Quét mã vạch hoặc mã QR trên giấy hẹn"
IDLE_HINT = (
    "Đưa mã trên giấy tiếp nhận hồ sơ và hẹn trả kết quả vào trước máy quét "
    "để xem tình trạng hồ sơ."
)


class ScanPicture(QWidget):
    """A drawn barcode beside a QR-like square: what to hold under the scanner."""

    _BARS = (3, 1, 2, 1, 1, 3, 1, 2, 2, 1, 3, 1, 1, 2, 1, 3, 2, 1, 1, 2, 3, 1, 2, 1, 1, 3)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scale = 1.0
        self.setFixedSize(520, 150)

    def set_scale(self, scale: float) -> None:
        self._scale = scale
        self.setFixedSize(round(520 * scale), round(150 * scale))
        self.update()

    def paintEvent(self, _event: Any) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.scale(self._scale, self._scale)
        ink = QColor("#2f6db5")
        x = 0
        for i, width in enumerate(self._BARS):
            if i % 2 == 0:
                painter.fillRect(x, 10, width * 5, 130, ink)
            x += width * 5
        # A stylised QR code: three finder squares and a few modules.
        left, top, cell = 380, 10, 130 // 9
        for fx, fy in ((0, 0), (6, 0), (0, 6)):
            painter.fillRect(left + fx * cell, top + fy * cell, 3 * cell, 3 * cell, ink)
            painter.fillRect(
                left + fx * cell + cell // 2,
                top + fy * cell + cell // 2,
                2 * cell,
                2 * cell,
                QColor("#f3f6fa"),
            )
            painter.fillRect(left + (fx + 1) * cell, top + (fy + 1) * cell, cell, cell, ink)
        for mx, my in ((4, 1), (4, 4), (5, 5), (7, 4), (6, 7), (4, 7), (8, 8), (3, 4), (7, 6)):
            painter.fillRect(left + mx * cell, top + my * cell, cell, cell, ink)
        painter.end()


class IdlePage(QWidget):
    """The picture of a scan and the invitation to scan."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = page_layout(self)
        layout.addStretch(2)
        self.picture = ScanPicture()
        layout.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(20)
        self.idle_label = label(IDLE_TEXT, "idleText")
        layout.addWidget(self.idle_label)
        layout.addSpacing(24)
        layout.addWidget(label(IDLE_HINT, "idleHint"))
        layout.addStretch(3)
