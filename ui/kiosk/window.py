"""The citizen kiosk: a full-screen window answering scans of the receipt, then a rating.

Scans arrive as keystrokes from a keyboard-wedge scanner into a hidden line edit. Lookups (local
database, then the provincial server) run through `ui.ops.Ops`; only the public view is shown.
Leaving needs the admin PIN.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLayout,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.auth import hash_pin, pin_matches
from counter_app.domain import DossierStatus
from counter_app.kiosk import KioskAnswer, KioskService
from counter_app.ratings import RatingScore, RatingService
from ui.kiosk.answer_page import AnswerPage
from ui.kiosk.idle_page import IDLE_TEXT, IdlePage
from ui.kiosk.notice_pages import BusyPage, MessagePage, ThanksPage
from ui.kiosk.pin_dialog import PinDialog
from ui.kiosk.rating_page import RatingPage
from ui.kiosk.style import KIOSK_STYLE, kiosk_scale, kiosk_style, label, touch_button
from ui.ops import Ops
from ui.widgets import fit_to_screen

if TYPE_CHECKING:
    from counter_app.services import CounterServices

__all__ = ["IDLE_TEXT", "KioskWindow", "run"]

log = logging.getLogger(__name__)

THANKS_S = 6
MESSAGE_S = 12
SCAN_MAX_LENGTH = 600  # longer than any real code or URL: the service calls it junk
PIN_ATTEMPTS = 5
PIN_LOCKOUT_S = 60.0


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
        services: CounterServices,
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
        # Kept hashed, as settings.toml keeps it (a plain `admin_pin` comes from tests and tools).
        if admin_pin is None:
            self._pin = settings.kiosk_admin_pin
        else:
            self._pin = hash_pin(admin_pin) if admin_pin else ""
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
        self.scale = 1.0
        self._margins: dict[QLayout, tuple[int, int, int, int]] = {}
        self.setStyleSheet(KIOSK_STYLE)
        self._build()
        self.idle_timer = QTimer(self, singleShot=True)
        self.idle_timer.timeout.connect(self.go_idle)
        self._ticker = QTimer(self, interval=1000)
        self._ticker.timeout.connect(self._tick)
        QShortcut(QKeySequence("Ctrl+Alt+Q"), self, self.ask_pin)
        self.pin_dialog: PinDialog | None = None
        self.go_idle()
        self._load_agency()

    # -- layout --------------------------------------------------------------------------------

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        header = QFrame()
        header.setObjectName("kioskHeader")
        hl = QVBoxLayout(header)
        hl.setContentsMargins(32, 14, 32, 14)
        self.header_title = label("TRA CỨU HỒ SƠ", "headerTitle")
        hl.addWidget(self.header_title)
        hl.addWidget(label("Tra cứu tình trạng hồ sơ", "headerSub"))
        root.addWidget(header)

        self.idle_page = IdlePage()
        self.answer_page = AnswerPage()
        self.message_page = MessagePage()
        self.rating_page = RatingPage()
        self.stack = QStackedWidget()
        for page in (
            self.idle_page,
            BusyPage(),
            self.answer_page,
            self.message_page,
            self.rating_page,
            ThanksPage(),
        ):
            self.stack.addWidget(page)
        root.addWidget(self.stack, 1)
        self.answer_page.rating_requested.connect(self.show_rating)
        self.answer_page.done_requested.connect(self.go_idle)
        self.message_page.back_requested.connect(self.go_idle)
        self.rating_page.send_requested.connect(self.send_rating)
        self.rating_page.skip_requested.connect(self.go_idle)
        self.rating_page.did_edit.connect(lambda: self._restart_idle(self.idle_s))
        # The pages' parts the window and its tests reach.
        self.idle_label = self.idle_page.idle_label
        self.message_label = self.message_page.message_label
        self.fields, self.captions = self.answer_page.fields, self.answer_page.captions
        self.status_label, self.countdown = (
            self.answer_page.status_label,
            self.answer_page.countdown,
        )
        self.rate_button = self.answer_page.rate_button
        self.score_buttons = self.rating_page.score_buttons
        self.comment_edit = self.rating_page.comment_edit
        self.send_button = self.rating_page.send_button

        footer = QHBoxLayout()
        footer.setContentsMargins(16, 0, 16, 8)
        # Outside every layout and off the visible area: it only collects the scanner's keys.
        self.scan_input = QLineEdit(self)
        self.scan_input.setObjectName("scanInput")
        self.scan_input.setMaxLength(SCAN_MAX_LENGTH)
        self.scan_input.setGeometry(-100, -100, 10, 10)
        self.scan_input.returnPressed.connect(self._scan_entered)
        footer.addStretch(1)
        self.admin_button = touch_button("Quản trị", self.ask_pin, "adminButton")
        footer.addWidget(self.admin_button)
        root.addLayout(footer)

    def _load_agency(self) -> None:
        """The centre's name in the header, read in the background (the kiosk shows at once)."""

        def show(cfg: Any) -> None:
            if cfg.agency_name:
                self.header_title.setText(cfg.agency_name)

        def failed(exc: BaseException) -> None:  # the kiosk works without the name
            log.warning("Không đọc được thông tin trung tâm: %s", exc)

        self.ops.op(self.services.centre_config, self).success(show).failure(failed).run()

    # -- fitting the screen ----------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        screen = self.screen()
        if screen is not None:
            size = screen.geometry()
            self.apply_scale(kiosk_scale(size.width(), size.height()))
        super().showEvent(event)

    def apply_scale(self, scale: float) -> None:
        """Shrink type, margins and the scan picture so every page fits this screen."""
        if not self._margins:
            for layout in self.findChildren(QLayout):
                m = layout.contentsMargins()
                self._margins[layout] = (m.left(), m.top(), m.right(), m.bottom())
        if scale == self.scale:
            return
        self.scale = scale
        self.setStyleSheet(kiosk_style(scale))
        for layout, margins in self._margins.items():
            layout.setContentsMargins(*(round(v * scale) for v in margins))
        self.idle_page.picture.set_scale(scale)

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
        self.answer_page.clear()
        self.comment_edit.clear()
        self.scan_input.clear()
        self.rating_page.clear_score()
        self._show_page("idle", None)

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
        if answer.dossier is None:
            return
        self._answer = answer
        self.answer_page.show_dossier(answer.dossier, rateable)
        self._show_page("answer", self.idle_s)

    def show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self._show_page("message", min(self.idle_s, MESSAGE_S))

    # -- rating --------------------------------------------------------------------------------

    def show_rating(self) -> None:
        if self._answer is None or self._answer.dossier is None:
            self.go_idle()
            return
        self.rating_page.clear_score()
        self.comment_edit.clear()
        self._show_page("rating", self.idle_s)

    def choose_score(self, score: RatingScore) -> None:
        self.score_buttons[score].click()

    def send_rating(self) -> None:
        if self._answer is None or self._answer.dossier is None:
            self.go_idle()
            return
        score = self.rating_page.score
        if score is None:
            return
        code = self._answer.dossier.code
        comment = self.comment_edit.text()
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
        if pin_matches(pin, self._pin):
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


def show_kiosk(window: KioskWindow, *, fullscreen: bool) -> None:
    """Full screen without a frame, or a window that fits the screen (for trying it out)."""
    if fullscreen:
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        window.showFullScreen()
    else:
        fit_to_screen(window, 1280, 800)
        window.show()
    window.scan_input.setFocus()


def run(services: CounterServices, *, fullscreen: bool = True) -> int:
    """`counter-app kiosk`: the kiosk window until an admin leaves it with the PIN."""
    from ui.app import make_application

    app = make_application()
    from ui import db_guard

    db_guard.install()
    ops = Ops()
    window = KioskWindow(services, ops=ops)
    show_kiosk(window, fullscreen=fullscreen)
    code = app.exec()
    ops.shutdown()
    services.close()
    return code
