"""The display board on a TV: each counter's current number, the last calls, the next numbers,
and every call (and recall) spoken in Vietnamese.

It learns of calls through the service's long-poll push channel on its own worker (`Ops`): one
request waits until something happens, the board redraws from a fresh status, and asks again.
Sizes follow the screen's height so the numbers stay readable from 5 m on any TV.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain import local_now
from counter_app.queue.client import QueueClientError
from ui.ops import Ops
from ui.queue.speech import Speaker
from ui.queue.style import BOARD_STYLE
from ui.widgets import named

log = logging.getLogger(__name__)

RETRY_MS = 3000
FRESH_MS = 6000
RECENT = 5
NEXT = 6


class CounterTile(QFrame):
    """One counter: "QUẦY 3" above its current number."""

    def __init__(self, counter: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter = counter
        self.setProperty("class", "tile")
        self.setObjectName(f"tile_{counter}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(0)
        self.caption = QLabel(f"QUẦY {counter}")
        self.caption.setProperty("class", "tileCounter")
        self.number = QLabel("—")
        self.number.setProperty("class", "tileNumber")
        for w in (self.caption, self.number):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            # Sizes come from the screen (see _scale_fonts), never from the text.
            w.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            layout.addWidget(w)

    def set_number(self, number: str | None, *, fresh: bool = False) -> None:
        self.number.setText(number or "—")
        self.setProperty("fresh", "true" if fresh else "false")
        self.style().unpolish(self)
        self.style().polish(self)


class QueueBoardWindow(QWidget):
    """Signals: `call_did_arrive(dict)` for each call or recall event pushed to the board,
    `connection_did_change(bool)`."""

    call_did_arrive = Signal(object)
    connection_did_change = Signal(bool)

    def __init__(
        self,
        client: Any,
        *,
        speaker: Speaker | None = None,
        wait_s: float = 20.0,
        title: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("queueBoard")
        self.setStyleSheet(BOARD_STYLE)
        self.client = client
        self.speaker = speaker
        self.wait_s = wait_s
        self.net = Ops(self)
        self.since: int | None = None
        self.connected = False
        self._closed = False
        self.tiles: dict[int, CounterTile] = {}

        root = QVBoxLayout(self)
        root.setContentsMargins(24, 12, 24, 12)
        top = QHBoxLayout()
        self.title = named(QLabel(title or "MỜI CÔNG DÂN THEO DÕI SỐ THỨ TỰ"), "boardTitle")
        self.clock = named(QLabel(""), "clock")
        top.addWidget(self.title, 1)
        top.addWidget(self.clock)
        root.addLayout(top)
        self.banner = named(QLabel("Đang kết nối hệ thống xếp hàng…"), "banner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        root.addWidget(self.banner)
        body = QHBoxLayout()
        body.setSpacing(24)
        self.grid = QGridLayout()
        self.grid.setSpacing(14)
        body.addLayout(self.grid, 3)
        side = QVBoxLayout()
        side.setSpacing(0)  # line heights come from the fonts, sized to fit the screen
        self.recent_title = QLabel("VỪA GỌI")
        self.next_title = QLabel("SỐ TIẾP THEO")
        self.recent = [QLabel("") for _ in range(RECENT)]
        self.next = [QLabel("") for _ in range(NEXT)]
        side.addWidget(self.recent_title)
        for w in self.recent:
            side.addWidget(w)
        side.addSpacing(16)
        side.addWidget(self.next_title)
        for w in self.next:
            side.addWidget(w)
        for w in (self.recent_title, self.next_title):
            w.setProperty("class", "sectionTitle")
        for w in (*self.recent, *self.next):
            w.setProperty("class", "listItem")
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # The side column shares the screen's height out; its font sizes are chosen to fit.
        for w in (*self.recent, *self.next, self.recent_title, self.next_title):
            w.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        body.addLayout(side, 2)
        root.addLayout(body, 1)

        self._tick = QTimer(self)
        self._tick.timeout.connect(self._show_time)
        self._tick.start(1000)
        self._show_time()
        self._fresh = QTimer(self, singleShot=True)
        self._fresh.timeout.connect(self._unflash)
        self._retry = QTimer(self, singleShot=True)
        self._retry.timeout.connect(self.poll)
        self.poll()

    # -- push channel --------------------------------------------------------------------------

    def poll(self) -> None:
        """One round: a full status first, then long polls for events after the cursor."""
        if self._closed:
            return
        since = self.since

        def job() -> tuple[list[dict[str, Any]], dict[str, Any] | None, int]:
            if since is None:
                status = self.client.status()
                return [], status, int(status["seq"])
            reply = self.client.events(since, self.wait_s)
            events = list(reply["events"])
            status = self.client.status() if events else None
            return events, status, int(reply.get("retry_ms", 0))

        self.net.op(job, self).success(self._polled).failure(self._lost).run()

    def _polled(self, result: tuple[list[dict[str, Any]], dict[str, Any] | None, int]) -> None:
        events, status, extra = result
        self._set_connected(True)
        if status is not None and self.since is None:
            self.since = extra
            self._apply(status, fresh=set())
            QTimer.singleShot(0, self.poll)
            return
        calls = [e for e in events if e["kind"] in ("call", "recall")]
        if events:
            self.since = max(int(e["seq"]) for e in events)
        if status is not None:
            self._apply(status, fresh={int(e["counter"]) for e in calls if e["counter"]})
        for e in calls:
            self.call_did_arrive.emit(e)
            if self.speaker is not None and e["counter"]:
                self.speaker.announce(e["number"], int(e["counter"]))
        if extra:  # the service had no thread to spare for a waiting poll
            self._retry.start(extra)
        else:
            QTimer.singleShot(0, self.poll)

    def _lost(self, exc: BaseException) -> None:
        if not isinstance(exc, QueueClientError):
            log.error("board poll failed: %r", exc)
        self._set_connected(False, str(exc))
        self.since = None  # redraw from a full status when it is back
        self._retry.start(RETRY_MS)

    def _set_connected(self, ok: bool, message: str = "") -> None:
        if ok == self.connected and (ok or self.banner.isVisible()):
            return
        self.connected = ok
        self.banner.setVisible(not ok)
        if not ok:
            self.banner.setText(f"Mất kết nối hệ thống xếp hàng — đang thử lại. {message}")
        self.connection_did_change.emit(ok)

    # -- drawing -------------------------------------------------------------------------------

    def _apply(self, status: dict[str, Any], *, fresh: set[int]) -> None:
        counters = [int(c["counter"]) for c in status["counters"]]
        if sorted(self.tiles) != sorted(counters):
            self._build_tiles(counters)
        for c in status["counters"]:
            self.tiles[int(c["counter"])].set_number(c["current"], fresh=int(c["counter"]) in fresh)
        calls = status.get("last_calls", [])
        for i, w in enumerate(self.recent):
            call = calls[i] if i < len(calls) else None
            again = " (gọi lại)" if call and call["kind"] == "recall" else ""
            w.setText(f"{call['number']}  →  Quầy {call['counter']}{again}" if call else "")
        waiting = status.get("waiting", [])
        for i, w in enumerate(self.next):
            if i < len(waiting):
                star = "  (ưu tiên)" if waiting[i]["priority"] else ""
                w.setText(f"{waiting[i]['number']}{star}")
            else:
                w.setText("")
        if fresh:
            self._fresh.start(FRESH_MS)

    def _build_tiles(self, counters: list[int]) -> None:
        for tile in self.tiles.values():
            tile.deleteLater()
        self.tiles = {}
        columns = self._columns(len(counters))
        for col in range(6):
            self.grid.setColumnStretch(col, 1 if col < columns else 0)
        for i, c in enumerate(sorted(counters)):
            tile = CounterTile(c, self)
            self.tiles[c] = tile
            self.grid.addWidget(tile, i // columns, i % columns)
        self._scale_fonts()

    @staticmethod
    def _columns(count: int) -> int:
        return 4 if count > 9 else 3 if count > 4 else 2

    def _unflash(self) -> None:
        for tile in self.tiles.values():
            tile.set_number(tile.number.text() if tile.number.text() != "—" else None)

    def _show_time(self) -> None:
        now = local_now()
        self.clock.setText(f"{now:%H:%M}  {now:%d/%m/%Y}")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._scale_fonts()

    def _scale_fonts(self) -> None:
        """Pixel sizes from the screen height: a number is ~1/10 of it (≈ 11 cm on a 50" TV)."""
        h = max(self.height(), 480)
        w = max(self.width(), 640)
        columns = self._columns(len(self.tiles))
        rows = max(1, -(-len(self.tiles) // columns))
        tile_w = w * 0.6 / columns
        side_w = w * 0.4
        side = {*self.recent, *self.next}

        def px(widget: QWidget, size: float, bold: bool = False) -> None:
            font = QFont(widget.font())
            font.setPixelSize(max(10, int(size)))
            font.setBold(bold)
            widget.setFont(font)
            if widget in side:
                # Squeezable labels still keep one full line (descenders of "Quầy" included).
                widget.setMinimumHeight(QFontMetrics(font).height())

        px(self.title, h * 0.04, True)
        px(self.clock, h * 0.036)
        px(self.banner, h * 0.03, True)
        # Five characters ("A1023") must fit a tile's width.
        number = min(h * 0.13, h * 0.7 / rows / 1.5, tile_w / 3.3)
        for tile in self.tiles.values():
            px(tile.caption, number * 0.36, True)
            px(tile.number, number, True)
        for section in (self.recent_title, self.next_title):
            px(section, h * 0.036, True)
        for label in self.recent:  # "A1023  →  Quầy 12 (gọi lại)" on one line
            px(label, min(h * 0.042, side_w / 15), True)
        for label in self.next:
            px(label, min(h * 0.034, side_w / 12))

    def shutdown(self) -> None:
        """Stop polling; waits for the poll in flight (at most `wait_s`)."""
        self._closed = True
        self._retry.stop()
        self._tick.stop()
        self.net.shutdown()
        if self.speaker is not None:
            self.speaker.shutdown()

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)
