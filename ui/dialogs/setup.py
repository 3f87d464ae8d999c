"""First run: the centre's identity and hours, and the first admin account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

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
from counter_app.settings import is_placeholder_lookup_url, normalize_lookup_base_url, set_value
from ui.dialogs.centre import CentreForm
from ui.messages import user_text
from ui.ops import Ops
from ui.widgets import error_label, named

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.services import CounterServices


@dataclass(frozen=True)
class SetupResult:
    user: UserInfo  # UserInfo of the new admin
    counter_no: int
    lookup_base_url: str | None = None  # stored in the settings file when given


class SetupDialog(QDialog):
    """Signals: `setup_did_finish(SetupResult)` once centre and admin are stored."""

    setup_did_finish = Signal(object)

    def __init__(self, services: CounterServices, ops: Ops, parent: QWidget | None = None) -> None:
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
        lookup = QGroupBox("Tra cứu hồ sơ của người dân")
        lookup_form = QFormLayout(lookup)
        self.lookup_url = named(QLineEdit(), "lookupBaseUrlInput")
        self.lookup_url.setPlaceholderText("https://dichvucong.<tỉnh>.gov.vn/tra-cuu/")
        current = services.settings.lookup_base_url
        self.lookup_url.setText("" if is_placeholder_lookup_url(current) else current)
        self.lookup_url.setToolTip(
            "In trên giấy tiếp nhận, mã QR dẫn tới đây. Bỏ trống để đặt sau "
            "(counter-app doctor sẽ nhắc)."
        )
        lookup_form.addRow("Địa chỉ t&ra cứu:", self.lookup_url)
        self.error = error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Hoàn tất thiết lập")
        self.ok.setObjectName("finishButton")
        buttons.accepted.connect(self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.centre)
        layout.addWidget(admin)
        layout.addWidget(lookup)
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
        lookup_url: str | None = None
        if self.lookup_url.text().strip():
            try:
                lookup_url = normalize_lookup_base_url(self.lookup_url.text())
            except ValueError as exc:
                self.error.setText(str(exc))
                self.lookup_url.setFocus()
                return
        counter_no = self.centre.counter.value()
        if counter_no == 0:
            self.error.setText(
                "Hãy chọn số quầy của máy này (1–99). Mỗi máy một số riêng: hai máy trùng số "
                "quầy sẽ cấp trùng mã hồ sơ."
            )
            self.centre.counter.setFocus()
            return
        username, full_name, password = (
            self.username.text(),
            self.full_name.text(),
            self.password.text(),
        )
        services = self._services

        def work() -> SetupResult:
            # Checked before the account exists, so a bad field can be fixed and sent again.
            clean = cfg.validated()
            user = services.auth.create_first_admin(username, full_name, password)
            services.centre.save(clean, by=user)
            services.reload_centre()
            if lookup_url is not None:
                set_value(services.settings, "lookup_base_url", lookup_url)
            return SetupResult(user, counter_no, lookup_url)

        self.ok.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.ok.setEnabled(True)
            self.error.setText(user_text(exc))

        def done(result: SetupResult) -> None:
            self.setup_did_finish.emit(result)
            self.accept()

        self._ops.op(work, self).success(done).failure(failed).run()
