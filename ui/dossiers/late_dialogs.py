"""Late and stopped dossiers from the window: extend with an apology (Mẫu 04), stop (Mẫu 05),
and the control slip (Mẫu 06). The core decides what is allowed and computes the dates; these
dialogs only collect the reason and show the printed form."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDateTime, QTime, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.errors import UserError
from ui.messages import show_error
from ui.ops import Ops
from ui.widgets import named, qdate

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.services import CounterServices


def _preview(
    parent: QWidget, services: CounterServices, ops: Ops, pdf: bytes, title: str, name: str
) -> None:
    """The printed form in the preview (print or save); the parent keeps it as `preview_dialog`."""
    from ui.printing import open_pdf_preview

    def opened(dialog: QDialog) -> None:
        parent.setProperty("previewTitle", title)
        parent.preview_dialog = dialog  # type: ignore[attr-defined]

    open_pdf_preview(parent, services, ops, pdf, title, name, opened)


class _ReasonDialog(QDialog):
    """A dialog with a reason box, an error line and OK/Cancel; subclasses add fields."""

    def __init__(self, title: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._owner: QWidget = parent if parent is not None else self
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.reason = named(QPlainTextEdit(), "reasonEdit")
        self.reason.setTabChangesFocus(True)  # Tab leaves the box: keyboard users are not stuck
        self.reason.setMinimumHeight(80)
        self.error = named(QLabel(), "errorLabel", wrap=True)
        self.error.setStyleSheet("color: #b00020;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(ok_text)
        self.ok.setObjectName("okButton")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText("Hủy")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.pdf: bytes | None = None

    def submit(self) -> None:
        raise NotImplementedError

    def _failed(self, exc: BaseException) -> None:
        self.ok.setEnabled(True)
        if isinstance(exc, UserError):
            self.error.setText(str(exc))  # what was typed stays, the message names the field
        else:
            show_error(self, exc)


class ExtendDialog(_ReasonDialog):
    """Mẫu 04: N more working days or a new date, and why. Signals: `extension_did_issue`."""

    extension_did_issue = Signal(object)

    def __init__(
        self,
        code: str,
        appointment: datetime,
        services: CounterServices,
        ops: Ops,
        user: UserInfo,
        parent: QWidget,
    ) -> None:
        super().__init__(f"Gia hạn hồ sơ {code} (Mẫu 04)", "Gia hạn và &in Mẫu 04", parent)
        self.setObjectName("extendDialog")
        self.code, self.services, self.ops, self.user = code, services, ops, user
        self.form.addRow(QLabel(f"Hẹn trả hiện tại: <b>{appointment:%H:%M %d/%m/%Y}</b>"))
        self.by_days = named(QRadioButton("Thêm số &ngày làm việc"), "byDaysRadio")
        self.by_date = named(QRadioButton("Ngày hẹn &mới"), "byDateRadio")
        group = QButtonGroup(self)
        group.addButton(self.by_days)
        group.addButton(self.by_date)
        self.days = named(QSpinBox(), "extraDaysSpin")
        self.days.setRange(1, 365)
        self.days.setValue(3)
        self.days.setSuffix(" ngày làm việc")
        self.new_date = named(QDateTimeEdit(), "newAppointmentEdit")
        self.new_date.setDisplayFormat("HH:mm dd/MM/yyyy")
        self.new_date.setCalendarPopup(True)
        start = QDateTime(
            qdate(appointment.date()),
            QTime(appointment.hour, appointment.minute),
        )
        self.new_date.setDateTime(start.addDays(3))
        self.by_days.setChecked(True)
        self.by_days.toggled.connect(self._switch)
        self.form.addRow(self.by_days, self.days)
        self.form.addRow(self.by_date, self.new_date)
        self.form.addRow("&Lý do chậm trả kết quả:", self.reason)
        self._switch()
        self.change: Any = None

    def _switch(self) -> None:
        self.days.setEnabled(self.by_days.isChecked())
        self.new_date.setEnabled(self.by_date.isChecked())

    def submit(self) -> None:
        from ui import render

        code, dossiers, services, user = self.code, self.services.dossiers, self.services, self.user
        reason = self.reason.toPlainText()
        days = self.days.value() if self.by_days.isChecked() else None
        chosen = self.new_date.dateTime().toPython()
        assert isinstance(chosen, datetime)
        new = chosen.replace(second=0, microsecond=0) if self.by_date.isChecked() else None

        def work() -> tuple[Any, bytes]:
            change = dossiers.extend(
                code, by=user, reason=reason, extra_working_days=days, new_appointment=new
            )
            return change, render.apology(services, code, by=user)

        def done(result: tuple[Any, bytes]) -> None:
            self.change, self.pdf = result
            self.extension_did_issue.emit(self.change)
            self.accept()
            _preview(
                self._owner,
                self.services,
                self.ops,
                self.pdf,
                f"Văn bản xin lỗi, gia hạn — {code}",
                f"{code}-mau04.pdf",
            )

        self.error.clear()
        self.ok.setEnabled(False)
        self.ops.op(work, self).success(done).failure(self._failed).run()


class StopDialog(_ReasonDialog):
    """Mẫu 05: why processing stops; the dossier moves to status 8. Signals: `stop_did_issue`."""

    stop_did_issue = Signal(object)

    def __init__(
        self, code: str, services: CounterServices, ops: Ops, user: UserInfo, parent: QWidget
    ) -> None:
        super().__init__(f"Dừng giải quyết hồ sơ {code} (Mẫu 05)", "Dừng và &in Mẫu 05", parent)
        self.setObjectName("stopDialog")
        self.code, self.services, self.ops, self.user = code, services, ops, user
        self.form.addRow(
            QLabel("Hồ sơ sẽ chuyển sang trạng thái 8 «Dừng xử lý» và không tiếp tục giải quyết.")
        )
        self.form.addRow("&Lý do dừng giải quyết:", self.reason)

    def submit(self) -> None:
        from ui import render

        code, dossiers, services, user = self.code, self.services.dossiers, self.services, self.user
        reason = self.reason.toPlainText()

        def work() -> tuple[Any, bytes]:
            row = dossiers.stop(code, by=user, reason=reason)
            return row, render.stop_notice(services, code, by=user)

        def done(result: tuple[Any, bytes]) -> None:
            row, self.pdf = result
            self.stop_did_issue.emit(row)
            self.accept()
            _preview(
                self._owner,
                self.services,
                self.ops,
                self.pdf,
                f"Thông báo dừng giải quyết — {code}",
                f"{code}-mau05.pdf",
            )

        self.error.clear()
        self.ok.setEnabled(False)
        self.ops.op(work, self).success(done).failure(self._failed).run()


def print_control_slip(
    parent: QWidget, code: str, services: CounterServices, ops: Ops, user: UserInfo
) -> None:
    """Mẫu 06 from the dossier's history, shown in the preview to print or save."""
    from ui import render

    ops.op(lambda: render.control_slip(services, code, by=user), parent).success(
        lambda pdf: _preview(
            parent,
            services,
            ops,
            pdf,
            f"Phiếu kiểm soát quá trình giải quyết — {code}",
            f"{code}-mau06.pdf",
        )
    ).failure(lambda exc: _show(parent, exc)).with_progress("Đang tạo phiếu kiểm soát…").run()


def _show(parent: QWidget, exc: BaseException) -> None:
    show_error(parent, exc)
