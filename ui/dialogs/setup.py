"""First run: the centre's identity and hours, and the first admin account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from counter_app.centre import CentreConfig
from counter_app.domain import Role
from ui.dialogs.centre import CentreForm
from ui.messages import user_text
from ui.ops import Ops
from ui.widgets import named


@dataclass(frozen=True)
class SetupResult:
    user: Any  # UserInfo of the new admin
    counter_no: int


class SetupDialog(QDialog):
    """Signals: `setup_did_finish(SetupResult)` once centre and admin are stored."""

    setup_did_finish = Signal(object)

    def __init__(self, services: Any, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupDialog")
        self.setWindowTitle("Thiết lập lần đầu — Phần mềm quầy tiếp nhận")
        self._services, self._ops = services, ops
        intro = named(
            QLabel(
                "Cơ sở dữ liệu mới: hãy nhập thông tin trung tâm "
                "và tạo tài khoản quản trị đầu tiên."
            ),
            "",
            wrap=True,
        )
        self.centre = CentreForm(self)
        self.centre.set_config(CentreConfig(), services.settings.counter_no)
        admin = QGroupBox("Tài khoản quản trị")
        form = QFormLayout(admin)
        self.username = named(QLineEdit(), "adminUsernameInput")
        self.full_name = named(QLineEdit(), "adminFullNameInput")
        self.password = named(QLineEdit(), "adminPasswordInput")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password2 = named(QLineEdit(), "adminPassword2Input")
        self.password2.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Tên đă&ng nhập:", self.username)
        form.addRow("Họ &và tên:", self.full_name)
        form.addRow("Mật &khẩu (≥ 8 ký tự):", self.password)
        form.addRow("Nhập &lại mật khẩu:", self.password2)
        self.error = named(QLabel(), "errorLabel", wrap=True)
        self.error.setStyleSheet("color: #b00020")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Hoàn tất thiết lập")
        self.ok.setObjectName("finishButton")
        buttons.accepted.connect(self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.centre)
        layout.addWidget(admin)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(960)
        self.centre.identifier.setFocus()

    def submit(self) -> None:
        try:
            cfg = self.centre.config()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        if self.password.text() != self.password2.text():
            self.error.setText("Mật khẩu nhập lại không khớp.")
            self.password2.setFocus()
            return
        counter_no = self.centre.counter.value()
        username, full_name, password = (
            self.username.text(),
            self.full_name.text(),
            self.password.text(),
        )
        services = self._services

        def work() -> SetupResult:
            services.centre.save(cfg, by=None)
            services.reload_centre()
            user = services.auth.create_user(username, full_name, password, Role.ADMIN, by=None)
            return SetupResult(user, counter_no)

        self.ok.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.ok.setEnabled(True)
            self.error.setText(user_text(exc))

        def done(result: SetupResult) -> None:
            self.setup_did_finish.emit(result)
            self.accept()

        self._ops.op(work, self).success(done).failure(failed).run()
