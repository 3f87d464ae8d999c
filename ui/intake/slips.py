"""Supplement request (Mẫu 02) and refusal slip: choose papers or reasons, record, print."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from counter_app.catalog import PaperSpec, ProcedureInfo
from counter_app.domain import SlipKind
from counter_app.drafts import IntakeDraftState
from ui.messages import user_text
from ui.ops import Ops
from ui.widgets import error_label, named

if TYPE_CHECKING:
    from counter_app.services import CounterServices

#: Reasons clerks give most often; the free-text box takes any other.
COMMON_REFUSAL_REASONS = (
    "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan.",
    "Người nộp không xuất trình được giấy tờ tùy thân hợp lệ.",
    "Hồ sơ không đủ thành phần theo quy định và người nộp không bổ sung.",
    "Yêu cầu không thuộc phạm vi của thủ tục hành chính đã chọn.",
)


class SlipDialog(QDialog):
    """Signals: `slip_did_issue(SlipRecord)`; `pdf` holds the printed slip afterwards."""

    slip_did_issue = Signal(object)

    def __init__(
        self,
        kind: str,
        procedure: ProcedureInfo,
        state: IntakeDraftState,
        missing: list[PaperSpec],
        services: CounterServices,
        ops: Ops,
        user: Any,
        parent: QWidget | None,
        *,
        dossier_code: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind = SlipKind(kind)
        self.setObjectName("slipDialog")
        self.setWindowTitle(self.kind.label)
        self.services, self.ops, self.user = services, ops, user
        self.procedure, self.state, self.dossier_code = procedure, state, dossier_code
        self.pdf: bytes | None = None
        self.record: Any = None
        head = named(
            QLabel(
                f"<b>{procedure.code} — {procedure.name}</b><br>Người nộp: "
                f"{state.name.strip() or '(chưa nhập)'}"
            ),
            "slipHeader",
            wrap=True,
        )
        self.items = named(QListWidget(), "slipItemsList")
        self.items.setWordWrap(True)
        self.items.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.items.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.items.setSpacing(2)
        missing_codes = {p.code for p in missing}
        if self.kind is SlipKind.SUPPLEMENT:
            prompt = "Giấy tờ cần bổ sung (phím Cách để chọn):"
            for paper in procedure.papers:
                self._add_item(paper.name, paper.code in missing_codes)
        else:
            prompt = "Lý do từ chối (phím Cách để chọn):"
            for reason in COMMON_REFUSAL_REASONS:
                self._add_item(reason, False)
        self.other = named(QLineEdit(), "slipOtherInput")
        self.other.setPlaceholderText("Nội dung khác (nếu có)")
        self.reason = named(QPlainTextEdit(), "slipReasonInput")
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText(
            "Hướng dẫn bổ sung, hoàn thiện" if self.kind is SlipKind.SUPPLEMENT else "Lý do khác"
        )
        self.reason.setMaximumHeight(90)
        self.error = error_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Lập phiếu và &in")
        self.ok.setObjectName("issueSlipButton")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Đó&ng")
        buttons.accepted.connect(self.issue)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(QLabel(prompt))
        layout.addWidget(self.items, 1)
        layout.addWidget(self.other)
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(860, 520)
        self.items.setCurrentRow(0)
        self.items.setFocus()

    def _add_item(self, text: str, checked: bool) -> None:
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.items.addItem(item)

    def chosen(self) -> list[str]:
        out = [
            self.items.item(i).text()
            for i in range(self.items.count())
            if self.items.item(i).checkState() == Qt.CheckState.Checked
        ]
        if self.other.text().strip():
            out.append(self.other.text())
        return out

    def issue(self) -> None:
        st = self.state
        applicant = {
            "name": st.name,
            "id_number": st.id_number,
            "phone": st.phone,
            "email": st.email,
            "address": st.address,
            "kind": st.applicant_kind,
        }
        items, reason = self.chosen(), self.reason.toPlainText()
        services, user, kind = self.services, self.user, self.kind
        code, dossier_code = self.procedure.code, self.dossier_code

        def work() -> tuple[Any, bytes]:
            record = services.dossiers.issue_slip(
                kind,
                procedure_code=code,
                applicant=applicant,
                items=items,
                reason=reason,
                clerk=user,
                dossier_code=dossier_code,
            )
            from ui import render

            return record, render.slip(services, record.uuid, by=user)

        def done(result: tuple[Any, bytes]) -> None:
            from ui.printing import open_pdf_preview

            self.record, self.pdf = result
            self.slip_did_issue.emit(self.record)
            parent = self.parentWidget() or self
            open_pdf_preview(parent, services, self.ops, self.pdf, kind.label, f"{kind.value}.pdf")
            self.accept()

        def failed(exc: BaseException) -> None:
            self.ok.setEnabled(True)
            self.error.setText(user_text(exc))

        self.ok.setEnabled(False)
        self.ops.op(work, self).success(done).failure(failed).run()
