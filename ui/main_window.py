"""The clerk's main window: a frame composing the intake and dossier panels, menus, status bar."""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from counter_app.domain import Permission
from counter_app.dossier_codes import extract_code
from counter_app.drafts import DraftStore
from ui.dossiers.panel import DossiersPanel
from ui.intake.form import IntakeForm
from ui.intake.scan_filter import ScanFilter
from ui.ops import Ops
from ui.queue.counter import install_queue
from ui.sync_status import SyncStatusWidget
from ui.widgets import fit_to_screen, named

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.services import CounterServices

log = logging.getLogger(__name__)


def freeze_startup_objects() -> None:
    """Move everything loaded so far out of the garbage collector's reach.

    A full collection over the start-up objects (SQLAlchemy, Qt wrappers, modules) took
    50-150 ms and, run by the worker thread, held the GIL and froze the window; after
    `gc.freeze()` collections only visit objects made since.
    """
    gc.freeze()


class MainWindow(QMainWindow):
    """Signals: `logout_requested()`."""

    logout_requested = Signal()

    def __init__(
        self, services: CounterServices, ops: Ops, user: UserInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.services, self.ops, self.user = services, ops, user
        self.setWindowTitle(
            f"Tiếp nhận và trả kết quả — Quầy số {services.settings.counter_no} — {user.full_name}"
        )
        store = DraftStore(services.settings.paths.data_dir, user.username)
        self.intake = IntakeForm(services, ops, user, draft_store=store, parent=self)
        self.dossiers = DossiersPanel(services, ops, user, self)
        self.tabs = named(QTabWidget(), "mainTabs")
        self.tabs.addTab(self.intake, "Tiếp nhận hồ sơ (F2)")
        self.tabs.addTab(self.dossiers, "Danh sách hồ sơ (F3)")
        self.setCentralWidget(self.tabs)
        self.dashboard: Any = None
        self.warm: Any = None  # ui.warmup.WarmUp, once started
        self._build_menus()
        self._build_status_bar()
        self.queue = install_queue(self, services.settings)  # None without a queue service
        self.intake.notice.connect(self.show_notice)
        self.dossiers.notice.connect(self.show_notice)
        self.intake.dossier_did_receive.connect(self._dossier_received)
        self.scanner = ScanFilter(self)
        self.scanner.chip_id_scanned.connect(self.on_chip_id_scan)
        self.scanner.code_scanned.connect(self.on_code_scan)
        self.scanner.scan_unreadable.connect(self.on_unreadable_scan)
        self.scanner.install()
        self.dossiers.reload()
        QTimer.singleShot(300, self._warm_up)
        fit_to_screen(self, 1280, 760)
        self.intake.procedure.setFocus()

    # -- frame ---------------------------------------------------------------------------------

    def _action(self, text: str, slot: Any, shortcut: str = "", name: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setToolTip(f"{text.replace('&', '').rstrip('…')} ({shortcut})")
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        can = self.user.can
        bar = self.menuBar()
        m = bar.addMenu("&Hồ sơ")
        m.addAction(self._action("Tiếp nhận hồ sơ", lambda: self.show_tab(0), "F2", "intakeAction"))
        m.addAction(self._action("Danh sách hồ sơ", lambda: self.show_tab(1), "F3", "listAction"))
        m.addSeparator()
        m.addAction(self._action("Lưu và in", self.intake.save, "", "saveAction"))
        m.actions()[-1].setShortcut(QKeySequence("Ctrl+S"))
        m.actions()[-1].setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # form owns Ctrl+S
        m.addAction(self._action("Nhập mới", self.intake.new_intake, "", "newAction"))
        m.actions()[-1].setShortcut(QKeySequence("Ctrl+N"))
        m.actions()[-1].setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        m.addAction(
            self._action("Yêu cầu bổ sung…", self.intake.request_supplement, "", "supplementAction")
        )
        m.addAction(self._action("Từ chối tiếp nhận…", self.intake.refuse, "", "refuseAction"))
        for a in m.actions()[-2:]:
            a.setEnabled(can(Permission.ISSUE_SLIP))
        m.addSeparator()
        m.addAction(
            self._action(
                "Trả kết quả (quét mã trên giấy tiếp nhận)",
                self._hand_back_hint,
                "",
                "handBackAction",
            )
        )
        m.addAction(self._action("Hồ sơ trực tuyến…", self.open_online, "F6", "onlineAction"))
        if can(Permission.VIEW_DASHBOARD):
            v = bar.addMenu("&Giám sát")
            act = self._action("Bảng điều khiển", self.open_dashboard, "Ctrl+D", "dashboardAction")
            v.addAction(act)
        if can(Permission.MANAGE_USERS) or can(Permission.MANAGE_CENTRE):
            admin = bar.addMenu("&Quản trị")
            if can(Permission.MANAGE_USERS):
                admin.addAction(self._action("Người dùng…", self.open_users, "", "usersAction"))
            if can(Permission.MANAGE_CENTRE):
                admin.addAction(
                    self._action(
                        "Thông tin trung tâm và giờ làm việc…", self.open_centre, "", "centreAction"
                    )
                )
            if can(Permission.MANAGE_CALENDAR):
                admin.addAction(
                    self._action(
                        "Ngày nghỉ, ngày làm bù…", self.open_calendar, "", "calendarAction"
                    )
                )
        acc = bar.addMenu("&Tài khoản")
        acc.addAction(
            self._action("Đăng xuất", self.logout_requested.emit, "Ctrl+Shift+L", "logoutAction")
        )
        acc.addAction(self._action("Thoát", self.close, "Ctrl+Q", "quitAction"))

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        role = self.user.role.label if hasattr(self.user.role, "label") else str(self.user.role)
        user = QLabel(
            f"{self.user.full_name} ({role}) · Quầy số {self.services.settings.counter_no}"
        )
        user.setObjectName("userLabel")
        status.addPermanentWidget(user)
        self.sync_widget: SyncStatusWidget | None = None
        try:
            self.sync_widget = SyncStatusWidget(self.services, self, ops=self.ops)
            status.addPermanentWidget(self.sync_widget)
        except Exception:  # the counter must work even if the sync widget cannot start
            log.exception("Không tạo được ô trạng thái đồng bộ")
        # Online dossiers waiting for a counter (only a counter that syncs can receive them).
        self.online_label = named(QLabel(""), "onlineCountLabel")
        self.online_label.setToolTip("Hồ sơ công dân nộp trực tuyến đang chờ (F6 để mở)")
        status.addPermanentWidget(self.online_label)
        self._online_timer = QTimer(self, interval=60_000)
        self._online_timer.timeout.connect(self.refresh_online_count)
        if self.services.settings.sync.server_url:
            self._online_timer.start()
            QTimer.singleShot(2000, self.refresh_online_count)
        status.showMessage("Sẵn sàng. Quét mã QR căn cước hoặc mã hồ sơ bất cứ lúc nào.")

    def _dossier_received(self, _received: Any) -> None:
        self.dossiers.refresh_when_shown()
        if self.sync_widget is not None:
            self.sync_widget.controller.refresh()  # "waiting" counts the new dossier at once

    def show_notice(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)
        if index == 0:
            self.intake.next_empty_field().setFocus()
        else:
            self.dossiers.search.setFocus()

    def _warm_up(self) -> None:
        """Find the printers, start the render process and warm the first save's paths now,
        so the session's first receipt does not pay for them; then freeze what they loaded."""
        from ui.printing import find_printers_ahead
        from ui.warmup import start_warm_up

        find_printers_ahead()
        self.warm = start_warm_up(
            self.services, self.user, self, lambda _report: freeze_startup_objects()
        )

    # -- scans ---------------------------------------------------------------------------------

    def on_chip_id_scan(self, text: str) -> None:
        self.tabs.setCurrentIndex(0)
        self.intake.apply_chip_scan(text)

    def on_code_scan(self, text: str) -> None:
        code = extract_code(text)
        if code is None:
            return
        self.show_notice(f"Đã quét mã hồ sơ {code}.")
        self.tabs.setCurrentIndex(1)
        self.dossiers.open_code(code)

    def on_unreadable_scan(self, _text: str) -> None:
        message = (
            "Không đọc được mã vừa quét. Hãy quét lại mã QR trên thẻ căn cước, "
            "hoặc mã vạch / mã QR trên giấy tiếp nhận; ô đang nhập không bị thay đổi."
        )
        self.show_notice(message)
        if self.tabs.currentIndex() == 0:
            self.intake.scan_notice.setText(message)

    def _hand_back_hint(self) -> None:
        self.show_tab(1)
        self.show_notice("Quét mã vạch hoặc mã QR trên giấy tiếp nhận để mở hồ sơ, rồi nhấn F9.")

    # -- other windows -------------------------------------------------------------------------

    def open_dashboard(self) -> None:
        from ui.dashboard.window import DashboardWindow  # type: ignore[import-not-found,unused-ignore]

        self.dashboard = DashboardWindow(self.services, self, user=self.user)
        self.dashboard.show()

    def open_online(self) -> None:
        from ui.online.panel import OnlineDossiersDialog

        dialog = OnlineDossiersDialog(self.services, self.ops, self.user, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.online_did_change.connect(self.refresh_online_count)
        dialog.online_did_change.connect(self.dossiers.refresh_when_shown)
        dialog.open()

    def refresh_online_count(self) -> None:
        def show(count: int) -> None:
            self.online_label.setText(f"Trực tuyến: {count}" if count else "")

        self.ops.op(self.services.online.count_open, self).success(show).run()

    def open_users(self) -> None:
        from ui.dialogs.users import UsersDialog

        UsersDialog(self.services, self.ops, self.user, self).open()

    def open_centre(self) -> None:
        from ui.dialogs.centre import open_centre_dialog

        open_centre_dialog(self.services, self.ops, self.user, self)

    def open_calendar(self) -> None:
        from ui.dialogs.calendar import CalendarDialog

        CalendarDialog(self.services, self.ops, self.user, self).open()

    def _confirm_exit_with_pending(self, pending: int) -> bool:
        """Unsent records stay safe on disk; say so and let the clerk choose."""
        answer = QMessageBox.warning(
            self,
            "Còn hồ sơ chưa đồng bộ",
            f"Còn {pending} bản ghi chưa gửi lên máy chủ tỉnh. Dữ liệu vẫn được lưu an toàn trên "
            "máy này và sẽ được gửi ở lần mở sau khi có mạng.\n\nVẫn thoát?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        widget = self.sync_widget
        # Only a counter that syncs can have records "waiting"; a standalone one never sends.
        syncing = widget is not None and bool(self.services.settings.sync.server_url)
        pending = widget.pending_count() if widget is not None and syncing else 0
        if pending and not self._confirm_exit_with_pending(pending):
            event.ignore()
            return
        if widget is not None:
            widget.shutdown()
        if self.queue is not None:
            self.queue.shutdown()
        self.intake.flush_draft()
        self.scanner.remove()
        super().closeEvent(event)
