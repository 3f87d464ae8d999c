"""The procedure's papers as a checklist with original/copy counts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from counter_app.catalog import PaperSpec

_HEADERS = ("Giấy tờ", "Bản chính", "Bản sao")
Index = QModelIndex | QPersistentModelIndex


class PapersModel(QAbstractTableModel):
    """Rows are the procedure's papers; column 0 is checkable (submitted or not)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._papers: list[PaperSpec] = []
        self._checked: list[bool] = []

    def set_papers(self, papers: tuple[PaperSpec, ...] | list[PaperSpec]) -> None:
        self.beginResetModel()
        self._papers = list(papers)
        # Required papers are normally brought; optional ones ("nếu có") only sometimes.
        self._checked = [p.required for p in self._papers]
        self.endResetModel()

    def papers(self) -> list[PaperSpec]:
        return list(self._papers)

    def checked_codes(self) -> list[str]:
        return [p.code for p, c in zip(self._papers, self._checked, strict=True) if c]

    def unchecked(self) -> list[PaperSpec]:
        return [p for p, c in zip(self._papers, self._checked, strict=True) if not c]

    def all_checked(self) -> bool:
        return all(self._checked)

    def set_checked_codes(self, codes: list[str] | None) -> None:
        """Tick exactly these papers; None ticks the usual set (the required ones)."""
        wanted = None if codes is None else set(codes)
        self._checked = [p.required if wanted is None else p.code in wanted for p in self._papers]
        if self._papers:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._papers) - 1, 0))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._papers)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(_HEADERS):
            return _HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0:
            base |= Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._papers):
            return None
        paper = self._papers[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return paper.name + ("" if paper.required else " (nếu có)")
            return str(paper.originals if col == 1 else paper.copies)
        if role == Qt.ItemDataRole.CheckStateRole and col == 0:
            return Qt.CheckState.Checked if self._checked[index.row()] else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            return paper.name
        if role == Qt.ItemDataRole.TextAlignmentRole and col > 0:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ForegroundRole and not self._checked[index.row()]:
            return QColor("#b00020") if paper.required else QColor("#777777")
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or index.column() != 0 or role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
        self._checked[index.row()] = bool(checked)
        self.dataChanged.emit(index, self.index(index.row(), len(_HEADERS) - 1))
        return True


class PapersView(QTableView):
    """Space ticks or unticks the current paper."""

    def __init__(self, model: PapersModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("papersView")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(True)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.setTabKeyNavigation(False)
        self.setToolTip("Dấu chọn = đã nộp. Phím Cách để chọn/bỏ chọn giấy tờ đang trỏ.")
        model.modelReset.connect(self.resizeRowsToContents)
