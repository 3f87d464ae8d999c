"""Procedure type-ahead: by code or by name typed without diacritics (the core's `find`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QWidget

from counter_app.catalog import ProcedureInfo

_VISIBLE_ROWS = 8


class ProcedurePicker(QLineEdit):
    """A line edit with a result list under it; Up/Down move, Enter picks, Esc closes.

    Signals: `procedure_did_change(object)` with the chosen ProcedureInfo or None.
    """

    procedure_did_change = Signal(object)
    procedure_picked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("procedureInput")
        self.setPlaceholderText("Gõ mã hoặc tên thủ tục, không cần dấu (ví dụ: khai sinh, 1193)")
        self.setToolTip("Chọn thủ tục: gõ mã hoặc tên không dấu, ↑/↓ để chọn, Enter để nhận (F4)")
        self._find: Callable[[str], list[ProcedureInfo]] = lambda _text: []
        self._list: QListWidget | None = None
        self.current: ProcedureInfo | None = None
        self.textEdited.connect(self._refresh)
        self.textChanged.connect(self._text_changed)

    def _text_changed(self, text: str) -> None:
        # Set from code (a restored draft, a scan taken back out): no stale result list.
        if not text.strip() and self._list is not None:
            self._list.hide()

    def set_finder(self, find: Callable[[str], list[ProcedureInfo]]) -> None:
        self._find = find

    @property
    def popup(self) -> QListWidget:
        if self._list is None:
            host = self.window()
            self._list = QListWidget(host)
            self._list.setObjectName("procedureList")
            self._list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            # A long procedure name wraps onto a second line instead of hiding under a
            # horizontal scroll bar that squashes the only row.
            self._list.setWordWrap(True)
            self._list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self._list.setTextElideMode(Qt.TextElideMode.ElideNone)
            self._list.setStyleSheet(
                "QListWidget { border: 1px solid #5b7fa6; background: white; }"
                "QListWidget::item { padding: 3px; }"
                "QListWidget::item:selected { background: #cfe0f5; color: black; }"
            )
            self._list.itemClicked.connect(self._choose_item)
            self._list.hide()
            host.installEventFilter(self)
        return self._list

    def _refresh(self, text: str) -> None:
        if self.current is not None and text != self.current.code:
            self.current = None
            self.procedure_did_change.emit(None)
        popup = self.popup
        popup.clear()
        if not text.strip():
            popup.hide()
            return
        for info in self._find(text):
            item = QListWidgetItem(f"{info.code} — {info.name}  ·  {info.sector}")
            item.setData(Qt.ItemDataRole.UserRole, info)
            popup.addItem(item)
        if popup.count() == 0:
            popup.hide()
            return
        popup.setCurrentRow(0)
        self._place()
        popup.show()
        popup.raise_()

    def _place(self) -> None:
        popup = self.popup
        host = popup.parentWidget()
        assert host is not None
        pos = self.mapTo(host, QPoint(0, self.height()))
        width = max(self.width(), 600)
        width = min(width, host.width() - pos.x() - 4)
        # Each row as tall as its wrapped text at this width (3 px padding above and below).
        many = popup.count() > _VISIBLE_ROWS
        scroll = popup.verticalScrollBar().sizeHint().width() if many else 0
        text_width = width - 2 * popup.frameWidth() - scroll - 12
        metrics = popup.fontMetrics()
        heights = []
        for row in range(popup.count()):
            item = popup.item(row)
            box = metrics.boundingRect(
                QRect(0, 0, text_width, 10_000), Qt.TextFlag.TextWordWrap, item.text()
            )
            item.setSizeHint(QSize(text_width, box.height() + 8))
            heights.append(box.height() + 8)
        visible = sum(heights[:_VISIBLE_ROWS])
        height = visible + 2 * popup.frameWidth() + 2 if heights else 0
        # Never past the window's bottom edge: the list scrolls instead.
        height = min(height, max(0, host.height() - pos.y() - 4))
        popup.setGeometry(pos.x(), pos.y(), width, height)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move) and self.popup.isVisible():
            self._place()
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        popup = self.popup
        key = event.key()
        if popup.isVisible():
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                step = 1 if key == Qt.Key.Key_Down else -1
                popup.setCurrentRow(max(0, min(popup.count() - 1, popup.currentRow() + step)))
                return
            if key == Qt.Key.Key_Escape:
                popup.hide()
                return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if popup.isVisible() and popup.currentItem() is not None:
                self._choose_item(popup.currentItem())
                return
            if self.current is None and self.text().strip():
                hits = self._find(self.text())
                if hits:
                    self.choose(hits[0], picked=True)
                    return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().focusOutEvent(event)
        if self._list is not None:
            self._list.hide()

    def _choose_item(self, item: QListWidgetItem) -> None:
        self.choose(item.data(Qt.ItemDataRole.UserRole), picked=True)

    def choose(self, info: ProcedureInfo | None, *, picked: bool = False) -> None:
        """Select a procedure (or none); `picked` when the clerk chose it (focus moves on)."""
        if self._list is not None:
            self._list.hide()
        self.current = info
        self.setText(info.code if info else "")
        self.procedure_did_change.emit(info)
        if picked and info is not None:
            self.procedure_picked.emit(info)
