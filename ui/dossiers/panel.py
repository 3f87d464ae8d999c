"""Today's dossiers (or any date): diacritics-insensitive search, status filter, detail."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain import DossierStatus
from ui.dossiers.table_model import DossierTableModel, row_texts
from ui.messages import show_error
from ui.ops import Ops
from ui.widgets import named, pydate, qdate

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.services import CounterServices

SIZE_ROWS = 60


class DossiersPanel(QWidget):
    """Signals: `detail_did_open(DossierDetailDialog)`, `notice(str)`."""

    detail_did_open = Signal(object)
    notice = Signal(str)

    def __init__(
        self, services: CounterServices, ops: Ops, user: UserInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dossiersPanel")
        self.services, self.ops, self.user = services, ops, user
        self.detail_dialog: Any = None
        self.search = named(QLineEdit(), "dossierSearchInput")
        self.search.setPlaceholderText(
            "Tìm theo tên (không cần dấu), số giấy tờ, mã hồ sơ, điện thoại"
        )
        self.search.setToolTip("Tìm hồ sơ (Ctrl+F)")
        self.day = named(QDateEdit(), "dossierDateInput")
        self.day.setDisplayFormat("dd/MM/yyyy")
        self.day.setCalendarPopup(True)
        self.day.setDate(qdate(services.clock().date()))
        self.all_days = named(QCheckBox("Mọi ngà&y"), "allDaysCheck")
        self.status = named(QComboBox(), "statusFilter")
        self.status.addItem("Mọi trạng thái", None)
        for st in DossierStatus:
            self.status.addItem(f"{int(st)}. {st.label}", int(st))
        refresh = named(QPushButton("Làm mớ&i"), "refreshButton")
        refresh.setToolTip("Tải lại danh sách (F5)")
        self.open_button = named(QPushButton("&Xem chi tiết"), "openDossierButton")
        self.open_button.setToolTip("Xem hồ sơ đang chọn (Enter)")
        self.model = DossierTableModel(self, now=services.clock)
        self.table = named(QTableView(), "dossierTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # the procedure name
        # Fit columns to the rows on screen and their neighbours, not to all 500 rows: each row
        # measured is a dozen calls into the model on the UI thread.
        header.setResizeContentsPrecision(SIZE_ROWS)
        self.count = named(QLabel(), "dossierCountLabel")
        bar = QHBoxLayout()
        label = QLabel("Tì&m:")
        label.setBuddy(self.search)
        bar.addWidget(label)
        bar.addWidget(self.search, 3)
        day_label = QLabel("&Ngày:")
        day_label.setBuddy(self.day)
        bar.addWidget(day_label)
        bar.addWidget(self.day)
        bar.addWidget(self.all_days)
        bar.addWidget(self.status, 1)
        bar.addWidget(refresh)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        order = [
            self.search,
            self.day,
            self.all_days,
            self.status,
            refresh,
            self.table,
            self.open_button,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._search_enter)
        self.day.dateChanged.connect(lambda _d: self.reload())
        self.all_days.toggled.connect(lambda _c: self.reload())
        self.status.currentIndexChanged.connect(lambda _i: self.reload())
        refresh.clicked.connect(self.reload)
        self.open_button.clicked.connect(self.open_current)
        self.table.activated.connect(lambda _i: self.open_current())
        QShortcut(QKeySequence("F5"), self).activated.connect(self.reload)
        QShortcut(QKeySequence("Ctrl+F"), self).activated.connect(self.search.setFocus)
        self._generation = 0
        self._stale = False

    def search_pending(self) -> bool:
        """True while typed text waits out the pause before it is searched."""
        return self._timer.isActive()

    def _search_enter(self) -> None:
        self._timer.stop()
        self.reload()
        self.table.setFocus()

    def refresh_when_shown(self) -> None:
        """The dossiers changed: search again now if the list is on screen, else when it shows.

        A hidden list refreshed on every save cost a search on the worker and a model reset on
        the UI thread while the clerk waits for the receipt preview.
        """
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._stale:
            self.reload()

    def reload(self) -> None:
        """Search again with the current filters (in the background)."""
        self._stale = False
        self._generation += 1
        generation = self._generation
        query = self.search.text()
        picked = pydate(self.day.date())
        day = None if self.all_days.isChecked() else picked
        st = self.status.currentData()
        statuses = [DossierStatus(st)] if st is not None else None
        dossiers, user = self.services.dossiers, self.user
        self.day.setEnabled(not self.all_days.isChecked())

        def work() -> tuple[list[Any], list[tuple[str, ...]]]:
            rows = list(
                dossiers.search(
                    query, day_from=day, day_to=day, statuses=statuses, limit=500, by=user
                )
            )
            return rows, [row_texts(r) for r in rows]

        def done(result: tuple[list[Any], list[tuple[str, ...]]]) -> None:
            if generation != self._generation:
                return  # a newer search is on its way
            rows, texts = result
            self.model.set_rows(rows, texts)
            for col in (0, 1, 3, 4, 5, 6):
                self.table.resizeColumnToContents(col)
            if self.table.columnWidth(1) > 240:
                self.table.setColumnWidth(1, 240)
            self.count.setText(f"{len(rows)} hồ sơ" + (" (tối đa 500)" if len(rows) >= 500 else ""))
            if rows and not self.table.currentIndex().isValid():
                self.table.selectRow(0)

        self.ops.op(work, self).success(done).run()

    def open_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.open_code(self.model.row_at(index.row()).code)

    def open_code(self, code: str) -> None:
        """Open a dossier's detail (from the table or a scanned receipt)."""
        from ui.dossiers.detail import DossierDetailDialog

        dossiers = self.services.dossiers

        def done(detail: Any) -> None:
            if detail is None:
                show_error(self, f"Không tìm thấy hồ sơ mã {code}.")
                return
            if self.detail_dialog is not None:
                self.detail_dialog.close()
            dialog = DossierDetailDialog(detail, self.services, self.ops, self.user, self)
            dialog.dossier_did_change.connect(lambda _c: self.reload())
            self.detail_dialog = dialog
            dialog.open()
            self.detail_did_open.emit(dialog)

        user = self.user
        self.ops.op(lambda: dossiers.detail(code, by=user), self).success(done).run()
