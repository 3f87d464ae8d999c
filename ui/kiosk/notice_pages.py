"""The kiosk's one-sentence pages: looking up, a calm message, thanks for the rating."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QWidget

from ui.kiosk.style import label, page_layout, touch_button


class BusyPage(QWidget):
    """Shown while a scan is looked up."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = page_layout(self)
        layout.addStretch(1)
        layout.addWidget(label("Đang tra cứu, xin vui lòng chờ…", "busyText"))
        layout.addStretch(1)


class MessagePage(QWidget):
    """A message for anything that is not an answer, with a way back.

    Signals: `back_requested()`.
    """

    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = page_layout(self)
        layout.addStretch(1)
        self.message_label = label("", "messageText")
        layout.addWidget(self.message_label)
        layout.addSpacing(40)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(touch_button("Trở lại", self.back_requested.emit))
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)


class ThanksPage(QWidget):
    """Thanks after a rating was saved."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = page_layout(self)
        layout.addStretch(1)
        self.thanks_label = label("Cảm ơn ông/bà đã đánh giá!", "thanksText")
        layout.addWidget(self.thanks_label)
        layout.addStretch(1)
