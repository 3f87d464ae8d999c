"""The list behind a dashboard figure, in a dialog (read-only)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.reports import DrillList
from ui.widgets import fit_to_screen

_Index = QModelIndex | QPersistentModelIndex
MAX_COLUMN_PX = 280


class DrillModel(QAbstractTableModel):
    """A DrillList as a table model (rows are already plain text)."""

    def __init__(self, drill: DrillList, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drill = drill

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self.drill.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.drill.headers)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        return self.drill.rows[index.row()][index.column()]

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.drill.headers[section]
        return str(section + 1)


class DrillDialog(QDialog):
    """Shows one DrillList: a title, how many lines, and the table."""

    def __init__(self, drill: DrillList, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drill = drill
        self.setWindowTitle(drill.title)
        self.model = DrillModel(drill, self)
        title = QLabel(drill.title)
        title.setObjectName("drillTitle")
        title.setWordWrap(True)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)
        count = f"{len(drill.rows):,} dòng".replace(",", ".")
        if drill.truncated:
            count += f" (chỉ hiện {len(drill.rows):,} dòng đầu)".replace(",", ".")
        self.count_label = QLabel(count)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.resizeColumnsToContents()
        # A long procedure name or address must not push the appointment and status columns
        # off screen: wide columns are capped (the full text is in the tooltip).
        for column in range(self.model.columnCount() - 1):
            header.resizeSection(column, min(header.sectionSize(column), MAX_COLUMN_PX))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("Đóng")
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.count_label)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        fit_to_screen(self, 1100, 560)

    def selected_code(self) -> str | None:
        """The dossier code of the current row, if the list is of dossiers."""
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= len(self.drill.codes):
            return None
        return self.drill.codes[index.row()]

    def add_action(self, text: str, name: str, act: Any) -> QPushButton:
        """A button acting on the selected dossier (e.g. Mẫu 04 from the late list)."""
        button = QPushButton(text)
        button.setObjectName(name)
        self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        button.clicked.connect(lambda: self._act(act))
        if self.drill.rows:
            self.table.selectRow(0)
        return button

    def _act(self, act: Any) -> None:
        code = self.selected_code()
        if code:
            act(code)
