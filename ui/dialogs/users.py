"""Admin: the accounts of the centre (create, reset password, lock or unlock)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain import Role
from ui.dialogs.admin import AdminDialog
from ui.ops import Ops
from ui.widgets import named, row_table

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.services import CounterServices


class UsersDialog(AdminDialog):
    def __init__(
        self, services: CounterServices, ops: Ops, user: UserInfo, parent: QWidget | None
    ) -> None:
        super().__init__(services, ops, user, parent, name="usersDialog", title="Người dùng")
        self.table = row_table(
            "usersTable", ["Tên đăng nhập", "Họ và tên", "Vai trò", "Trạng thái"]
        )
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        reset = named(QPushButton("Đặt lại &mật khẩu…"), "resetPasswordButton")
        toggle = named(QPushButton("&Khóa / mở khóa"), "toggleActiveButton")
        reset.clicked.connect(self._reset)
        toggle.clicked.connect(self._toggle)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(reset)
        row.addWidget(toggle)
        box = QGroupBox("Thêm người dùng")
        form = QFormLayout(box)
        self.username = named(QLineEdit(), "newUsernameInput")
        self.full_name = named(QLineEdit(), "newFullNameInput")
        self.role = named(QComboBox(), "newRoleInput")
        for r in Role:
            self.role.addItem(r.label, r.value)
        self.password = named(QLineEdit(), "newPasswordInput")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        add = named(QPushButton("&Thêm"), "addUserButton")
        add.clicked.connect(self._add)
        form.addRow("Tên đă&ng nhập:", self.username)
        form.addRow("&Họ và tên:", self.full_name)
        form.addRow("&Vai trò:", self.role)
        form.addRow("Mật khẩ&u (≥ 8 ký tự):", self.password)
        form.addRow(add)
        close = QPushButton("Đón&g")
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(box)
        layout.addWidget(self.error)
        layout.addWidget(close)
        self.resize(760, 560)
        self.reload()

    def reload(self) -> None:
        def show(users: list[tuple[Any, bool]]) -> None:
            self.table.setRowCount(len(users))
            for i, (u, active) in enumerate(users):
                for j, v in enumerate(
                    (
                        u.username,
                        u.full_name,
                        Role(u.role).label,
                        "Đang dùng" if active else "Đã khóa",
                    )
                ):
                    self.table.setItem(i, j, QTableWidgetItem(v))

        self.ops.op(self.services.auth.list_users, self).success(show).run()

    def _selected(self) -> tuple[str, bool] | None:
        row = self.table.currentRow()
        if row < 0:
            self.error.setText("Hãy chọn một người dùng trong bảng.")
            return None
        name, state = self.table.item(row, 0), self.table.item(row, 3)
        if name is None or state is None:
            return None
        return name.text(), state.text() == "Đang dùng"

    def _add(self) -> None:
        auth, by = self.services.auth, self.user
        u, n, p = self.username.text(), self.full_name.text(), self.password.text()
        role = Role(self.role.currentData())
        self._run(lambda: auth.create_user(u, n, p, role, by=by))
        self.password.clear()

    def _reset(self) -> None:
        sel = self._selected()
        if sel is None:
            return
        password, ok = QInputDialog.getText(
            self, "Đặt lại mật khẩu", f"Mật khẩu mới cho {sel[0]}:", QLineEdit.EchoMode.Password
        )
        if ok:
            auth, by = self.services.auth, self.user
            self._run(lambda: auth.set_password(sel[0], password, by=by))

    def _toggle(self) -> None:
        sel = self._selected()
        if sel is not None:
            auth, by = self.services.auth, self.user
            self._run(lambda: auth.set_active(sel[0], not sel[1], by=by))
