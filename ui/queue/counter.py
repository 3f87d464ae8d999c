"""The counter's side of the queue: call the next number with one key, recall, skip, transfer,
finish; the number being served is shown in the status bar, and the dossier received next is
linked to that ticket.

Network work runs on the panel's own `Ops` worker, so a slow or absent queue service never
delays the intake form's database work. While the service is unreachable the counter keeps
receiving dossiers; links made meanwhile are kept and sent when the service is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QToolButton,
    QWidget,
)

from counter_app.queue.client import QueueClient, QueueClientError, QueueUnavailable
from ui.ops import Ops
from ui.widgets import named

log = logging.getLogger(__name__)

CALL_KEY = "F8"  # F9 is "trả kết quả" in the dossier view
RECALL_KEY = "Ctrl+F8"
SKIP_KEY = "Shift+F8"
DONE_KEY = "Ctrl+Shift+F8"
RETRY_MS = 5000
DOWN_TEXT = "Hệ thống xếp hàng không kết nối được — vẫn tiếp nhận hồ sơ bình thường"


class QueueCounterPanel(QWidget):
    """Signals: `ticket_did_change(object)` (the current ticket dict or None),
    `notice(str)`, `connection_did_change(bool)`."""

    ticket_did_change = Signal(object)
    notice = Signal(str)
    connection_did_change = Signal(bool)

    def __init__(self, client: Any, counter: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queuePanel")
        self.client = client
        self.counter = counter
        self.net = Ops(self)
        self.current: dict[str, Any] | None = None
        self.connected = True
        self.areas: list[dict[str, Any]] = []
        # (number, dossier code, procedure code) links made while the service was away.
        self.pending_links: list[tuple[str, str, str]] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.number_label = named(QLabel("Chưa gọi số"), "queueNumber")
        self.number_label.setStyleSheet("font-weight: bold;")
        self.call_button = named(QToolButton(), "queueCallButton")
        self.call_button.setText(f"Gọi số tiếp theo ({CALL_KEY})")
        self.call_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.call_button.clicked.connect(self.call_next)
        self.state_label = named(QLabel(""), "queueState")
        layout.addWidget(self.number_label)
        layout.addWidget(self.call_button)
        layout.addWidget(self.state_label)
        self._retry = QTimer(self, singleShot=True)
        self._retry.timeout.connect(self.check)
        self.check()

    # -- actions -------------------------------------------------------------------------------

    def call_next(self) -> None:
        """Close the current ticket and call the next one (the board announces it)."""
        self._run(lambda: self.client.call_next(self.counter), self._called)

    def recall(self) -> None:
        if self._need_current():
            number = self.current["number"]  # type: ignore[index]
            self._run(lambda: self.client.recall(number), self._set_current)

    def skip(self) -> None:
        if self._need_current():
            number = self.current["number"]  # type: ignore[index]
            self._run(lambda: self.client.skip(number), lambda _t: self._set_current(None))

    def done(self) -> None:
        """Closing the ticket ends its service time."""
        if self._need_current():
            number = self.current["number"]  # type: ignore[index]
            self._run(lambda: self.client.done(number), lambda _t: self._set_current(None))

    def transfer(self, area: str | None = None) -> None:
        if not self._need_current():
            return
        if area is None:
            area = self._ask_area()
            if area is None:
                return
        number = self.current["number"]  # type: ignore[index]

        def moved(ticket: dict[str, Any]) -> None:
            self.notice.emit(f"Đã chuyển số {ticket['number']} sang khu vực {ticket['area']}.")
            self._set_current(None)

        self._run(lambda: self.client.transfer(number, area), moved)

    def on_dossier_received(self, received: Any) -> None:
        """Link the dossier just received to the ticket being served (queue side)."""
        if self.current is None:
            return
        link = (self.current["number"], str(received.code), str(received.procedure_code))
        self.pending_links.append(link)
        self._flush_links()

    # -- plumbing ------------------------------------------------------------------------------

    def check(self) -> None:
        """Is the service there? Also loads the areas (for transfer) and sends pending links."""

        def job() -> list[dict[str, Any]]:
            return list(self.client.areas())

        def ok(areas: list[dict[str, Any]]) -> None:
            self.areas = areas
            self._set_connected(True)
            self._flush_links()

        self.net.op(job, self).success(ok).failure(self._failed).run()

    def _flush_links(self) -> None:
        if not self.pending_links or not self.connected:
            return
        links = list(self.pending_links)

        def job() -> int:
            sent = 0
            for number, code, procedure in links:
                try:
                    self.client.serve(number, code, procedure)
                except QueueUnavailable:
                    raise
                except QueueClientError as exc:  # e.g. ticket closed meanwhile: keep the rest
                    log.warning("link %s → %s refused: %s", code, number, exc)
                sent += 1
            return sent

        def sent(count: int) -> None:
            del self.pending_links[:count]
            if self.current is not None and self.current["state"] == "called":
                self.current = {**self.current, "state": "serving"}
                self._show()

        self.net.op(job, self).success(sent).failure(self._failed).run()

    def _run(self, fn: Callable[[], Any], then: Callable[[Any], None]) -> None:
        def ok(result: Any) -> None:
            self._set_connected(True)
            then(result)

        self.net.op(fn, self).success(ok).failure(self._failed).run()

    def _called(self, ticket: dict[str, Any] | None) -> None:
        self._set_current(ticket)
        if ticket is None:
            self.notice.emit("Không còn ai chờ ở các khu vực của quầy này.")
        else:
            self.notice.emit(f"Đã gọi số {ticket['number']} đến quầy số {self.counter}.")

    def _set_current(self, ticket: dict[str, Any] | None) -> None:
        self.current = ticket
        self._show()
        self.ticket_did_change.emit(ticket)

    def _show(self) -> None:
        if not self.connected:
            self.state_label.setText(DOWN_TEXT)
        else:
            self.state_label.setText("")
        if self.current is None:
            self.number_label.setText("Chưa gọi số")
        else:
            state = "đang phục vụ" if self.current["state"] == "serving" else "đã gọi"
            self.number_label.setText(f"Số {self.current['number']} ({state})")

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, QueueUnavailable):
            self._set_connected(False)
            self._retry.start(RETRY_MS)
        elif isinstance(exc, QueueClientError):
            self.notice.emit(str(exc))
        else:
            raise exc

    def _set_connected(self, ok: bool) -> None:
        changed = ok != self.connected
        self.connected = ok
        self._show()
        if changed:
            self.notice.emit("Hệ thống xếp hàng đã kết nối lại." if ok else DOWN_TEXT)
            self.connection_did_change.emit(ok)

    def _need_current(self) -> bool:
        if self.current is None:
            self.notice.emit(f"Chưa có số nào đang gọi ở quầy này (nhấn {CALL_KEY} để gọi).")
            return False
        return True

    def _ask_area(self) -> str | None:
        names = [f"{a['area']} — {a['name']}" for a in self.areas]
        if not names:
            self.notice.emit("Chưa tải được danh sách khu vực.")
            return None
        choice, ok = QInputDialog.getItem(
            self, "Chuyển khu vực", "Chuyển số sang khu vực:", names, 0, False
        )
        return choice.split(" — ", 1)[0] if ok and choice else None

    def shutdown(self) -> None:
        self._retry.stop()
        self.net.shutdown()


def install_queue(window: QMainWindow, settings: Any) -> QueueCounterPanel | None:
    """Add the "Xếp hàng" menu and the status-bar panel when a queue service is configured."""
    if not settings.queue.server_url or not settings.queue.token:
        return None
    client = QueueClient(settings.queue.server_url, settings.queue.token)
    panel = QueueCounterPanel(client, settings.counter_no, window)
    menu = window.menuBar().addMenu("&Xếp hàng")
    for text, slot, key, name in (
        ("Gọi số tiếp theo", panel.call_next, CALL_KEY, "queueCallAction"),
        ("Gọi lại số đang phục vụ", panel.recall, RECALL_KEY, "queueRecallAction"),
        ("Bỏ qua số vắng mặt", panel.skip, SKIP_KEY, "queueSkipAction"),
        ("Chuyển sang khu vực khác…", panel.transfer, "", "queueTransferAction"),
        ("Kết thúc phục vụ số này", panel.done, DONE_KEY, "queueDoneAction"),
    ):
        action = QAction(text, window)
        action.setObjectName(name)
        if key:
            action.setShortcut(QKeySequence(key))
            action.setToolTip(f"{text} ({key})")
        action.triggered.connect(lambda _=False, s=slot: s())
        window.addAction(action)
        menu.addAction(action)
    window.statusBar().addPermanentWidget(panel)
    show_notice = getattr(window, "show_notice", None)
    if show_notice is not None:
        panel.notice.connect(show_notice)
    intake = getattr(window, "intake", None)
    if intake is not None:
        intake.dossier_did_receive.connect(panel.on_dossier_received)
    return panel
