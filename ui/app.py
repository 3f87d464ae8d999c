"""The desktop application: QApplication, fonts, logging, crash handler, setup/login/main flow."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ui import messages
from ui.ops import Ops

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.backup import DamagedDatabaseError, RestoreResult
    from counter_app.services import CounterServices
    from counter_app.settings import Settings
    from ui.dialogs.setup import SetupResult

log = logging.getLogger(__name__)

_FONT_FILES = (
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
    "NotoSans-Italic.ttf",
    "NotoSans-BoldItalic.ttf",
)


def load_fonts(app: QApplication) -> None:
    """Qt ships no fonts: load the bundled Noto Sans so every Vietnamese letter has a glyph."""
    from counter_app.resources import resource_path

    for name in _FONT_FILES:
        path = resource_path("fonts", name)
        if Path(path).exists():
            QFontDatabase.addApplicationFont(str(path))
    font = QFont("Noto Sans")
    font.setPointSize(10)
    app.setFont(font)


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Worker threads run pure-Python PDF rendering; a short GIL switch interval keeps the UI
    # thread's turn within a few milliseconds (the default 5 ms let stalls add up to ~100 ms).
    sys.setswitchinterval(0.001)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("counter-app")
    app.setApplicationDisplayName("Quầy tiếp nhận và trả kết quả")
    app.setOrganizationName("ttphvhcc")
    load_fonts(app)
    from ui.translations import install_translations

    install_translations(app)
    return app


class AppController(QObject):
    """Setup or login, then the main window; logout comes back to login.

    Signals: `login_shown(LoginDialog)`, `setup_shown(SetupDialog)`, `main_shown(MainWindow)`,
    `counter_shown(CounterDialog)` (a database from before the counter number had to be chosen).
    """

    login_shown = Signal(object)
    setup_shown = Signal(object)
    main_shown = Signal(object)
    counter_shown = Signal(object)

    def __init__(
        self,
        services: CounterServices | None,  # None: `factory` builds them on the worker at start-up
        ops: Ops,
        *,
        demo: bool = False,
        factory: Callable[[], CounterServices] | None = None,
    ) -> None:
        super().__init__()
        self.services = services
        self.ops = ops
        self.demo = demo
        self._factory = factory
        self.window: QWidget | None = None
        self.dialog: QWidget | None = None
        self.clock_box: QWidget | None = None
        self.damage_box: QWidget | None = None
        self.restored_box: QWidget | None = None
        self.counter_dialog: QWidget | None = None
        self.draft_flush: Callable[[], None] | None = None
        self.rollback_box: QWidget | None = None

    def start(self) -> None:
        """Open the database (and build the demo data), then ask who is at the counter.

        Without demo data the login dialog shows at once and the clerk can type while the core
        loads and the schema is checked in the background; a new database switches to setup.
        """
        demo, factory = self.demo, self._factory

        def prepare() -> tuple[CounterServices, bool, str, str]:
            services = self._given() if factory is None else factory()
            code_warning = ""
            if demo:
                from counter_app.demo import build_demo

                build_demo(services)
            else:
                from counter_app.auth import system_actor
                from counter_app.backup_daily import auto_backup_if_due
                from counter_app.domain import Role

                # Health check, schema, this window's hold on the database (restore elsewhere is
                # refused while it is open), code counters, the server's word on unit and clock.
                report = services.start(what="cửa sổ phần mềm quầy")
                code_warning = report.code_warning  # data put back from an old copy
                services.load_bundled_calendar()  # days a new release ships; never overwrites
                # Before anyone signs in: the OS user's daily copy (a clerk may make it too).
                auto_backup_if_due(services, by=system_actor(Role.CLERK))  # never raises
                # Search index upkeep on its own thread, in short write steps (intake never waits).
                from counter_app.search import start_index_upkeep

                start_index_upkeep(services.db)  # never raises; logs what it did
            guard = getattr(services, "guard", None)
            clock = guard.clock_problem() if guard is not None else ""  # reads the newest receipt
            return services, bool(services.auth.has_users()), clock, code_warning

        op = self.ops.op(prepare).success(self._prepared).failure(self._fatal)
        if demo:
            op.with_progress("Đang tạo dữ liệu minh họa…")
        else:
            self.show_login()
        op.run()

    def _fatal(self, exc: BaseException) -> None:
        from counter_app.backup import DamagedDatabaseError

        if isinstance(exc, DamagedDatabaseError) and exc.backup is not None:
            self._offer_restore(exc, exc.backup)
            return
        box = messages.show_error(None, f"Không mở được cơ sở dữ liệu.\n{messages.user_text(exc)}")
        box.finished.connect(lambda _: QApplication.quit())

    def _given(self) -> CounterServices:
        """The services: given, or built by the factory once start-up has prepared them."""
        if self.services is None:
            raise RuntimeError("AppController: the services are not built yet")
        return self.services

    def _offer_restore(self, exc: DamagedDatabaseError, backup: Path) -> None:
        """A damaged database: offer the newest good backup (the damaged file is kept aside)."""
        restoring: list[bool] = []

        def restore() -> None:
            restoring.append(True)
            factory = self._factory

            def work() -> tuple[CounterServices, RestoreResult]:
                from counter_app.auth import system_actor
                from counter_app.backup import restore_backup

                services = self._given() if factory is None else factory()
                # Nobody can sign in to a damaged file: the OS user restores, as on the CLI.
                result = restore_backup(services, backup, by=system_actor())
                return services, result

            def done(value: tuple[CounterServices, RestoreResult]) -> None:
                services, result = value
                self.services, self._factory = services, None
                stale = self.dialog  # the login shown while the damaged file was being opened
                if stale is not None:
                    stale.blockSignals(True)  # closing it is not the clerk cancelling
                    stale.close()
                    stale.deleteLater()
                    self.dialog = None
                lost = (
                    f"\n{len(result.lost)} hồ sơ cấp sau bản sao lưu không có trong bản này."
                    if result.lost
                    else ""
                )
                self.restored_box = messages.show_info(
                    None,
                    f"Đã khôi phục CSDL từ {backup}.\n"
                    f"Tệp hỏng được giữ tại {result.damaged_kept}.{lost}",
                    title="Đã khôi phục",
                )
                self.start()

            def failed(err: BaseException) -> None:
                box = messages.show_error(None, err)
                box.finished.connect(lambda _: QApplication.quit())

            self.ops.op(work).success(done).failure(failed).run()

        self.damage_box = messages.ask(
            None,
            f"{exc}\n\nKhôi phục bản sao lưu tốt mới nhất ngay bây giờ?",
            restore,
            title="Cơ sở dữ liệu bị hỏng",
        )
        self.damage_box.finished.connect(lambda _: None if restoring else QApplication.quit())

    def _prepared(self, result: tuple[CounterServices, bool, str, str]) -> None:
        self.services, has_users, clock_problem, code_warning = result
        if code_warning:
            # The codes lost with the rollback: never reissued, and the centre must find those
            # citizens. Shown before anything else at the counter.
            box = messages.show_error(None, code_warning)
            box.setWindowTitle("Dữ liệu bị đặt lại về bản cũ")
            self.rollback_box = box
        self._check_clock(clock_problem)
        dialog = self.dialog
        if has_users:
            if dialog is not None and dialog.objectName() == "loginDialog":
                dialog.set_services(self.services)  # type: ignore[attr-defined]
            else:
                self.show_login()
            return
        if dialog is not None:
            dialog.blockSignals(True)  # closing it is not the clerk cancelling
            dialog.close()
            dialog.deleteLater()
        self.show_setup()

    def _check_clock(self, problem: str) -> None:
        """A clock that looks wrong stops code issuing until someone confirms it here."""
        guard = getattr(self.services, "guard", None)
        if guard is None or not problem:
            return
        self.clock_box = messages.ask(
            None,
            f"{problem}\n\nMã hồ sơ sẽ không được cấp cho đến khi giờ máy được sửa hoặc xác "
            "nhận. Giờ máy hiện tại là đúng?",
            guard.confirm_clock,
            title="Kiểm tra đồng hồ máy",
        )

    def show_setup(self) -> None:
        from ui.dialogs.setup import SetupDialog

        dialog = SetupDialog(self._given(), self.ops)
        dialog.setup_did_finish.connect(self._setup_done)
        dialog.rejected.connect(QApplication.quit)
        self.dialog = dialog
        dialog.show()
        self.setup_shown.emit(dialog)

    def _setup_done(self, result: SetupResult) -> None:
        if result.counter_no != self._given().settings.counter_no:
            self._change_counter(result.counter_no)
        if result.lookup_base_url is not None:
            self._rebuild_services(lookup_base_url=result.lookup_base_url)
        self.open_main(result.user)

    def _rebuild_services(self, **changes: Any) -> None:
        """Services on settings changed at setup (already written to the settings file)."""
        from dataclasses import replace

        from counter_app.services import CounterServices

        old = self._given()
        self.services = CounterServices(
            replace(old.settings, **changes), db=old.db, clock=old.clock
        )

    def _change_counter(self, counter_no: int) -> None:
        """The counter number is this PC's setting: write it and rebuild the services with it."""
        from dataclasses import replace

        from counter_app.services import CounterServices
        from counter_app.settings import set_value

        old = self._given()
        settings = old.settings
        set_value(settings, "counter_no", str(counter_no))
        self.services = CounterServices(
            replace(settings, counter_no=counter_no), db=old.db, clock=old.clock
        )

    def show_login(self) -> None:
        from ui.dialogs.login import LoginDialog

        hint = ""
        if self.demo:
            from counter_app.demo import DEMO_USERS

            accounts = "; ".join(f"{u} / {p} ({r.label})" for u, _, p, r in DEMO_USERS)
            hint = f"Dữ liệu minh họa (xóa khi thoát). Tài khoản: {accounts}"
        dialog = LoginDialog(self.services, self.ops, hint=hint)
        if self.demo:
            dialog.username.setText("canbo")
            dialog.password.setFocus()
        dialog.login_did_succeed.connect(self.open_main)
        dialog.rejected.connect(self._login_cancelled)
        self.dialog = dialog
        dialog.show()
        self.login_shown.emit(dialog)

    def _login_cancelled(self) -> None:
        if self.dialog is not None and self.dialog.signalsBlocked():
            return
        if self.window is None:
            QApplication.quit()

    def open_main(self, user: UserInfo) -> None:
        settings = getattr(self.services, "settings", None)
        if settings is not None and not settings.counter_chosen and not self.demo:
            self._ask_counter(user)
            return
        self._open_main(user)

    def _ask_counter(self, user: UserInfo) -> None:
        """A database set up before the number had to be chosen: ask it before any intake."""
        from ui.dialogs.counter import CounterDialog

        dialog = CounterDialog()
        self.counter_dialog = dialog

        def chosen(number: int) -> None:
            self._change_counter(number)

        dialog.counter_did_choose.connect(chosen)
        dialog.finished.connect(lambda _: self._open_main(user))
        dialog.open()
        self.counter_shown.emit(dialog)

    def _open_main(self, user: UserInfo) -> None:
        from ui.main_window import MainWindow

        window = MainWindow(self._given(), self.ops, user)
        window.logout_requested.connect(self._logout)
        self.window = window
        self.draft_flush = window.intake.flush_draft
        window.show()
        self.main_shown.emit(window)

    def _logout(self) -> None:
        window = self.window
        self.window = None
        self.draft_flush = None
        if window is not None:
            window.close()
            window.deleteLater()
        self.show_login()


def _setup_logging(settings: Settings) -> str:
    from counter_app.logs import setup_logging

    return str(setup_logging(settings))


CRASH_TITLE = "Lỗi không mong đợi"


def crash_text(log_path: str) -> str:
    return (
        "Phần mềm gặp lỗi không mong đợi. Hồ sơ đang nhập đã được giữ lại làm bản nháp; "
        "dữ liệu đã lưu không bị ảnh hưởng "
        "(mỗi thao tác ghi là trọn vẹn hoặc không ghi gì).\n\n"
        f"Chi tiết lỗi đã ghi vào nhật ký:\n{log_path}\n\n"
        "Nếu lỗi lặp lại, hãy gửi tệp nhật ký này cho bộ phận kỹ thuật."
    )


def _show_crash(text: str) -> None:
    QMessageBox.critical(None, CRASH_TITLE, text)


def install_excepthook(
    controller: AppController, log_path: str, show: Callable[[str], None] = _show_crash
) -> Callable[..., None]:
    """Unexpected errors: log, keep the draft, tell the clerk in Vietnamese where the log is."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.critical("Lỗi không bắt được:\n%s", "".join(traceback.format_exception(kind, exc, tb)))
        if controller.draft_flush is not None:
            try:
                controller.draft_flush()
            except Exception:  # the crash message matters more than a second failure
                log.exception("Không lưu được bản nháp")
        if QApplication.instance() is not None:
            show(crash_text(log_path))

    sys.excepthook = hook
    return hook


def _demo_home() -> Path:
    """Everything of the demo (database, drafts, logs, settings) lives in one throwaway dir."""
    home = Path(tempfile.mkdtemp(prefix="counter-app-demo-"))
    os.environ["COUNTER_APP_HOME"] = str(home)
    return home


def build_services(
    db_url: str | None, demo: bool = False, *, home: Path | None = None
) -> CounterServices:
    """CounterServices for the window (slow import: called on the worker thread at start-up)."""
    from counter_app.services import CounterServices
    from counter_app.settings import Settings

    if demo:
        home = home or _demo_home()
        settings = Settings.load(db_url=f"sqlite:///{home / 'demo.sqlite3'}")
        if not settings.counter_chosen:  # a throwaway demo database: counter 1 is harmless
            from dataclasses import replace

            settings = replace(settings, counter_no=1)
    else:
        settings = Settings.load(db_url=db_url)
    return CounterServices(settings)


def create_controller(
    db_url: str | None, demo: bool
) -> tuple[QApplication, AppController, Path | None]:
    """Application, logging, crash handler and controller: everything before the event loop."""
    app = make_application()
    from counter_app.settings import Settings

    home = _demo_home() if demo else None
    settings = Settings.load(db_url=db_url)
    log_path = _setup_logging(settings)
    messages.LOG_PATH[:] = [log_path]
    from ui import db_guard

    # Database work by window code on this thread is logged with its stack (tests make it fail).
    db_guard.install(strict=os.environ.get("COUNTER_APP_STRICT_THREADS") == "1")
    ops = Ops()
    ops.error_handler = lambda exc, parent: messages.show_error(parent, exc)
    controller = AppController(
        None, ops, demo=demo, factory=lambda: build_services(db_url, demo, home=home)
    )
    install_excepthook(controller, log_path)
    return app, controller, home


def run(db_url: str | None = None, demo: bool = False) -> int:
    """`counter-app` with no command: the desktop window."""
    app, controller, home = create_controller(db_url, demo)
    ops = controller.ops
    controller.start()
    code = app.exec()
    if controller.draft_flush is not None:
        controller.draft_flush()
    ops.shutdown()
    from ui.printing import shutdown_render_pool

    shutdown_render_pool()
    if controller.services is not None:
        controller.services.close()
    if home is not None:
        from counter_app.tempdirs import remove_tree

        remove_tree(home)
    return int(code)
