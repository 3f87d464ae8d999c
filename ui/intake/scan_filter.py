"""Recognises a hand-held scanner's keystroke burst anywhere in the main window.

Scanners type like a keyboard, very fast, and end with Enter. A fast burst ending in Enter that
holds a chip-ID QR text (`|`-separated) or a dossier code is taken back out of whatever field it
landed in (the field returns to its state before the burst) and reported as a scan instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from counter_app.dossier_codes import extract_code

#: Longest pause between two scanner keystrokes; people type far slower than 40 ms a key.
MAX_GAP_S = 0.04
#: Keys a scanner (or a keyboard layout) presses to reach a letter's level: not part of the text,
#: and no reason to drop the burst (X sends Meta or Mode_switch for some Vietnamese letters).
_LEVEL_KEYS = frozenset(
    {
        Qt.Key.Key_Shift,
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Meta,
        Qt.Key.Key_Mode_switch,
        Qt.Key.Key_Super_L,
        Qt.Key.Key_Super_R,
        Qt.Key.Key_Hyper_L,
        Qt.Key.Key_Hyper_R,
    }
)
#: A few longer pauses inside one burst are still a scan (a busy PC delivers keys unevenly).
MAX_STALL_S = 0.5
MAX_STALLS = 3
#: Shorter bursts are typing, not scans (a dossier code has > 20 characters).
MIN_LENGTH = 8
#: A burst this long at scanner speed is a scan even when it reads as nothing we know.
MIN_UNREADABLE_LENGTH = 16


class ScanFilter(QObject):
    """Application event filter.

    Signals: `chip_id_scanned(str)`, `code_scanned(str)`, `scan_unreadable(str)` for a burst
    that is a scan (too long and fast for a person) but neither a card nor a dossier code.
    """

    chip_id_scanned = Signal(str)
    code_scanned = Signal(str)
    scan_unreadable = Signal(str)

    def __init__(
        self,
        window: QWidget,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._clock = clock
        self._buffer: list[str] = []
        self._last = 0.0
        self._stalls = 0
        self._restore: Callable[[], None] | None = None

    def install(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def remove(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() != QEvent.Type.KeyPress or not isinstance(obj, QWidget):
            return False
        focus = QApplication.focusWidget()
        if obj is not (focus or obj) or not self._watches(obj.window()):
            return False  # the same key event seen again while it propagates to parents
        assert isinstance(event, QKeyEvent)
        now = self._event_time(event)
        gap = now - self._last
        if gap > MAX_GAP_S:
            # A scanner (or the USB/X input path) may hiccup once or twice in a burst; a person
            # pauses like that at nearly every key.
            self._stalls += 1
            if gap > MAX_STALL_S or self._stalls > MAX_STALLS or not self._buffer:
                self._buffer.clear()
                self._restore = None
                self._stalls = 0
        self._last = now
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return self._finish()
        text = event.text()
        if not text or not text.isprintable():
            if key not in _LEVEL_KEYS:
                self._buffer.clear()
                self._restore = None
            return False
        if not self._buffer:
            self._restore = _snapshot(focus)
        self._buffer.append(text)
        return False

    def _event_time(self, event: QKeyEvent) -> float:
        """When the key was pressed: the window system's own time stamp when it gives one.

        Measured on arrival instead, a slow reaction to one key (a search as the clerk types)
        would stretch the gap to the next one and split a scan into "typing".
        """
        stamp = event.timestamp()
        if stamp > 0:
            return stamp / 1000.0
        return self._clock()

    def _watches(self, window: QWidget) -> bool:
        """The main window and the dialogs it opened (a detail dialog may be open when the
        next receipt is scanned)."""
        w: QWidget | None = window
        while w is not None:
            if w is self._window:
                return True
            w = w.parentWidget()
        return False

    def _finish(self) -> bool:
        text = "".join(self._buffer)
        restore = self._restore
        self._buffer.clear()
        self._restore = None
        self._stalls = 0
        if len(text) < MIN_LENGTH:
            return False
        if "|" in text:
            kind = "chip"
        elif extract_code(text) is not None and len(text.strip()) >= 20:
            kind = "code"
        elif len(text) >= MIN_UNREADABLE_LENGTH or "://" in text:
            kind = "unreadable"  # a damaged or foreign code: it must not stay in the field
        else:
            return False
        if restore is not None:
            restore()
        if kind == "chip":
            self.chip_id_scanned.emit(text)
        elif kind == "code":
            self.code_scanned.emit(text)
        else:
            self.scan_unreadable.emit(text)
        return True  # Enter is eaten: it ended a scan, it must not submit a form


def _snapshot(widget: Any) -> Callable[[], None] | None:
    """A function putting the focused field back as it was before the burst."""
    if isinstance(widget, QLineEdit):
        text, cursor = widget.text(), widget.cursorPosition()

        def restore_line() -> None:
            widget.setText(text)
            widget.setCursorPosition(cursor)

        return restore_line
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        plain = widget.toPlainText()
        return lambda: widget.setPlainText(plain)
    return None
