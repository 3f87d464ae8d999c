"""Admin: calendar exceptions on top of public holidays (extra days off, make-up working days)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.calendar import DayKind
from ui.dialogs.admin import AdminDialog
from ui.ops import Ops
from ui.widgets import named, qdate, row_table

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.services import CounterServices


class CalendarDialog(AdminDialog):
    def __init__(
        self, services: CounterServices, ops: Ops, user: UserInfo, parent: QWidget | None
    ) -> None:
        super().__init__(
            services, ops, user, parent, name="calendarDialog", title="Ngày nghỉ và ngày làm bù"
        )
        self.table = row_table("exceptionsTable", ["Ngày", "Loại", "Ghi chú"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.day = named(QDateEdit(), "exceptionDateInput")
        self.day.setDisplayFormat("dd/MM/yyyy")
        self.day.setCalendarPopup(True)
        self.day.setDate(qdate(services.clock().date()))
        self.kind = named(QComboBox(), "exceptionKindInput")
        for k in DayKind:
            self.kind.addItem(k.label, k.value)
        self.note = named(QLineEdit(), "exceptionNoteInput")
        self.note.setPlaceholderText("Ghi chú, ví dụ: làm bù cho ngày 01/9")
        add = named(QPushButton("&Thêm / sửa"), "addExceptionButton")
        remove = named(QPushButton("&Xóa ngày đang chọn"), "removeExceptionButton")
        add.clicked.connect(self._add)
        remove.clicked.connect(self._remove)
        row = QHBoxLayout()
        row.addWidget(self.day)
        row.addWidget(self.kind)
        row.addWidget(self.note, 1)
        row.addWidget(add)
        close = QPushButton("Đó&ng")
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("Ngày lễ, Tết theo quy định đã tự tính; ở đây chỉ ghi các ngày khác.")
        )
        layout.addWidget(self.table, 1)
        layout.addWidget(remove)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addWidget(close)
        self.resize(680, 480)
        self._rows: list[Any] = []
        self.reload()

    def reload(self) -> None:
        def show(rows: list[Any]) -> None:
            self._rows = rows
            self.table.setRowCount(len(rows))
            for i, (day, kind, note) in enumerate(rows):
                for j, v in enumerate((f"{day:%d/%m/%Y}", DayKind(kind).label, note)):
                    self.table.setItem(i, j, QTableWidgetItem(v))

        self.ops.op(self.services.centre.exception_rows, self).success(show).run()

    def changed(self) -> None:
        self.services.reload_centre()  # the cached centre settings and calendar are stale now
        self.reload()

    def _add(self) -> None:
        centre, by = self.services.centre, self.user
        picked = self.day.date()
        day, kind, note = (
            date(picked.year(), picked.month(), picked.day()),
            DayKind(self.kind.currentData()),
            self.note.text(),
        )
        self._run(lambda: centre.set_exception(day, kind, note, by=by))

    def _remove(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            self.error.setText("Hãy chọn một ngày trong bảng.")
            return
        centre, by, day = self.services.centre, self.user, self._rows[row][0]
        self._run(lambda: centre.set_exception(day, None, by=by))
