"""One dossier: applicant, papers, status history; reprint the receipt, hand back the result."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain import (
    FORCED_HAND_BACK_FROM,
    DossierStatus,
    can_change_appointment,
    can_move,
)
from ui.messages import ask, show_error
from ui.ops import Ops
from ui.widgets import ERROR_COLOUR, named

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.services import CounterServices


def _table(name: str, headers: list[str], rows: list[list[str]], stretch: int) -> QTableWidget:
    t = QTableWidget(len(rows), len(headers))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.verticalHeader().hide()
    t.setTabKeyNavigation(False)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            t.setItem(r, c, QTableWidgetItem(value))
    header = t.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    t.setWordWrap(True)
    t.resizeRowsToContents()
    return t


def _event_note(e: Any) -> str:
    """An event's note; an appointment change says from when to when (Mẫu 04)."""
    change = e.appointment_change
    if change is None:
        return str(e.note)
    return (
        f"Gia hạn, hẹn {change.previous:%H:%M %d/%m/%Y} → {change.new:%H:%M %d/%m/%Y}"
        f"{' (đã xin lỗi)' if change.apology else ''}. Lý do: {change.reason}"
    )


class DossierDetailDialog(QDialog):
    """Signals: `dossier_did_change(str code)` after a hand-back."""

    dossier_did_change = Signal(str)

    def __init__(
        self,
        detail: Any,
        services: CounterServices,
        ops: Ops,
        user: UserInfo,
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dossierDetailDialog")
        self.services, self.ops, self.user = services, ops, user
        self.layout_ = QVBoxLayout(self)
        self.reprint_button = named(QPushButton("In &lại giấy tiếp nhận"), "reprintButton")
        self.reprint_button.setToolTip(
            "In lại giấy tiếp nhận, ghi chữ «Bản in lại» (Ctrl+P); khổ A4 hoặc 80 mm chọn "
            "trong bản xem trước (Alt+8)"
        )
        self.hand_back_button = named(QPushButton("&Trả kết quả"), "handBackButton")
        self.hand_back_button.setToolTip("Ghi nhận đã trả kết quả cho công dân (F9)")
        close = named(QPushButton("Đó&ng"), "closeButton")
        close.setToolTip("Đóng (Esc)")
        self.supplement_button = named(QPushButton("Yêu cầu &bổ sung…"), "supplementButton")
        self.supplement_button.setToolTip(
            "Lập phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02) cho hồ sơ này (F7)"
        )
        self.supplement_button.clicked.connect(self.request_supplement)
        QShortcut(QKeySequence("F7"), self).activated.connect(self.request_supplement)
        # Late and stopped dossiers (Mẫu 04, 05) and the hand-over log (Mẫu 06).
        self.extend_button = named(QPushButton("&Gia hạn (Mẫu 04)…"), "extendButton")
        self.extend_button.setToolTip(
            "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết, hẹn ngày trả mới (F6)"
        )
        self.stop_button = named(QPushButton("&Dừng giải quyết (Mẫu 05)…"), "stopButton")
        self.stop_button.setToolTip("Thông báo dừng giải quyết hồ sơ, chuyển trạng thái 8")
        self.control_button = named(QPushButton("Phiếu &kiểm soát (Mẫu 06)"), "controlSlipButton")
        self.control_button.setToolTip("Phiếu kiểm soát quá trình giải quyết hồ sơ (Ctrl+K)")
        self.extend_button.clicked.connect(self.extend)
        self.stop_button.clicked.connect(self.stop)
        self.control_button.clicked.connect(self.control_slip)
        QShortcut(QKeySequence("F6"), self).activated.connect(self.extend)
        QShortcut(QKeySequence("Ctrl+K"), self).activated.connect(self.control_slip)
        self.preview_dialog: Any = None
        self.late_dialog: Any = None
        self.reprint_button.clicked.connect(self.reprint)
        self.hand_back_button.clicked.connect(self.hand_back)
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence("F9"), self).activated.connect(self._shortcut_hand_back)
        QShortcut(QKeySequence("Ctrl+P"), self).activated.connect(self.reprint)
        self._body: QWidget | None = None
        # Where this dossier stands with the provincial server, with the server's message.
        self.sync_badge = named(QLabel(), "syncBadge", wrap=True)
        self._buttons = QHBoxLayout()
        self._buttons.addWidget(self.sync_badge, 1)
        self._buttons.addStretch(1)
        self._buttons.addWidget(self.supplement_button)
        self._buttons.addWidget(self.reprint_button)
        self._buttons.addWidget(self.hand_back_button)
        self._buttons.addWidget(close)
        # A row of its own for the forms of a late or stopped dossier (Mẫu 04, 05, 06).
        self._late_buttons = QHBoxLayout()
        self._late_buttons.addWidget(self.extend_button)
        self._late_buttons.addWidget(self.stop_button)
        self._late_buttons.addWidget(self.control_button)
        self._late_buttons.addStretch(1)
        self.show_detail(detail)
        self.layout_.addLayout(self._late_buttons)
        self.layout_.addLayout(self._buttons)
        self.resize(900, 620)

    def show_detail(self, d: Any) -> None:
        self.detail = d
        self.setWindowTitle(f"Hồ sơ {d.row.code}")
        body = QWidget()
        v = QVBoxLayout(body)
        v.setContentsMargins(0, 0, 0, 0)
        a = d.applicant
        r = d.row
        head = named(QLabel(), "detailHeader", wrap=True)
        handed = f"{d.handed_back_at:%H:%M %d/%m/%Y}" if d.handed_back_at else "—"
        history = d.appointment_history
        extended = (
            f" (đã gia hạn {len(history)} lần, có văn bản xin lỗi; hẹn ban đầu "
            f"{history[0].previous:%H:%M %d/%m/%Y})"
            if history
            else ""
        )
        head.setText(
            f"<h3>{html.escape(r.code)}</h3>"
            f"<b>Trạng thái:</b> {int(r.status)}. {html.escape(r.status.label)}<br>"
            f"<b>Thủ tục:</b> {html.escape(r.procedure_code)} — {html.escape(r.procedure_name)}"
            f" ({html.escape(d.processing_text)})<br>"
            f"<b>Người nộp:</b> {html.escape(r.applicant_name)} · "
            f"{html.escape(str(a.get('id_number') or ''))} · "
            f"{html.escape(str(a.get('phone') or ''))}<br>"
            f"<b>Địa chỉ:</b> {html.escape(str(a.get('address') or ''))}<br>"
            f"<b>Tiếp nhận:</b> {r.received_at:%H:%M %d/%m/%Y} (quầy {r.counter_no}, "
            f"{html.escape(r.clerk_name)}) · <b>Hẹn trả:</b> {r.appointment_at:%H:%M %d/%m/%Y}"
            f"{html.escape(extended)} · <b>Đã trả:</b> {handed}"
        )
        v.addWidget(head)
        v.addWidget(QLabel("<b>Thành phần hồ sơ</b>"))
        papers = _table(
            "detailPapers",
            ["Giấy tờ", "Bản chính", "Bản sao", "Đã nộp"],
            [[p.name, str(p.originals), str(p.copies), p.handed_in_label] for p in d.papers],
            stretch=0,
        )
        # As the intake form colours them: a missing required paper red, an optional one grey.
        for row, p in enumerate(d.papers):
            if not p.submitted:
                colour = QColor(ERROR_COLOUR if p.required else "#777777")
                for col in range(papers.columnCount()):
                    if (item := papers.item(row, col)) is not None:
                        item.setForeground(colour)
        v.addWidget(papers, 3)
        # Digitised papers and those still to scan, loaded on the worker thread.
        self.files_label = named(QLabel("<b>Bản số hóa:</b> đang tải…"), "detailFiles", wrap=True)
        v.addWidget(self.files_label)
        self._load_files(r.code)
        v.addWidget(QLabel("<b>Quá trình xử lý</b>"))
        v.addWidget(
            _table(
                "detailEvents",
                ["Thời điểm", "Trạng thái", "Người thực hiện", "Ghi chú"],
                [
                    [
                        f"{e.at:%H:%M %d/%m/%Y}",
                        f"{int(e.status)}. {e.status.label}",
                        e.actor,
                        _event_note(e),
                    ]
                    for e in d.events
                ],
                stretch=3,
            ),
            1,
        )
        if self._body is not None:
            self.layout_.replaceWidget(self._body, body)
            self._body.deleteLater()
        else:
            self.layout_.addWidget(body, 1)
        self._body = body
        returned = r.status is DossierStatus.RETURNED
        self._load_sync_badge(d.uuid)
        # The core's transition table decides; the buttons only reflect it.
        self.hand_back_button.setEnabled(
            r.status is DossierStatus.RESULT_READY or r.status in FORCED_HAND_BACK_FROM
        )
        self.supplement_button.setEnabled(can_move(r.status, DossierStatus.SUPPLEMENT_REQUESTED))
        self.extend_button.setEnabled(can_change_appointment(r.status))
        self.stop_button.setEnabled(can_move(r.status, DossierStatus.STOPPED))
        (self.reprint_button if returned else self.hand_back_button).setFocus()

    def _load_files(self, code: str) -> None:
        attachments, user = self.services.attachments, self.user

        def work() -> tuple[list[Any], list[Any]]:
            return attachments.files(code), attachments.undigitised(code, by=user)

        self.ops.op(work, self).success(self._show_files).run()

    def _show_files(self, found: tuple[list[Any], list[Any]]) -> None:
        files, undigitised = found
        parts = [f"{html.escape(f.paper)}: {html.escape(f.name)} ({f.pages} trang)" for f in files]
        text = "<b>Bản số hóa:</b> " + ("; ".join(parts) if parts else "chưa có tệp nào")
        for u in undigitised:
            papers = ", ".join(html.escape(c) for c, _ in u.papers)
            reason = html.escape(u.reason) if u.reason else "không ghi lý do"
            text += f"<br><b>Chưa số hóa:</b> {papers} (lý do: {reason})"
        self.files_label.setText(text)

    def _load_sync_badge(self, dossier_uuid: str) -> None:
        from counter_app.sync.status import sync_badge

        services = self.services
        self.sync_badge.setText("Đồng bộ: đang kiểm tra…")
        self.ops.op(lambda: sync_badge(services, dossier_uuid), self).success(
            self._show_sync_badge
        ).run()

    def _show_sync_badge(self, badge: tuple[str, str]) -> None:
        state, message = badge
        self.sync_badge.setProperty("syncState", state)
        self.sync_badge.setText(f"Đồng bộ: {message}")

    def request_supplement(self) -> None:
        """Mẫu 02 for a dossier already received: the dossier moves to status 5."""
        from counter_app.drafts import IntakeDraftState
        from ui.intake.slips import SlipDialog

        d = self.detail
        procedure = self.services.catalog.get(d.row.procedure_code)
        if procedure is None or not self.supplement_button.isEnabled():
            return
        a = d.applicant
        state = IntakeDraftState(
            procedure_code=procedure.code,
            applicant_kind=int(a.get("kind") or 1),
            name=str(a.get("name") or d.row.applicant_name),
            id_number=str(a.get("id_number") or ""),
            phone=str(a.get("phone") or ""),
            email=str(a.get("email") or ""),
            address=str(a.get("address") or ""),
        )
        # Only what was required on intake day: an optional paper is not asked for (as the form).
        missing = [p for p in procedure.papers if p.code in {x.code for x in d.papers if x.missing}]
        dialog = SlipDialog(
            "supplement",
            procedure,
            state,
            missing,
            self.services,
            self.ops,
            self.user,
            self,
            dossier_code=d.row.code,
        )
        code, dossiers, user = d.row.code, self.services.dossiers, self.user

        def issued(_record: Any) -> None:
            self.ops.op(lambda: dossiers.detail(code, by=user), self).success(
                self._after_change
            ).run()

        dialog.slip_did_issue.connect(issued)
        self.slip_dialog = dialog
        dialog.open()

    def extend(self) -> None:
        """Mẫu 04: a new appointment with an apology; the detail shows it afterwards."""
        from ui.dossiers.late_dialogs import ExtendDialog

        if not self.extend_button.isEnabled():
            return
        r = self.detail.row
        dialog = ExtendDialog(r.code, r.appointment_at, self.services, self.ops, self.user, self)
        dialog.extension_did_issue.connect(lambda _c: self._reload())
        self.late_dialog = dialog
        dialog.open()

    def stop(self) -> None:
        """Mẫu 05: stop processing (status 8)."""
        from ui.dossiers.late_dialogs import StopDialog

        if not self.stop_button.isEnabled():
            return
        dialog = StopDialog(self.detail.row.code, self.services, self.ops, self.user, self)
        dialog.stop_did_issue.connect(lambda _r: self._reload())
        self.late_dialog = dialog
        dialog.open()

    def control_slip(self) -> None:
        """Mẫu 06 from the hand-over history."""
        from ui.dossiers.late_dialogs import print_control_slip

        print_control_slip(self, self.detail.row.code, self.services, self.ops, self.user)

    def _reload(self) -> None:
        code, dossiers, user = self.detail.row.code, self.services.dossiers, self.user
        self.ops.op(lambda: dossiers.detail(code, by=user), self).success(self._after_change).run()

    def _after_change(self, detail: Any) -> None:
        self.show_detail(detail)
        self.dossier_did_change.emit(detail.row.code)

    def _shortcut_hand_back(self) -> None:
        if self.hand_back_button.isEnabled():
            self.hand_back()

    def reprint(self) -> None:
        """The receipt again, marked «Bản in lại», in this counter's receipt layout; the preview
        switches between A4 and the 80 mm slip (Alt+8)."""
        from ui.printing import open_receipt

        def opened(dialog: Any) -> None:
            self.preview_dialog = dialog

        open_receipt(
            self, self.services, self.ops, self.user, self.detail.row.code, reprint=True,
            on_open=opened,
        )  # fmt: skip

    def hand_back(self) -> None:
        row = self.detail.row
        if row.status is DossierStatus.RESULT_READY:
            self._do_hand_back(force=False)
            return
        ask(
            self,
            f"Hồ sơ {row.code} đang ở trạng thái «{row.status.label}», chưa có kết quả "
            "(trạng thái 9). Vẫn ghi nhận đã trả kết quả?",
            lambda: self._do_hand_back(force=True),
            title="Kết quả chưa sẵn sàng",
        )

    def _do_hand_back(self, *, force: bool) -> None:
        code, dossiers, user = self.detail.row.code, self.services.dossiers, self.user

        def work() -> Any:
            dossiers.hand_back(code, clerk=user, force=force)
            return dossiers.detail(code, by=user)

        def done(detail: Any) -> None:
            self.show_detail(detail)
            self.dossier_did_change.emit(code)

        self.hand_back_button.setEnabled(False)
        self.ops.op(work, self).success(done).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.hand_back_button.setEnabled(True)
        show_error(self, exc)
