"""The procedure's papers as a checklist with originals, copies and pages the clerk can change.

Counts start at the catalog's usual numbers; the clerk types over them (a certified copy's fee
depends on its copies and pages). Keyboard: arrows move between cells, typing a digit edits a
count (F2 is the main window's "Tiếp nhận" key), Enter confirms, Space ticks the paper.
The last column shows each paper's digitised files (and "cần quét" where the catalog says it
must be digitised and none is attached); files dropped on a row go to that paper.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from counter_app.attachments import StagedFile
from counter_app.catalog import PaperSpec
from counter_app.intake import COUNT_KEYS, MAX_PAPER_COUNT, MAX_PAPER_PAGES

_HEADERS = ("Giấy tờ", "Bản chính", "Bản sao", "Số trang", "Bản số hóa")
FILES_COLUMN = 4
_MAXIMA = (MAX_PAPER_COUNT, MAX_PAPER_COUNT, MAX_PAPER_PAGES)  # columns 1, 2, 3
Index = QModelIndex | QPersistentModelIndex


class PapersModel(QAbstractTableModel):
    """Rows are the procedure's papers; column 0 is checkable (submitted or not)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._papers: list[PaperSpec] = []
        self._checked: list[bool] = []
        self._counts: list[list[int]] = []  # originals, copies, pages per row
        self._files: dict[str, list[StagedFile]] = {}  # by paper code

    def set_papers(self, papers: tuple[PaperSpec, ...] | list[PaperSpec]) -> None:
        self.beginResetModel()
        self._papers = list(papers)
        # Required papers are normally brought; optional ones ("nếu có") only sometimes.
        self._checked = [p.required for p in self._papers]
        self._counts = [[p.originals, p.copies, 0] for p in self._papers]
        self._files = {}
        self.endResetModel()

    # -- digitised files -----------------------------------------------------------------------

    def files_of(self, code: str) -> list[StagedFile]:
        return list(self._files.get(code, ()))

    def all_files(self) -> list[StagedFile]:
        return [f for p in self._papers for f in self._files.get(p.code, ())]

    def add_file(self, staged: StagedFile) -> bool:
        """Attach a checked file to its paper: the paper counts as handed in, and its pages are
        filled in when none were typed. False when it is already there."""
        row = self.row_of(staged.paper)
        if row is None:
            return False
        files = self._files.setdefault(staged.paper, [])
        if any(f.sha256 == staged.sha256 for f in files):
            return False
        files.append(staged)
        self._checked[row] = True
        if self._counts[row][2] == 0:
            self._counts[row][2] = min(MAX_PAPER_PAGES, sum(f.pages for f in files))
        self.dataChanged.emit(self.index(row, 0), self.index(row, FILES_COLUMN))
        return True

    def remove_file(self, code: str, sha256: str) -> None:
        row = self.row_of(code)
        files = self._files.get(code, [])
        kept = [f for f in files if f.sha256 != sha256]
        if row is None or len(kept) == len(files):
            return
        if self._counts[row][2] == sum(f.pages for f in files):  # pages came from the files
            self._counts[row][2] = min(MAX_PAPER_PAGES, sum(f.pages for f in kept))
        self._files[code] = kept
        self.dataChanged.emit(self.index(row, 0), self.index(row, FILES_COLUMN))

    def set_files(self, files: list[StagedFile]) -> None:
        """Restore a draft's files (those of papers this procedure has)."""
        known = {p.code for p in self._papers}
        self._files = {}
        for f in files:
            if f.paper in known:
                self._files.setdefault(f.paper, []).append(f)
        if self._papers:
            self.dataChanged.emit(
                self.index(0, FILES_COLUMN), self.index(len(self._papers) - 1, FILES_COLUMN)
            )

    def row_of(self, code: str) -> int | None:
        return next((i for i, p in enumerate(self._papers) if p.code == code), None)

    def lacking_scans(self) -> list[PaperSpec]:
        """Ticked papers the catalog says must be digitised that have no file yet."""
        return [
            p
            for p, checked in zip(self._papers, self._checked, strict=True)
            if checked and p.digitise and not self._files.get(p.code)
        ]

    def _files_text(self, row: int) -> str:
        paper = self._papers[row]
        files = self._files.get(paper.code, ())
        if files:
            pages = sum(f.pages for f in files)
            return f"{len(files)} tệp · {pages} tr."
        if paper.digitise and self._checked[row]:
            return "cần quét"
        return "phải quét" if paper.digitise else ""

    def counts(self) -> dict[str, dict[str, int]]:
        """Counts of the ticked papers that differ from the catalog's, or with pages recorded."""
        out: dict[str, dict[str, int]] = {}
        for paper, checked, counts in zip(self._papers, self._checked, self._counts, strict=True):
            if checked and counts != [paper.originals, paper.copies, 0]:
                out[paper.code] = dict(zip(COUNT_KEYS, counts, strict=True))
        return out

    def set_counts(self, counts: dict[str, dict[str, int]]) -> None:
        """Restore counts kept in a draft (unknown codes and keys are ignored)."""
        for row, paper in enumerate(self._papers):
            given = counts.get(paper.code, {})
            defaults = (paper.originals, paper.copies, 0)
            self._counts[row] = [
                int(given.get(key, default))
                for key, default in zip(COUNT_KEYS, defaults, strict=True)
            ]
        if self._papers:
            self.dataChanged.emit(self.index(0, 1), self.index(len(self._papers) - 1, 3))

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
        elif index.column() != FILES_COLUMN:
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._papers):
            return None
        paper = self._papers[index.row()]
        col = index.column()
        if col == FILES_COLUMN:
            return self._files_data(index.row(), role)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return paper.name + ("" if paper.required else " (nếu có)")
            value = self._counts[index.row()][col - 1]
            return "" if col == 3 and value == 0 else str(value)
        if role == Qt.ItemDataRole.EditRole and col > 0:
            return self._counts[index.row()][col - 1]
        if role == Qt.ItemDataRole.ToolTipRole and col > 0:
            return "Gõ số để sửa, Enter để ghi."
        if role == Qt.ItemDataRole.CheckStateRole and col == 0:
            return Qt.CheckState.Checked if self._checked[index.row()] else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            return paper.name
        if role == Qt.ItemDataRole.TextAlignmentRole and col > 0:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ForegroundRole and not self._checked[index.row()]:
            return QColor("#b00020") if paper.required else QColor("#777777")
        return None

    def _files_data(self, row: int, role: int) -> Any:
        paper = self._papers[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._files_text(row)
        if role == Qt.ItemDataRole.ForegroundRole and self._files_text(row) == "cần quét":
            return QColor("#b00020")
        if role == Qt.ItemDataRole.ToolTipRole:
            names = [f"{f.name} ({f.pages} trang)" for f in self._files.get(paper.code, ())]
            if names:
                return "\n".join(names)
            if paper.digitise:
                return "Danh mục yêu cầu số hóa giấy tờ này khi tiếp nhận: quét hoặc chọn tệp."
            return "Có thể quét hoặc chọn tệp, hoặc kéo thả tệp vào dòng này."
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if index.isValid() and index.column() == FILES_COLUMN:
            return False
        if index.isValid() and index.column() > 0 and role == Qt.ItemDataRole.EditRole:
            try:
                number = int(value)
            except (TypeError, ValueError):
                return False
            if not 0 <= number <= _MAXIMA[index.column() - 1]:
                return False
            self._counts[index.row()][index.column() - 1] = number
            self.dataChanged.emit(index, index)
            return True
        if not index.isValid() or index.column() != 0 or role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
        self._checked[index.row()] = bool(checked)
        self.dataChanged.emit(index, self.index(index.row(), len(_HEADERS) - 1))
        return True


class _CountDelegate(QStyledItemDelegate):
    """A spin box within the column's range (0–99 copies, 0–9999 pages)."""

    def createEditor(  # noqa: N802
        self, parent: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> QWidget:
        editor = QSpinBox(parent)
        editor.setRange(0, _MAXIMA[max(0, index.column() - 1)])
        editor.setFrame(False)
        return editor


class PapersView(QTableView):
    """Space ticks or unticks the current paper; a digit starts editing the current count.

    Signals: `files_dropped(int row, list[Path])` when files are dropped on a paper's row.
    """

    files_dropped = Signal(int, list)

    def __init__(self, model: PapersModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("papersView")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self._delegate = _CountDelegate(self)
        for column in (1, 2, 3):
            self.setItemDelegateForColumn(column, self._delegate)
        self.setWordWrap(True)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(FILES_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setTabKeyNavigation(False)
        self.setToolTip(
            "Dấu chọn = đã nộp. Phím Cách để chọn/bỏ chọn giấy tờ đang trỏ; "
            "mũi tên sang phải tới số bản, số trang rồi gõ số."
        )
        model.modelReset.connect(self.resizeRowsToContents)

    # -- files dropped on a paper's row ----------------------------------------------------------

    def _drop_row(self, event: QDropEvent | QDragMoveEvent) -> int:
        return self.indexAt(event.position().toPoint()).row()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and self._drop_row(event) >= 0:
            event.acceptProposedAction()
        elif event.mimeData().hasUrls():
            event.ignore()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        if not event.mimeData().hasUrls():
            super().dropEvent(event)
            return
        row = self._drop_row(event)
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if row < 0 or not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.selectRow(row)
        self.files_dropped.emit(row, paths)
