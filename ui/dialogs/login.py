"""Sign-in: username and password checked by the core (scrypt runs off the UI thread)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ui.messages import user_text
from ui.ops import Ops
from ui.widgets import error_label, named

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.services import CounterServices


class LoginDialog(QDialog):
    """Signals: `login_did_succeed(UserInfo)`; `shown` when first painted (start-up bench)."""

    login_did_succeed = Signal(object)
    shown = Signal()

    def __init__(
        self,
        services: CounterServices | None,  # None: the core is still loading (see set_services)
        ops: Ops,
        parent: QWidget | None = None,
        *,
        hint: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self.setWindowTitle("Đăng nhập — Phần mềm quầy tiếp nhận")
        self.setMinimumWidth(420)
        self._services, self._ops = services, ops
        title = QLabel("<b>Bộ phận tiếp nhận và trả kết quả</b>")
        self.username = named(QLineEdit(), "usernameInput")
        self.password = named(QLineEdit(), "passwordInput")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("Tên đă&ng nhập:", self.username)
        form.addRow("&Mật khẩu:", self.password)
        self.error = error_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Đăng nhập")
        self.ok.setObjectName("loginButton")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Thoát")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        if hint:
            note = named(QLabel(hint), "hintLabel", wrap=True)
            note.setStyleSheet("color: #555")
            layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.username.setFocus()
        self._shown_once = False
        self._queued = False
        if services is None:
            self.error.setText("Đang mở cơ sở dữ liệu…")

    def set_services(self, services: CounterServices) -> None:
        """The core is ready (it loads in the background while the dialog is already usable)."""
        self._services = services
        self.error.clear()
        if self._queued:
            self._queued = False
            self.submit()

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.shown.emit()

    def submit(self) -> None:
        username, password = self.username.text(), self.password.text()
        if not username.strip() or not password:
            self.error.setText("Hãy nhập tên đăng nhập và mật khẩu.")
            return
        if self._services is None:
            self._queued = True  # signs in as soon as the database is open
            self.error.setText("Đang mở cơ sở dữ liệu…")
            return
        self.ok.setEnabled(False)
        self.error.setText("Đang kiểm tra…")

        def done(user: UserInfo | None) -> None:
            self.ok.setEnabled(True)
            if user is None:
                self.error.setText("Tên đăng nhập hoặc mật khẩu không đúng.")
                self.password.selectAll()
                self.password.setFocus()
                return
            self.error.clear()
            self.login_did_succeed.emit(user)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.ok.setEnabled(True)
            self.error.setText(user_text(exc))

        auth = self._services.auth
        self._ops.op(lambda: auth.authenticate(username, password), self).success(done).failure(
            failed
        ).run()
