"""Digitising the paper under the cursor at intake: scan it, choose (or drop) a file, look at its
pages, remove a file.

The files are checked and stored by the core as soon as they are chosen (`AttachmentService.stage`,
on the worker thread), so a corrupt or oversize file is refused while the citizen is still at the
desk, with a message naming the paper and the file; the dossier's save records them. Keys: F12
scans, Ctrl+O chooses a file, Alt+X shows the pages, Delete in the file list removes a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.attachments import StagedFile
from counter_app.catalog import PaperSpec
from counter_app.file_limit import mb
from ui.intake.papers import PapersModel, PapersView
from ui.ops import Ops
from ui.widgets import named

SCAN_KEY = "F12"
CHOOSE_KEY = "Ctrl+O"
FILE_FILTER = "Ảnh hoặc PDF (*.pdf *.png *.jpg *.jpeg *.tif *.tiff);;Mọi tệp (*)"
_OK_STYLE = "color: #1e7b34;"
_ERROR_STYLE = "color: #b00020;"


class DigitisePanel(QWidget):
    """Buttons and the file list for the current paper of `view`.

    Signals: `files_did_change()` after a file was added or removed (the form saves its draft),
    `notice(str)` for the status bar.
    """

    files_did_change = Signal()
    notice = Signal(str)

    def __init__(
        self,
        services: Any,
        ops: Ops,
        model: PapersModel,
        view: PapersView,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("digitisePanel")
        self.services, self.ops, self.model, self.view = services, ops, model, view
        self.file_dialog: QFileDialog | None = None
        self.viewer: Any = None
        self.busy = False
        self.scan_button = named(QPushButton(f"Quét ({SCAN_KEY})"), "scanPaperButton")
        self.scan_button.setToolTip(
            f"Quét giấy tờ đang chọn bằng máy quét ({SCAN_KEY}); mỗi lần quét một trang"
        )
        self.choose_button = named(QPushButton(f"Chọn tệp… ({CHOOSE_KEY})"), "chooseFileButton")
        self.choose_button.setToolTip(
            "Đính kèm tệp PDF hoặc ảnh cho giấy tờ đang chọn; cũng có thể kéo thả tệp vào dòng "
            f"của giấy tờ ({CHOOSE_KEY})"
        )
        self.view_button = named(QPushButton("&Xem trang"), "viewFileButton")
        self.view_button.setToolTip("Xem từng trang của tệp đang chọn (Alt+X)")
        self.remove_button = named(QPushButton("Gỡ tệp (Delete)"), "removeFileButton")
        self.remove_button.setToolTip("Gỡ tệp đang chọn khỏi giấy tờ (phím Delete trong danh sách)")
        self.files = named(QListWidget(), "paperFilesList")
        self.files.setMaximumHeight(46)
        self.files.setToolTip("Các tệp của giấy tờ đang chọn; Delete để gỡ, Enter để xem")
        self.status = named(QLabel(), "digitiseStatus", wrap=True)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for b in (self.scan_button, self.choose_button, self.view_button, self.remove_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(buttons)
        row = QHBoxLayout()
        row.addWidget(self.files, 3)
        row.addWidget(self.status, 2)
        layout.addLayout(row)

        self.scan_button.clicked.connect(self.scan)
        self.choose_button.clicked.connect(self.choose)
        self.view_button.clicked.connect(self.view_file)
        self.remove_button.clicked.connect(self.remove_file)
        self.files.itemActivated.connect(lambda _item: self.view_file())
        self.files.installEventFilter(self)  # Delete removes the file under the cursor
        view.files_dropped.connect(self.drop)
        selection = view.selectionModel()
        selection.currentRowChanged.connect(lambda *_: self.refresh())
        model.modelReset.connect(self.refresh)
        model.dataChanged.connect(lambda *_: self.refresh())
        self.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            watched is self.files
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
        ):
            self.remove_file()
            return True
        return super().eventFilter(watched, event)

    def install_shortcuts(self, owner: QWidget) -> None:
        """F12 and Ctrl+O anywhere in the intake form (`owner`)."""
        for key, slot in ((SCAN_KEY, self.scan), (CHOOSE_KEY, self.choose)):
            shortcut = QShortcut(QKeySequence(key), owner)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    # -- which paper ---------------------------------------------------------------------------

    def current_paper(self) -> PaperSpec | None:
        """The paper under the cursor; with none, the first one still to scan (so F12 right
        after picking the procedure scans what the catalog asks for), else the first."""
        papers = self.model.papers()
        row = self.view.currentIndex().row()
        if 0 <= row < len(papers):
            return papers[row]
        lacking = self.model.lacking_scans()
        return lacking[0] if lacking else (papers[0] if papers else None)

    def _paper_or_say(self) -> PaperSpec | None:
        paper = self.current_paper()
        if paper is not None and not self.view.currentIndex().isValid():
            row = self.model.row_of(paper.code)
            if row is not None:  # show which paper the scan or file goes to
                self.view.setCurrentIndex(self.model.index(row, 0))
        if paper is None:
            self.say(
                "Hãy chọn thủ tục trước khi quét hoặc chọn tệp.",
                error=True,
            )
            self.view.setFocus()
        return paper

    def refresh(self) -> None:
        paper = self.current_paper()
        current = self.files.currentRow()
        self.files.clear()
        for f in self.model.files_of(paper.code) if paper else []:
            item = QListWidgetItem(f"{f.name} — {f.pages} trang, {mb(f.size)}")
            item.setData(Qt.ItemDataRole.UserRole, f.sha256)
            self.files.addItem(item)
        if self.files.count():
            self.files.setCurrentRow(min(max(current, 0), self.files.count() - 1))
        has_paper = paper is not None
        has_file = self.files.count() > 0
        for button in (self.scan_button, self.choose_button):
            button.setEnabled(has_paper and not self.busy)
        self.view_button.setEnabled(has_file)
        self.remove_button.setEnabled(has_file)

    def say(self, text: str, *, error: bool = False) -> None:
        self.status.setStyleSheet(_ERROR_STYLE if error else _OK_STYLE)
        self.status.setText(text)
        self.notice.emit(text)

    def clear(self) -> None:
        self.status.clear()

    # -- scan ----------------------------------------------------------------------------------

    def scan(self) -> None:
        """One page from the first SANE scanner, checked and stored, attached to the paper."""
        paper = self._paper_or_say()
        if paper is None or self.busy:
            return
        attachments = self.services.attachments
        device = self.services.settings.scanner_device or None
        from counter_app.scanning import scan_page

        name = f"quet-{paper.code}-{len(self.model.files_of(paper.code)) + 1}.png"

        def work() -> StagedFile:
            data = scan_page(device)
            staged: StagedFile = attachments.stage(paper.code, paper.name, data, name)
            return staged

        self._run(work, f"Đang quét giấy tờ {paper.code}…")

    # -- choose or drop files ------------------------------------------------------------------

    def choose(self) -> None:
        paper = self._paper_or_say()
        if paper is None or self.busy:
            return
        dialog = QFileDialog(self, f"Chọn tệp bản số hóa — {paper.code}", "", FILE_FILTER)
        dialog.setObjectName("chooseFileDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(
            lambda names: self.attach_paths(paper, [Path(n) for n in names])
        )
        dialog.finished.connect(self._back_from_dialog)
        self.file_dialog = dialog
        dialog.open()

    def _back_from_dialog(self, _result: int) -> None:
        # The keyboard goes on in the papers list (some platforms leave no window active).
        self.window().activateWindow()
        self.view.setFocus()

    def drop(self, row: int, paths: list[Path]) -> None:
        papers = self.model.papers()
        if 0 <= row < len(papers):
            self.attach_paths(papers[row], paths)

    def attach_paths(self, paper: PaperSpec, paths: list[Path]) -> None:
        """Check and store each file; the good ones are attached, each bad one is named."""
        if self.busy or not paths:
            return
        attachments = self.services.attachments

        def work() -> tuple[list[StagedFile], list[str]]:
            good: list[StagedFile] = []
            bad: list[str] = []
            for path in paths:
                try:
                    good.append(attachments.stage_path(paper.code, paper.name, path))
                except Exception as exc:  # an AttachmentError names paper and file
                    from counter_app.errors import UserError

                    if not isinstance(exc, UserError):
                        raise
                    bad.append(str(exc))
            return good, bad

        self._run(work, f"Đang kiểm tra tệp của giấy tờ {paper.code}…")

    def _run(self, work: Any, progress: str) -> None:
        self.busy = True
        self.refresh()
        self.say(progress)
        self.ops.op(work, self).success(self._staged).failure(self._failed).run()

    def _staged(self, result: StagedFile | tuple[list[StagedFile], list[str]]) -> None:
        self.busy = False
        good, bad = ([result], []) if isinstance(result, StagedFile) else result
        added = [f for f in good if self.model.add_file(f)]
        if added:
            row = self.model.row_of(added[0].paper)
            if row is not None:
                self.view.selectRow(row)
            self.files_did_change.emit()
        self.refresh()
        parts = []
        if added:
            pages = sum(f.pages for f in added)
            parts.append(
                f"Đã đính kèm {len(added)} tệp ({pages} trang) cho giấy tờ {added[0].paper}."
            )
        elif good:
            parts.append("Tệp này đã có trong giấy tờ.")
        parts.extend(bad)
        self.say(" ".join(parts), error=bool(bad))

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.refresh()
        from counter_app.errors import UserError

        if isinstance(exc, UserError):
            self.say(str(exc), error=True)
        else:
            from ui.messages import show_error

            self.say("Không đính kèm được tệp.", error=True)
            show_error(self, exc)

    # -- look and remove -----------------------------------------------------------------------

    def _selected(self) -> StagedFile | None:
        paper = self.current_paper()
        item = self.files.currentItem()
        if paper is None or item is None:
            return None
        sha = item.data(Qt.ItemDataRole.UserRole)
        return next((f for f in self.model.files_of(paper.code) if f.sha256 == sha), None)

    def view_file(self) -> None:
        staged = self._selected()
        if staged is None:
            return
        from ui.files.viewer import PaperViewer

        attachments = self.services.attachments
        self.viewer = PaperViewer(
            f"{staged.paper} — {staged.name}",
            staged.mime,
            lambda: attachments.staged_content(staged),
            self.ops,
            self,
        )
        self.viewer.open()

    def remove_file(self) -> None:
        staged = self._selected()
        if staged is None:
            return
        self.model.remove_file(staged.paper, staged.sha256)
        self.files_did_change.emit()
        self.refresh()
        self.say(f"Đã gỡ tệp «{staged.name}» khỏi giấy tờ {staged.paper}.")
        (self.files if self.files.count() else self.view).setFocus()
