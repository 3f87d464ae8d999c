"""The «Hồ sơ trực tuyến» window: online dossiers of this counter's procedures, their papers,
and the clerk's decision (accept, ask for a supplement, refuse), all by keyboard."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.online import OnlineItem, OnlineOutcome
from ui.files.viewer import PaperViewer
from ui.messages import show_error, show_info
from ui.ops import Ops
from ui.widgets import named, row_table

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.services import CounterServices

STATE_LABELS = {
    "new": "Chờ xử lý",
    "claiming": "Đang xin nhận (chờ máy chủ)",
    "mine": "Đã giao cho quầy này",
    "taken": "Quầy khác đã nhận",
    "accepted": "Đã tiếp nhận",
    "supplement": "Đã yêu cầu bổ sung",
    "refused": "Đã từ chối",
}


def _table(name: str, headers: list[str], stretch: int) -> QTableWidget:
    t = row_table(name, headers)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    header = t.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return t


class ReasonDialog(QDialog):
    """A reason, and for a supplement request the papers to bring."""

    def __init__(self, title: str, papers: list[tuple[str, str]], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("onlineReasonDialog")
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.papers = named(QListWidget(), "supplementPapers")
        if papers:
            label = QLabel("&Giấy tờ cần bổ sung (Space để chọn):")
            label.setBuddy(self.papers)
            layout.addWidget(label)
            for code, name in papers:
                item = QListWidgetItem(f"{name} ({code})")
                item.setData(Qt.ItemDataRole.UserRole, code)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.papers.addItem(item)
            layout.addWidget(self.papers)
        self.reason = named(QPlainTextEdit(), "reasonEdit")
        self.reason.setTabChangesFocus(True)
        reason_label = QLabel("&Lý do:")
        reason_label.setBuddy(self.reason)
        layout.addWidget(reason_label)
        layout.addWidget(self.reason)
        buttons = QDialogButtonBox()
        ok = buttons.addButton("Gửi (Ctrl+Enter)", QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setObjectName("sendDecisionButton")
        buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.accept)
        layout.addWidget(buttons)
        (self.papers if papers else self.reason).setFocus()

    def chosen(self) -> list[str]:
        return [
            str(self.papers.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.papers.count())
            if self.papers.item(i).checkState() == Qt.CheckState.Checked
        ]


class OnlineDossiersDialog(QDialog):
    """Signals: `online_did_change()` after a decision (the status bar count refreshes)."""

    online_did_change = Signal()

    def __init__(
        self, services: CounterServices, ops: Ops, user: UserInfo, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("onlineDossiersDialog")
        self.setWindowTitle("Hồ sơ trực tuyến")
        self.services, self.ops, self.user = services, ops, user
        self.items: list[OnlineItem] = []
        self.table = _table(
            "onlineTable", ["Nộp lúc", "Thủ tục", "Người nộp", "Số giấy tờ", "Tệp", "Trạng thái"], 5
        )
        self.files = _table("onlineFiles", ["Giấy tờ", "Tên tệp", "Trang", "Dung lượng"], 1)
        self.message = named(QLabel(""), "onlineMessage", wrap=True)
        self.table.itemSelectionChanged.connect(self._show_files)
        self.files.cellActivated.connect(lambda _r, _c: self.view_file())
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, slot, shortcut in (
            ("view", "&Xem tệp", self.view_file, "F4"),
            ("accept", "&Tiếp nhận", self.accept_selected, "F5"),
            ("supplement", "Yêu cầu &bổ sung…", self.supplement_selected, "F7"),
            ("refuse", "Từ &chối…", self.refuse_selected, "F8"),
            ("reload", "&Làm mới", self.reload, "Ctrl+R"),
            ("close", "Đó&ng", self.reject, ""),
        ):
            button = named(QPushButton(text), f"{key}OnlineButton")
            if shortcut:
                button.setToolTip(f"{text.replace('&', '').rstrip('…')} ({shortcut})")
                QShortcut(QKeySequence(shortcut), self).activated.connect(slot)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.buttons[key] = button
        heading = QLabel("&Hồ sơ công dân nộp trực tuyến chờ quầy kiểm tra:")
        heading.setBuddy(self.table)
        files_label = QLabel("Tệp đính &kèm (Enter để xem):")
        files_label.setBuddy(self.files)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 3)
        layout.addWidget(files_label)
        layout.addWidget(self.files, 2)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is not None:
            self.resize(min(1100, screen.width() - 60), min(700, screen.height() - 80))
        self.reload()

    # -- data ----------------------------------------------------------------------------------

    def reload(self) -> None:
        self.ops.op(self.services.online.list, self).success(self._fill).run()

    def _fill(self, items: list[OnlineItem]) -> None:
        self.items = items
        self.table.setRowCount(len(items))
        for row, i in enumerate(items):
            values = [
                f"{i.submitted_at:%H:%M %d/%m/%Y}",
                i.procedure,
                str(i.applicant.get("name", "")),
                str(i.applicant.get("id_number", "")),
                str(len(i.files)),
                STATE_LABELS.get(i.state, i.state) + (f" — {i.message}" if i.message else ""),
            ]
            for col, value in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(value))
        if items:
            self.table.selectRow(0)
            self.table.setFocus()
        else:
            self.files.setRowCount(0)
            self.message.setText("Không có hồ sơ trực tuyến nào đang chờ.")

    def selected(self) -> OnlineItem | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.items[rows[0].row()] if rows and rows[0].row() < len(self.items) else None

    def _show_files(self) -> None:
        item = self.selected()
        files = item.files if item else []
        self.files.setRowCount(len(files))
        for row, f in enumerate(files):
            size = int(f.get("size", 0))
            values = [str(f.get("paper", "")), str(f.get("name", "")), str(f.get("pages", ""))]
            for col, value in enumerate([*values, f"{size / 1024:.0f} KB"]):
                self.files.setItem(row, col, QTableWidgetItem(value))
        if files:
            self.files.selectRow(0)
        self.message.setText(item.message if item else "")

    # -- actions -------------------------------------------------------------------------------

    def view_file(self) -> None:
        item = self.selected()
        rows = self.files.selectionModel().selectedRows() if self.files.selectionModel() else []
        if item is None or not rows:
            return
        f = item.files[rows[0].row()]
        sha, uuid = str(f["sha256"]), item.uuid
        viewer = PaperViewer(
            f"{f.get('name', '')} — {item.applicant.get('name', '')}",
            str(f.get("mime", "application/pdf")),
            lambda: self.services.online.paper(uuid, sha),
            self.ops,
            self,
        )
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.open()

    def accept_selected(self) -> None:
        item = self.selected()
        if item is not None:
            self._run(lambda: self.services.online.accept(item.uuid, by=self.user))

    def supplement_selected(self) -> None:
        item = self.selected()
        if item is None:
            return
        procedure = self.services.catalog.get(item.procedure)
        papers = [(p.code, p.name) for p in procedure.papers] if procedure else []
        dialog = ReasonDialog("Yêu cầu bổ sung hồ sơ trực tuyến (Mẫu 02)", papers, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        chosen, reason = dialog.chosen(), dialog.reason.toPlainText()
        self._run(lambda: self.services.online.supplement(item.uuid, chosen, reason, by=self.user))

    def refuse_selected(self) -> None:
        item = self.selected()
        if item is None:
            return
        dialog = ReasonDialog("Từ chối hồ sơ trực tuyến (Mẫu 03)", [], self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        reason = dialog.reason.toPlainText()
        self._run(lambda: self.services.online.refuse(item.uuid, reason, by=self.user))

    def _run(self, decide: Any) -> None:
        def done(outcome: OnlineOutcome) -> None:
            self.online_did_change.emit()
            show_info(self, outcome.message, "Hồ sơ trực tuyến")
            self.reload()

        def failed(exc: BaseException) -> None:
            show_error(self, exc)
            self.reload()

        self.ops.op(decide, self).success(done).failure(failed).with_progress(
            "Đang gửi quyết định lên máy chủ…"
        ).run()
