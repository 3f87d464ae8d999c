"""The citizen kiosk: a full-screen window answering scans of the receipt, then a rating.

Scans arrive as keystrokes from a keyboard-wedge scanner into a hidden line edit. Lookups (local
database, then the provincial server) run through `ui.ops.Ops`; only the public view is shown.
Leaving needs the admin PIN.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QColor, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain import DossierStatus
from counter_app.dossiers import PublicDossier
from counter_app.kiosk import KioskAnswer, KioskService
from counter_app.ratings import MAX_COMMENT, RatingScore, RatingService
from ui.kiosk.pin_dialog import PinDialog
from ui.ops import Ops

IDLE_TEXT = "Quét mã vạch hoặc mã QR trên giấy hẹn"
IDLE_HINT = (
    "Đưa mã trên giấy tiếp nhận hồ sơ và hẹn trả kết quả vào trước máy quét "
    "để xem tình trạng hồ sơ."
)
THANKS_S = 6
MESSAGE_S = 12
SCAN_MAX_LENGTH = 600  # longer than any real code or URL: the service calls it junk
PIN_ATTEMPTS = 5
PIN_LOCKOUT_S = 60.0

_STATUS_TONE = {
    DossierStatus.RESULT_READY: "ready",
    DossierStatus.RETURNED: "done",
    DossierStatus.SUPPLEMENT_REQUESTED: "action",
    DossierStatus.PAYMENT_REQUESTED: "action",
    DossierStatus.REFUSED: "stopped",
    DossierStatus.WITHDRAWN: "stopped",
    DossierStatus.STOPPED: "stopped",
}

_STYLE = """
QWidget#kioskRoot { background: #f3f6fa; }
QFrame#kioskHeader { background: #1d3557; }
QLabel#headerTitle { color: #ffffff; font-size: 22pt; font-weight: bold; }
QLabel#headerSub { color: #d7e3f4; font-size: 15pt; }
QLabel#idleText { font-size: 46pt; font-weight: bold; color: #1d3557; }
QLabel#idleHint { font-size: 22pt; color: #3b4a5e; }
QLabel#busyText { font-size: 34pt; color: #1d3557; }
QLabel#messageText { font-size: 32pt; color: #3b4a5e; }
QLabel#statusText { font-size: 32pt; font-weight: bold; padding: 18px 24px; border-radius: 10px;
    background: #e4ecf7; color: #1d3557; }
QLabel#statusText[tone="ready"] { background: #dff1e3; color: #14532d; }
QLabel#statusText[tone="done"] { background: #e8e8e8; color: #333333; }
QLabel#statusText[tone="action"] { background: #fff1d6; color: #7a4a00; }
QLabel#statusText[tone="stopped"] { background: #f6e3e3; color: #6b1d1d; }
QLabel[class="fieldLabel"] { font-size: 19pt; color: #5a6778; }
QLabel[class="fieldValue"] { font-size: 23pt; color: #111111; }
QFrame#answerCard { background: #ffffff; border: 1px solid #d0d9e4; border-radius: 12px; }
QLabel#countdown { font-size: 15pt; color: #6b7686; }
QLabel#ratingQuestion { font-size: 34pt; font-weight: bold; color: #1d3557; }
QLabel#thanksText { font-size: 44pt; font-weight: bold; color: #14532d; }
QPushButton { font-size: 22pt; padding: 18px 36px; border-radius: 10px; background: #ffffff;
    border: 2px solid #9fb3c8; color: #1d3557; }
QPushButton:pressed { background: #dce7f5; }
QPushButton#primary { background: #2f6db5; color: #ffffff; border-color: #2f6db5; }
QPushButton#primary:disabled { background: #9fb3c8; border-color: #9fb3c8; }
QPushButton[class="score"] { font-size: 26pt; min-height: 120px; min-width: 360px; }
QPushButton[class="score"]:checked { background: #2f6db5; color: #ffffff; border-color: #2f6db5; }
QPushButton#adminButton { font-size: 11pt; padding: 4px 10px; border: none;
    background: transparent; color: #9aa6b5; }
QLineEdit#commentEdit { font-size: 20pt; padding: 12px; border: 2px solid #9fb3c8;
    border-radius: 8px; background: #ffffff; }
QLineEdit#scanInput { border: none; background: transparent; color: transparent; }
"""


def _label(text: str, name: str, *, wrap: bool = True, center: bool = True) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(wrap)
    if center:
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def _button(text: str, slot: Callable[[], None], name: str = "") -> QPushButton:
    button = QPushButton(text)
    if name:
        button.setObjectName(name)
    # Touch only: a focused button would swallow the scanner's Enter key.
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.clicked.connect(lambda _=False: slot())
    return button


class ScanPicture(QWidget):
    """A drawn barcode beside a QR-like square: what to hold under the scanner."""

    _BARS = (3, 1, 2, 1, 1, 3, 1, 2, 2, 1, 3, 1, 1, 2, 1, 3, 2, 1, 1, 2, 3, 1, 2, 1, 1, 3)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(520, 150)

    def paintEvent(self, _event: Any) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
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


class KioskWindow(QWidget):
    """Idle → answer (→ rating → thanks) → idle; calm messages for anything else.

    Signals: `answer_did_show(KioskAnswer)`, `page_did_change(str)`, `rating_did_save(object)`.
    """

    answer_did_show = Signal(object)
    page_did_change = Signal(str)
    rating_did_save = Signal(object)

    PAGES = ("idle", "busy", "answer", "message", "rating", "thanks")

    def __init__(
        self,
        services: Any,
        *,
        ops: Ops | None = None,
        kiosk: KioskService | None = None,
        ratings: RatingService | None = None,
        idle_s: float | None = None,
        admin_pin: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        settings = services.settings
        self._own_ops = ops is None
        self.ops = ops or Ops(self)
        self.kiosk = kiosk or KioskService(services.dossiers, settings)
        self.ratings = ratings or RatingService(services.db, clock=services.clock)
        self.idle_s = float(idle_s if idle_s is not None else settings.kiosk_idle_s)
        self._pin = admin_pin if admin_pin is not None else settings.kiosk_admin_pin
        self._monotonic = monotonic
        self._pin_failures = 0
        self._locked_until = 0.0
        self._unlocked = False
        self._busy = False
        self._queued_scan: str | None = None
        self._answer: KioskAnswer | None = None
        self._deadline = 0.0
        self.setObjectName("kioskRoot")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowTitle("Tra cứu hồ sơ")
        self.setStyleSheet(_STYLE)
        self._build()
        self.idle_timer = QTimer(self, singleShot=True)
        self.idle_timer.timeout.connect(self.go_idle)
        self._ticker = QTimer(self, interval=1000)
        self._ticker.timeout.connect(self._tick)
        QShortcut(QKeySequence("Ctrl+Alt+Q"), self, self.ask_pin)
        self.pin_dialog: PinDialog | None = None
        self.go_idle()

    # -- layout --------------------------------------------------------------------------------

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        header = QFrame()
        header.setObjectName("kioskHeader")
        hl = QVBoxLayout(header)
        hl.setContentsMargins(32, 14, 32, 14)
        try:
            cfg = self.services.centre_config()
            agency = cfg.agency_name
        except Exception:  # a kiosk shows its screen even if centre settings cannot be read
            agency = ""
        hl.addWidget(_label(agency or "TRA CỨU HỒ SƠ", "headerTitle"))
        hl.addWidget(_label("Tra cứu tình trạng hồ sơ", "headerSub"))
        root.addWidget(header)

        self.stack = QStackedWidget()
        self.stack.addWidget(self._idle_page())
        self.stack.addWidget(self._busy_page())
        self.stack.addWidget(self._answer_page())
        self.stack.addWidget(self._message_page())
        self.stack.addWidget(self._rating_page())
        self.stack.addWidget(self._thanks_page())
        root.addWidget(self.stack, 1)

        footer = QHBoxLayout()
        footer.setContentsMargins(16, 0, 16, 8)
        # Outside every layout and off the visible area: it only collects the scanner's keys.
        self.scan_input = QLineEdit(self)
        self.scan_input.setObjectName("scanInput")
        self.scan_input.setMaxLength(SCAN_MAX_LENGTH)
        self.scan_input.setGeometry(-100, -100, 10, 10)
        self.scan_input.returnPressed.connect(self._scan_entered)
        footer.addStretch(1)
        self.admin_button = _button("Quản trị", self.ask_pin, "adminButton")
        footer.addWidget(self.admin_button)
        root.addLayout(footer)

    def _page(self) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(80, 40, 80, 40)
        return page, layout

    def _idle_page(self) -> QWidget:
        page, layout = self._page()
        layout.addStretch(2)
        layout.addWidget(ScanPicture(), 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(20)
        self.idle_label = _label(IDLE_TEXT, "idleText")
        layout.addWidget(self.idle_label)
        layout.addSpacing(24)
        layout.addWidget(_label(IDLE_HINT, "idleHint"))
        layout.addStretch(3)
        return page

    def _busy_page(self) -> QWidget:
        page, layout = self._page()
        layout.addStretch(1)
        layout.addWidget(_label("Đang tra cứu, xin vui lòng chờ…", "busyText"))
        layout.addStretch(1)
        return page

    def _answer_page(self) -> QWidget:
        page, layout = self._page()
        layout.setContentsMargins(80, 28, 80, 20)
        self.status_label = _label("", "statusText")
        layout.addWidget(self.status_label)
        layout.addSpacing(18)
        card = QFrame()
        card.setObjectName("answerCard")
        grid = QGridLayout(card)
        grid.setContentsMargins(36, 24, 36, 24)
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(14)
        self.fields: dict[str, QLabel] = {}
        self.captions: dict[str, QLabel] = {}
        for row, (key, caption) in enumerate(
            (
                ("code", "Mã hồ sơ"),
                ("procedure", "Thủ tục"),
                ("applicant", "Người nộp"),
                ("appointment", "Ngày hẹn trả kết quả"),
                ("result", "Kết quả"),
                ("collect_at", "Nơi nhận kết quả"),
                ("what_to_bring", "Khi đến nhận, mang theo"),
            )
        ):
            name = QLabel(caption)
            name.setProperty("class", "fieldLabel")
            name.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            value = QLabel("")
            value.setProperty("class", "fieldValue")
            value.setWordWrap(True)
            value.setObjectName(f"field_{key}")
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self.fields[key] = value
            self.captions[key] = name
        grid.setColumnStretch(1, 1)
        layout.addWidget(card)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        self.countdown = _label("", "countdown", center=False)
        buttons.addWidget(self.countdown, 1)
        self.rate_button = _button("Đánh giá sự phục vụ", self.show_rating, "primary")
        buttons.addWidget(self.rate_button)
        buttons.addWidget(_button("Xong", self.go_idle))
        layout.addLayout(buttons)
        return page

    def _message_page(self) -> QWidget:
        page, layout = self._page()
        layout.addStretch(1)
        self.message_label = _label("", "messageText")
        layout.addWidget(self.message_label)
        layout.addSpacing(40)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(_button("Trở lại", self.go_idle))
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        return page

    def _rating_page(self) -> QWidget:
        page, layout = self._page()
        layout.addStretch(1)
        layout.addWidget(
            _label("Ông/bà có hài lòng với sự phục vụ của chúng tôi?", "ratingQuestion")
        )
        layout.addSpacing(36)
        row = QHBoxLayout()
        row.addStretch(1)
        self.score_group = QButtonGroup(self)
        self.score_group.setExclusive(True)
        self.score_buttons: dict[RatingScore, QPushButton] = {}
        for score in reversed(RatingScore):
            button = _button(score.label, lambda: None)
            button.setProperty("class", "score")
            button.setCheckable(True)
            button.setObjectName(f"score_{score.key}")
            self.score_group.addButton(button, int(score))
            self.score_buttons[score] = button
            row.addWidget(button)
        self.score_group.idToggled.connect(lambda *_: self._score_changed())
        row.addStretch(1)
        layout.addLayout(row)
        layout.addSpacing(30)
        self.comment_edit = QLineEdit()
        self.comment_edit.setObjectName("commentEdit")
        self.comment_edit.setPlaceholderText("Ý kiến góp ý (không bắt buộc)")
        self.comment_edit.setMaxLength(MAX_COMMENT)
        self.comment_edit.textEdited.connect(lambda _: self._restart_idle(self.idle_s))
        layout.addWidget(self.comment_edit)
        layout.addSpacing(30)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(_button("Bỏ qua", self.go_idle))
        self.send_button = _button("Gửi đánh giá", self.send_rating, "primary")
        actions.addWidget(self.send_button)
        actions.addStretch(1)
        layout.addLayout(actions)
        layout.addStretch(1)
        return page

    def _thanks_page(self) -> QWidget:
        page, layout = self._page()
        layout.addStretch(1)
        self.thanks_label = _label("Cảm ơn ông/bà đã đánh giá!", "thanksText")
        layout.addWidget(self.thanks_label)
        layout.addStretch(1)
        return page

    # -- pages ---------------------------------------------------------------------------------

    @property
    def page(self) -> str:
        return self.PAGES[self.stack.currentIndex()]

    def _show_page(self, name: str, timeout_s: float | None) -> None:
        self.stack.setCurrentIndex(self.PAGES.index(name))
        self._restart_idle(timeout_s)
        if name != "rating":
            self.scan_input.setFocus()
        self.page_did_change.emit(name)

    def _restart_idle(self, timeout_s: float | None) -> None:
        if timeout_s is None:
            self.idle_timer.stop()
            self._ticker.stop()
            self.countdown.clear()
            return
        self.idle_timer.start(int(timeout_s * 1000))
        self._deadline = self._monotonic() + timeout_s
        self._ticker.start()
        self._tick()

    def _tick(self) -> None:
        left = max(0, round(self._deadline - self._monotonic()))
        self.countdown.setText(f"Màn hình sẽ trở về trang đầu sau {left} giây")

    def go_idle(self) -> None:
        """Back to the idle screen; nothing of the last answer stays on screen."""
        self._answer = None
        for label in self.fields.values():
            label.clear()
        self.status_label.clear()
        self.comment_edit.clear()
        self.scan_input.clear()
        self._clear_score()
        self._show_page("idle", None)

    def _clear_score(self) -> None:
        self.score_group.setExclusive(False)
        for button in self.score_buttons.values():
            button.setChecked(False)
        self.score_group.setExclusive(True)
        self.send_button.setEnabled(False)

    # -- scanning ------------------------------------------------------------------------------

    def _scan_entered(self) -> None:
        text = self.scan_input.text()
        self.scan_input.clear()
        self.submit_scan(text)

    def submit_scan(self, text: str) -> None:
        """Look up one scan in the background; a scan during a lookup waits for it."""
        if self._busy:
            self._queued_scan = text
            return
        self._busy = True
        self._show_page("busy", None)
        kiosk, ratings = self.kiosk, self.ratings

        def work() -> tuple[KioskAnswer, bool]:
            answer = kiosk.scan(text)
            rateable = (
                answer.found
                and answer.source == "local"
                and answer.dossier is not None
                and answer.dossier.status is DossierStatus.RETURNED
                and ratings.can_rate(answer.dossier.code)
            )
            return answer, bool(rateable)

        self.ops.op(work, self).success(self._answered).failure(self._lookup_failed).run()

    def _lookup_failed(self, _exc: BaseException) -> None:
        self._busy = False
        self.show_message(
            "Hệ thống tạm thời chưa tra cứu được. Vui lòng thử lại sau ít phút "
            "hoặc hỏi cán bộ tại quầy tiếp nhận."
        )
        self._run_queued()

    def _answered(self, result: tuple[KioskAnswer, bool]) -> None:
        self._busy = False
        answer, rateable = result
        if answer.found and answer.dossier is not None:
            self.show_answer(answer, rateable)
        else:
            self.show_message(answer.message)
        self.answer_did_show.emit(answer)
        self._run_queued()

    def _run_queued(self) -> None:
        if self._queued_scan is not None:
            text, self._queued_scan = self._queued_scan, None
            self.submit_scan(text)

    def show_answer(self, answer: KioskAnswer, rateable: bool) -> None:
        d: PublicDossier | None = answer.dossier
        if d is None:
            return
        self._answer = answer
        self.status_label.setText(d.status_text)
        self.status_label.setProperty("tone", _STATUS_TONE.get(d.status, "normal"))
        self.status_label.style().unpolish(self.status_label)
        self.status_label.style().polish(self.status_label)
        a = d.appointment_at
        values = {
            "code": d.code,
            "procedure": d.procedure_name,
            "applicant": d.masked_name,
            "appointment": f"{a:%H:%M}, ngày {a:%d/%m/%Y}",
            "result": "Đã có kết quả"
            if d.result_ready
            else ("Đã trả kết quả" if d.status is DossierStatus.RETURNED else "Chưa có kết quả"),
            "collect_at": d.collect_at,
            "what_to_bring": d.what_to_bring,
        }
        # Where to collect and what to bring only matter while a result is still to be collected.
        closed = d.status in (
            DossierStatus.RETURNED,
            DossierStatus.REFUSED,
            DossierStatus.WITHDRAWN,
            DossierStatus.STOPPED,
        )
        for key, value in values.items():
            self.fields[key].setText(value)
            shown = not (closed and key in ("collect_at", "what_to_bring"))
            self.fields[key].setVisible(shown)
            self.captions[key].setVisible(shown)
        self.rate_button.setVisible(rateable)
        self._show_page("answer", self.idle_s)

    def show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self._show_page("message", min(self.idle_s, MESSAGE_S))

    # -- rating --------------------------------------------------------------------------------

    def show_rating(self) -> None:
        if self._answer is None or self._answer.dossier is None:
            self.go_idle()
            return
        self._clear_score()
        self.comment_edit.clear()
        self._show_page("rating", self.idle_s)

    def _score_changed(self) -> None:
        self.send_button.setEnabled(self.score_group.checkedId() in (1, 2, 3))
        self._restart_idle(self.idle_s)

    def choose_score(self, score: RatingScore) -> None:
        self.score_buttons[score].click()

    def send_rating(self) -> None:
        if self._answer is None or self._answer.dossier is None:
            self.go_idle()
            return
        score_id = self.score_group.checkedId()
        if score_id not in (1, 2, 3):
            return
        code = self._answer.dossier.code
        comment = self.comment_edit.text()
        score = RatingScore(score_id)
        self.send_button.setEnabled(False)
        ratings = self.ratings
        self.ops.op(lambda: ratings.rate(code, score, comment), self).success(self._rated).failure(
            lambda exc: self.show_message(str(exc))
        ).run()

    def _rated(self, record: Any) -> None:
        self._answer = None
        self._show_page("thanks", THANKS_S)
        self.rating_did_save.emit(record)

    # -- leaving -------------------------------------------------------------------------------

    def ask_pin(self) -> None:
        """Ask for the admin PIN; the right one leaves full screen and closes the kiosk."""
        now = self._monotonic()
        if now < self._locked_until:
            self.show_message("Tạm khoá thao tác quản trị. Vui lòng thử lại sau ít phút.")
            return
        if not self._pin:
            self.show_message("Chưa đặt mã PIN quản trị cho máy tra cứu.")
            return
        dialog = PinDialog(parent=self)
        dialog.finished.connect(lambda result: self._pin_entered(dialog, result))
        dialog.open()
        self.pin_dialog = dialog

    def _pin_entered(self, dialog: PinDialog, result: int) -> None:
        pin = dialog.pin
        dialog.deleteLater()
        self.pin_dialog = None
        if not result:
            self.scan_input.setFocus()
            return
        if self.check_pin(pin):
            self.leave()
        else:
            self.show_message("Mã PIN không đúng.")

    def check_pin(self, pin: str) -> bool:
        """Compare in constant time; too many wrong PINs lock the admin exit for a while."""
        if self._monotonic() < self._locked_until or not self._pin:
            return False
        if hmac.compare_digest(pin.encode(), self._pin.encode()):
            self._pin_failures = 0
            return True
        self._pin_failures += 1
        if self._pin_failures >= PIN_ATTEMPTS:
            self._pin_failures = 0
            self._locked_until = self._monotonic() + PIN_LOCKOUT_S
        return False

    def leave(self) -> None:
        self._unlocked = True
        self.idle_timer.stop()
        self._ticker.stop()
        self.showNormal()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self._unlocked:
            # Alt+F4 and the like: the kiosk stays; only the admin PIN lets it go.
            event.ignore()
            return
        if self._own_ops:
            self.ops.shutdown()
        super().closeEvent(event)


def run(services: Any, *, fullscreen: bool = True) -> int:
    """`counter-app kiosk`: the kiosk window until an admin leaves it with the PIN."""
    from ui.app import make_application

    app = make_application()
    ops = Ops()
    window = KioskWindow(services, ops=ops)
    if fullscreen:
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        window.showFullScreen()
    else:
        window.resize(1280, 800)
        window.show()
    window.scan_input.setFocus()
    code = app.exec()
    ops.shutdown()
    services.close()
    return code
