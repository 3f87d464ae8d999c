"""Dossier list rows for the table view (the rows come from `DossierService.search`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from counter_app.domain import DossierStatus

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Mã hồ sơ", "Người nộp", "Thủ tục", "Trạng thái", "Tiếp nhận", "Hẹn trả", "Quầy")


def _when(value: datetime) -> str:
    return f"{value:%H:%M %d/%m/%Y}"


def row_texts(r: Any) -> tuple[str, ...]:
    """The cells of one row as shown, one per column."""
    return (
        r.code,
        r.applicant_name,
        f"{r.procedure_code} — {r.procedure_name}",
        f"{int(r.status)}. {r.status.label}",
        _when(r.received_at),
        _when(r.appointment_at),
        str(r.counter_no),
    )


_TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)


class DossierTableModel(QAbstractTableModel):
    """Read-only rows of `DossierRow`; overdue dossiers are drawn in red.

    The views ask `data()` many times per cell (sizing, painting), so the texts are made once
    per load, by the caller's worker thread when it passes them to `set_rows`.
    """

    CodeRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: Any = None, now: Any = datetime.now) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []
        self._texts: list[tuple[str, ...]] = []
        self._now = now

    def set_rows(self, rows: list[Any], texts: list[tuple[str, ...]] | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._texts = texts if texts is not None else [row_texts(r) for r in self._rows]
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._rows):
            return str(section + 1)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role in _TEXT_ROLES:
            texts = self._texts[index.row()]
            col = index.column()
            return texts[col] if 0 <= col < len(texts) else None
        r = self._rows[index.row()]
        if role == self.CodeRole:
            return r.code
        if role == Qt.ItemDataRole.ForegroundRole:
            if r.is_overdue(self._now()):
                return QColor("#b00020")
            if r.status is DossierStatus.RESULT_READY:
                return QColor("#1e7b34")
        return None
