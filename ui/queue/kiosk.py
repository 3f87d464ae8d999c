"""The ticket kiosk: choose a service area (or a priority ticket first), get a printed number.

Touch or keyboard: keys 1–9 pick an area, P cycles through the priority categories, Esc clears
it. Every request to the queue service runs through `ui.ops.Ops`; when the service cannot be
reached the kiosk says tickets are not available and tries again every few seconds.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain import local_now
from counter_app.printing import RenderJob
from counter_app.queue.client import QueueClientError, QueueUnavailable
from counter_app.queue.ticket_pdf import TicketSlip, counters_text, render_ticket
from ui import render
from ui.ops import Ops
from ui.queue.style import KIOSK_STYLE
from ui.widgets import named

TICKET_S = 8
RETRY_MS = 5000
UNAVAILABLE_TEXT = (
    "Hiện chưa lấy được số thứ tự.\nXin vui lòng chờ trong giây lát hoặc hỏi cán bộ hướng dẫn."
)

Printer = Callable[[bytes], object]


def _label(text: str, name: str) -> QLabel:
    widget = named(QLabel(text), name, wrap=True)
    widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return widget


class QueueKioskWindow(QWidget):
    """Choose → ticket (→ back after a few seconds); "unavailable" while the service is down.

    Signals: `ticket_did_issue(dict, bytes)` (the issued ticket and its PDF),
    `page_did_change(str)`.
    """

    ticket_did_issue = Signal(object, object)
    page_did_change = Signal(str)

    def __init__(
        self,
        client: Any,
        *,
        ops: Ops | None = None,
        printer: Printer | None = None,
        ticket_s: float = TICKET_S,
        admin_pin: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("queueKiosk")
        self.setStyleSheet(KIOSK_STYLE)
        self.client = client
        self.ops = ops or Ops(self)
        self.printer = printer
        self.ticket_s = ticket_s
        self.areas: list[dict[str, Any]] = []
        self.categories: list[dict[str, str]] = []
        self.centre = ""
        self.priority = ""
        self._busy = False
        self.page = "unavailable"
        # With a PIN, the window can only be left through it (Alt+F4 is ignored).
        self._pin = admin_pin
        self._unlocked = not admin_pin
        self.pin_dialog: Any = None

        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        header = named(QFrame(), "kioskHeader")
        hl = QVBoxLayout(header)
        hl.setContentsMargins(40, 16, 40, 16)
        self.title = _label("Trung tâm Phục vụ hành chính công", "headerTitle")
        hl.addWidget(self.title)
        hl.addWidget(_label("LẤY SỐ THỨ TỰ", "headerSub"))
        admin = named(QPushButton("Quản trị"), "adminButton")
        admin.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        admin.setFlat(True)
        admin.setStyleSheet("color: #5b7396; border: none; font-size: 10pt;")
        admin.clicked.connect(lambda _=False: self.ask_pin())
        admin.setVisible(bool(admin_pin))
        hl.addWidget(admin, 0, Qt.AlignmentFlag.AlignRight)
        root.addWidget(header)
        self.stack = QStackedWidget()
        root.addWidget(self.stack, 1)

        self.choose = QWidget()
        cl = QVBoxLayout(self.choose)
        cl.setContentsMargins(60, 30, 60, 30)
        self.prompt = _label("Mời chọn lĩnh vực cần giải quyết", "prompt")
        cl.addWidget(self.prompt)
        self.grid = QGridLayout()
        self.grid.setSpacing(24)
        cl.addLayout(self.grid, 1)
        self.priority_bar = QHBoxLayout()
        self.priority_bar.setSpacing(16)
        cl.addLayout(self.priority_bar)
        self.priority_group = QButtonGroup(self)
        self.priority_group.setExclusive(False)
        cl.addWidget(
            _label(
                "Chạm vào lĩnh vực, hoặc bấm phím số 1–9. Người được ưu tiên: chọn đối tượng "
                "trước (phím P), rồi chọn lĩnh vực.",
                "hint",
            )
        )
        self.stack.addWidget(self.choose)

        self.ticket_page = QWidget()
        tl = QVBoxLayout(self.ticket_page)
        tl.setContentsMargins(60, 30, 60, 30)
        tl.addStretch(1)
        tl.addWidget(_label("Số thứ tự của bạn", "prompt"))
        self.number = _label("", "ticketNumber")
        tl.addWidget(self.number)
        self.info = _label("", "ticketInfo")
        tl.addWidget(self.info)
        tl.addStretch(1)
        self.stack.addWidget(self.ticket_page)

        self.unavailable = QWidget()
        ul = QVBoxLayout(self.unavailable)
        ul.setContentsMargins(80, 40, 80, 40)
        ul.addStretch(1)
        self.notice = _label(UNAVAILABLE_TEXT, "notice")
        ul.addWidget(self.notice)
        ul.addStretch(1)
        self.stack.addWidget(self.unavailable)
        self.stack.setCurrentWidget(self.unavailable)

        self._back = QTimer(self, singleShot=True)
        self._back.timeout.connect(self.show_choose)
        self._retry = QTimer(self, singleShot=True)
        self._retry.timeout.connect(self.load)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.load()

    # -- loading -------------------------------------------------------------------------------

    def load(self) -> None:
        """Fetch areas and priority categories; on failure say so and retry later."""

        def fetch() -> tuple[list[dict[str, Any]], dict[str, Any]]:
            return self.client.areas(), self.client.config()

        self.ops.op(fetch, self).success(self._loaded).failure(self._failed).run()

    def _loaded(self, result: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
        self.areas, config = result
        self.centre = str(config.get("centre_name", ""))
        self.categories = list(config.get("priority_categories", []))
        self.title.setText(self.centre.upper())
        self._build_buttons()
        self.show_choose()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, QueueUnavailable):
            self.notice.setText(UNAVAILABLE_TEXT)
        elif isinstance(exc, QueueClientError):
            self.notice.setText(f"Máy lấy số chưa sẵn sàng: {exc}")
        else:
            raise exc
        self._set_page("unavailable")
        self._retry.start(RETRY_MS)

    def _build_buttons(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]
        for button in list(self.priority_group.buttons()):
            self.priority_group.removeButton(button)
            button.deleteLater()
        columns = 2 if len(self.areas) <= 4 else 3
        for c in range(3):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)
        for i, area in enumerate(self.areas):
            text = f"{i + 1}. {area['name']}\n{counters_text(tuple(area['counters']))}"
            button = named(QPushButton(text), f"area_{area['area']}")
            button.setProperty("class", "area")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, a=area["area"]: self.take(a))
            self.grid.addWidget(button, i // columns, i % columns)
        label = named(QLabel("Ưu tiên:"), "hint")
        self.priority_bar.addWidget(label)
        for category in self.categories:
            button = named(QPushButton(category["label"]), f"priority_{category['code']}")
            button.setProperty("class", "priority")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, c=category["code"]: self.set_priority(c))
            self.priority_group.addButton(button)
            self.priority_bar.addWidget(button)
        self.priority_bar.addStretch(1)

    # -- choosing ------------------------------------------------------------------------------

    def set_priority(self, code: str) -> None:
        """Choose a priority category for the next ticket (choosing it again clears it)."""
        self.priority = "" if code == self.priority else code
        for button in self.priority_group.buttons():
            button.setChecked(button.objectName() == f"priority_{self.priority}")
        self.prompt.setText(
            "Số ưu tiên — mời chọn lĩnh vực cần giải quyết"
            if self.priority
            else "Mời chọn lĩnh vực cần giải quyết"
        )

    def take(self, area: str) -> None:
        """Issue a ticket for `area`, render and print it, then show the number."""
        if self._busy or self.page != "choose":
            return
        self._busy = True
        priority = self.priority
        meta = next((a for a in self.areas if a["area"] == area), None)
        if meta is None:
            self._busy = False
            return
        label = next((c["label"] for c in self.categories if c["code"] == priority), "")

        def issue() -> tuple[dict[str, Any], bytes, str]:
            issued = self.client.issue(area, priority=bool(priority), category=priority)
            slip = TicketSlip(
                centre=self.centre,
                number=issued["number"],
                area_name=meta["name"],
                counters=tuple(meta["counters"]),
                issued_at=_parse(issued["issued_at"]),
                waiting_before=int(issued["waiting_before"]),
                follow_url=self.client.public_url(issued["number"]),
                priority_label=label,
            )
            pdf = render.pdf(RenderJob(render_ticket, (slip,)))  # in the helper process
            printed = ""
            try:
                if self.printer is not None:
                    self.printer(pdf)
            except Exception as exc:  # the number stands even if the paper jams
                printed = f"Không in được phiếu ({exc}). Xin ghi nhớ số của bạn."
            return issued, pdf, printed

        self.ops.op(issue, self).success(self._issued).failure(self._issue_failed).run()

    def _issued(self, result: tuple[dict[str, Any], bytes, str]) -> None:
        issued, pdf, print_problem = result
        self._busy = False
        meta = next(a for a in self.areas if a["area"] == issued["area"])
        self.number.setText(issued["number"])
        lines = [
            meta["name"],
            counters_text(tuple(meta["counters"])),
            f"Số người chờ trước bạn: {issued['waiting_before']}",
            print_problem or "Mời nhận phiếu và ngồi chờ gọi số.",
        ]
        self.info.setText("\n".join(lines))
        self.set_priority(self.priority)  # clears the choice: the next citizen starts afresh
        self._set_page("ticket")
        self._back.start(int(self.ticket_s * 1000))
        self.ticket_did_issue.emit(issued, pdf)

    def _issue_failed(self, exc: BaseException) -> None:
        self._busy = False
        self._failed(exc)

    def show_choose(self) -> None:
        self._back.stop()
        if not self.areas:
            self._set_page("unavailable")
            return
        self._set_page("choose")
        self.setFocus()

    def _set_page(self, name: str) -> None:
        self.page = name
        widget = {"choose": self.choose, "ticket": self.ticket_page}.get(name, self.unavailable)
        self.stack.setCurrentWidget(widget)
        self.page_did_change.emit(name)

    # -- leaving -------------------------------------------------------------------------------

    def ask_pin(self) -> None:
        """The admin's way out of full screen: the same PIN pad as the lookup kiosk."""
        from ui.kiosk.pin_dialog import PinDialog

        dialog = PinDialog(parent=self)
        title = dialog.findChild(QLabel, "pinTitle")
        if title is not None:
            title.setText("Nhập mã PIN quản trị để thoát khỏi máy lấy số")
        dialog.finished.connect(lambda result: self._pin_entered(dialog, result))
        dialog.open()
        self.pin_dialog = dialog

    def _pin_entered(self, dialog: Any, result: int) -> None:
        pin = str(dialog.pin)
        dialog.deleteLater()
        self.pin_dialog = None
        if result and hmac.compare_digest(pin.encode(), self._pin.encode()):
            self._unlocked = True
            self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self._unlocked:
            event.ignore()
            return
        super().closeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        text = event.text()
        if self.page == "ticket" and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.show_choose()
            return
        if self.page != "choose":
            super().keyPressEvent(event)
            return
        if text.isdigit() and 1 <= int(text) <= len(self.areas):
            self.take(self.areas[int(text) - 1]["area"])
        elif text.lower() == "p" and self.categories:
            codes = [c["code"] for c in self.categories]
            nxt = (
                codes[(codes.index(self.priority) + 1) % len(codes)] if self.priority else codes[0]
            )
            if self.priority and codes.index(self.priority) == len(codes) - 1:
                self.set_priority(self.priority)  # past the last: back to a normal ticket
            else:
                self.set_priority(nxt)
        elif event.key() == Qt.Key.Key_Escape and self.priority:
            self.set_priority(self.priority)
        else:
            super().keyPressEvent(event)


def _parse(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return local_now()
