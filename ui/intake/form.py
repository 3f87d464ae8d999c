"""The intake screen: procedure, papers, applicant, live appointment, save and print.

Rules live in the core: the form only turns widgets into an `IntakeDraftState`, sends it to
`IntakeService.receive` through the background helper and shows the core's errors beside fields.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.catalog import PaperCount, ProcedureInfo, fee_line
from counter_app.domain import ResultDelivery
from counter_app.drafts import DraftStore, IntakeDraftState
from counter_app.identity import InvalidValue, ScannerLostLetters
from ui.intake.applicant import CARD_FIELDS, ApplicantBox
from ui.intake.digitise import DigitisePanel
from ui.intake.fields import GENERAL, FieldErrors
from ui.intake.papers import PapersModel, PapersView
from ui.intake.procedure_picker import ProcedurePicker
from ui.messages import ask, show_error
from ui.ops import Ops
from ui.widgets import named

if TYPE_CHECKING:
    from counter_app.services import CounterServices

_DRAFT_DELAY_MS = 400


def format_appointment(when: Any) -> str:
    return f"{when:%H:%M} ngày {when:%d/%m/%Y}"


class IntakeForm(QWidget):
    """Signals: `dossier_did_receive(ReceivedDossier)`, `receipt_did_render(bytes)`,
    `notice(str)` (short messages for the status bar)."""

    dossier_did_receive = Signal(object)
    receipt_did_render = Signal(bytes)
    notice = Signal(str)

    def __init__(
        self,
        services: CounterServices,
        ops: Ops,
        user: Any,
        *,
        draft_store: DraftStore | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("intakeForm")
        self.services, self.ops, self.user = services, ops, user
        self.clock_box: Any = None
        self.draft_store = draft_store
        self.auto_preview = True
        self.last_received: Any = None
        self.last_receipt_pdf: bytes | None = None
        self.preview: Any = None
        self.confirm_box: Any = None
        self._saving = False
        self._loading = False
        self._pending_procedure = ""
        self.errors = FieldErrors()
        self._build()
        self._draft_timer = QTimer(self, singleShot=True, interval=_DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self._save_draft)
        self._preview_timer = QTimer(self, interval=60_000)
        self._preview_timer.timeout.connect(self._update_appointment)
        self._preview_timer.start()
        self._connect_changes()
        self._restore_draft()
        self._load_catalog()

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.procedure = ProcedurePicker(self)
        self.procedure_name = named(QLabel(), "procedureNameLabel", wrap=True)
        self.procedure_name.setStyleSheet("font-weight: bold; font-size: 11pt;")
        self.procedure_info = named(QLabel(), "procedureInfoLabel")
        self.appointment = named(QLabel(), "appointmentLabel")
        self.appointment.setStyleSheet("font-weight: bold; color: #0b5394; font-size: 11pt;")
        # The core's one-line warning when the count ran over a year without an announcement.
        self.appointment_estimate = named(QLabel(), "appointmentEstimateLabel")
        self.appointment_estimate.setStyleSheet("color: #9c4a00;")
        self.appointment_estimate.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.appointment_estimate.hide()
        proc_box = QGroupBox("Thủ tục hành chính (F4)")
        pv = QVBoxLayout(proc_box)
        pv.addWidget(self.errors.wrap(self.procedure, "procedure"))
        pv.addWidget(self.procedure_name)
        info_row = QHBoxLayout()
        info_row.addWidget(self.procedure_info, 1)
        info_row.addWidget(self.appointment)
        pv.addLayout(info_row)
        pv.addWidget(self.appointment_estimate)

        self.applicant = ApplicantBox(self.errors, self)
        a = self.applicant
        self.id_number, self.name, self.birth_date = a.id_number, a.name, a.birth_date
        self.phone, self.email, self.address, self.kind = a.phone, a.email, a.address, a.kind
        self.scan_notice = a.scan_notice

        self.papers_model = PapersModel(self)
        self.papers = PapersView(self.papers_model, self)
        self.missing_reason = named(QLineEdit(), "missingReasonInput")
        self.missing_reason.setPlaceholderText("bắt buộc khi thiếu giấy tờ bắt buộc")
        self.digitise = DigitisePanel(self.services, self.ops, self.papers_model, self.papers, self)
        self.undigitised_reason = named(QLineEdit(), "undigitisedReasonInput")
        self.undigitised_reason.setPlaceholderText(
            "khi giấy tờ phải số hóa chưa quét được (ví dụ: máy quét hỏng)"
        )
        self.sets = named(QSpinBox(), "dossierSetsInput")
        self.sets.setRange(1, 99)
        self.delivery = named(QComboBox(), "resultDeliveryInput")
        for d in ResultDelivery:
            self.delivery.addItem(d.label, d.value)
        self.delivery_address = named(QLineEdit(), "deliveryAddressInput")
        self.delivery_address.setPlaceholderText("để trống = địa chỉ người nộp")
        self.notes = named(QLineEdit(), "notesInput")
        papers_box = QGroupBox(
            "Thành phần hồ sơ (dấu chọn = đã nộp; phím Cách để đổi; gõ số để sửa số bản, số trang)"
        )
        pf = QVBoxLayout(papers_box)
        pf.addWidget(self.errors.wrap(self.papers, "papers"), 1)
        pf.addWidget(self.errors.wrap(self.digitise, "files"))
        extra = QFormLayout()
        self._extra = extra
        extra.addRow("Lý do thiế&u:", self.errors.wrap(self.missing_reason, "missing_reason"))
        self._undigitised_row = self.errors.wrap(self.undigitised_reason, "undigitised_reason")
        extra.addRow("Lý do chưa số hóa:", self._undigitised_row)
        extra.setRowVisible(self._undigitised_row, False)
        row = QHBoxLayout()
        row.addWidget(self.errors.wrap(self.sets, "dossier_sets"))
        row.addWidget(QLabel("Nhận kết quả:"))
        row.addWidget(self.errors.wrap(self.delivery, "result_delivery"), 1)
        sets_label = QLabel("Số &bộ:")
        sets_label.setBuddy(self.sets)
        extra.addRow(sets_label, row)
        extra.addRow("Địa chỉ nhận:", self.errors.wrap(self.delivery_address, "delivery_address"))
        extra.addRow("Gh&i chú:", self.errors.wrap(self.notes, "notes"))
        pf.addLayout(extra)

        self.code_label = named(QLabel(), "dossierCodeLabel")
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code_label.setStyleSheet("font-size: 12pt; font-weight: bold; color: #1e7b34;")
        self.general_error = self.errors.label(GENERAL, "general")
        self.save_button = named(QPushButton("&Lưu và in giấy tiếp nhận"), "saveButton")
        self.save_button.setToolTip("Lưu hồ sơ, cấp mã và mở bản xem trước giấy tiếp nhận (Ctrl+S)")
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.save_button.setStyleSheet("font-weight: bold; padding: 6px 16px;")
        self.new_button = named(QPushButton("Nhập &mới"), "newButton")
        self.new_button.setToolTip("Xóa biểu mẫu để nhận hồ sơ khác (Ctrl+N)")
        self.supplement_button = named(QPushButton("Yêu cầu bổ &sung…"), "supplementButton")
        self.supplement_button.setToolTip(
            "Lập Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ — Mẫu 02 (Ctrl+B)"
        )
        self.refuse_button = named(QPushButton("Từ chối tiế&p nhận…"), "refuseButton")
        self.refuse_button.setToolTip("Lập Phiếu từ chối tiếp nhận giải quyết hồ sơ (Ctrl+R)")
        buttons = QHBoxLayout()
        buttons.addWidget(self.code_label, 1)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.supplement_button)
        buttons.addWidget(self.refuse_button)
        buttons.addWidget(self.save_button)

        columns = QHBoxLayout()
        columns.addWidget(self.applicant, 5)
        columns.addWidget(papers_box, 6)
        layout = QVBoxLayout(self)
        layout.addWidget(proc_box)
        layout.addLayout(columns, 1)
        layout.addWidget(self.general_error)
        layout.addLayout(buttons)

        order = [
            self.procedure,
            self.id_number,
            self.name,
            self.birth_date,
            self.phone,
            self.email,
            self.address,
            self.kind,
            self.papers,
            self.digitise.scan_button,
            self.digitise.choose_button,
            self.digitise.view_button,
            self.digitise.remove_button,
            self.digitise.files,
            self.missing_reason,
            self.undigitised_reason,
            self.sets,
            self.delivery,
            self.delivery_address,
            self.notes,
            self.save_button,
            self.new_button,
            self.supplement_button,
            self.refuse_button,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        self._field_order = list(self.errors.widgets)

        self.save_button.clicked.connect(self.save)
        self.new_button.clicked.connect(self.new_intake)
        self.supplement_button.clicked.connect(self.request_supplement)
        self.refuse_button.clicked.connect(self.refuse)
        for seq, slot in (
            ("Ctrl+S", self.save),
            ("Ctrl+N", self.new_intake),
            ("Ctrl+B", self.request_supplement),
            ("Ctrl+R", self.refuse),
            ("F4", self.procedure.setFocus),
        ):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        self.digitise.install_shortcuts(self)
        self.digitise.notice.connect(self.notice)
        self.digitise.files_did_change.connect(self._changed)
        self.procedure.procedure_did_change.connect(self._procedure_changed)
        self.procedure.procedure_picked.connect(self._procedure_picked)
        # Enter in a line edit moves on, as clerks expect from paper-form software.
        for edit in self._line_edits():
            edit.returnPressed.connect(self.focusNextChild)

    def _line_edits(self) -> tuple[QLineEdit, ...]:
        """The form's one-line fields after the procedure picker, in tab order."""
        return (
            self.id_number,
            self.name,
            self.birth_date,
            self.phone,
            self.email,
            self.address,
            self.missing_reason,
            self.undigitised_reason,
            self.delivery_address,
            self.notes,
        )

    def _connect_changes(self) -> None:
        for edit in (self.procedure, *self._line_edits()):
            edit.textChanged.connect(self._changed)
        self.kind.currentIndexChanged.connect(self._changed)
        self.delivery.currentIndexChanged.connect(self._changed)
        self.sets.valueChanged.connect(self._changed)
        self.papers_model.dataChanged.connect(self._changed)
        self.papers_model.dataChanged.connect(lambda *_: self._show_procedure_info())

    # -- state ---------------------------------------------------------------------------------

    def state(self) -> IntakeDraftState:
        """What is typed now, as the plain draft the core understands."""
        current = self.procedure.current
        papers = None
        counts: dict[str, dict[str, int]] = {}
        if current is not None:
            papers = self.papers_model.checked_codes()
            counts = self.papers_model.counts()
        return IntakeDraftState(
            procedure_code=current.code if current else self.procedure.text().strip(),
            applicant_kind=int(self.kind.currentData()),
            name=self.name.text(),
            id_number=self.id_number.text(),
            birth_date=self.birth_date.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            address=self.address.text(),
            papers=papers,
            paper_counts=counts,
            missing_reason=self.missing_reason.text(),
            dossier_sets=self.sets.value(),
            result_delivery=str(self.delivery.currentData()),
            delivery_address=self.delivery_address.text(),
            notes=self.notes.text(),
            files=[f.to_json() for f in self.papers_model.all_files()],
            undigitised_reason=self.undigitised_reason.text(),
        )

    def set_state(self, state: IntakeDraftState) -> None:
        self._loading = True
        try:
            info = self.services.catalog.get(state.procedure_code) if self._catalog_ready else None
            if info is None:
                self._pending_procedure = state.procedure_code
                self.procedure.choose(None)
                self.procedure.setText(state.procedure_code)
            else:
                self.procedure.choose(info)
                self.papers_model.set_checked_codes(state.papers)
                self.papers_model.set_counts(state.paper_counts)
                self.papers_model.set_files(state.staged_files())
            self.kind.setCurrentIndex(max(0, self.kind.findData(state.applicant_kind)))
            self.name.setText(state.name)
            self.id_number.setText(state.id_number)
            self.birth_date.setText(state.birth_date)
            self.phone.setText(state.phone)
            self.email.setText(state.email)
            self.address.setText(state.address)
            self.missing_reason.setText(state.missing_reason)
            self.undigitised_reason.setText(state.undigitised_reason)
            self.sets.setValue(state.dossier_sets)
            self.delivery.setCurrentIndex(max(0, self.delivery.findData(state.result_delivery)))
            self.delivery_address.setText(state.delivery_address)
            self.notes.setText(state.notes)
            self._restored_papers = state.papers
            self._restored_counts = state.paper_counts
            self._restored_files = state.staged_files()
        finally:
            self._loading = False

    def is_filled(self) -> bool:
        """Whether the clerk has typed or scanned anything that Ctrl+N would throw away."""
        return not self.state().is_empty()

    def new_intake(self) -> None:
        """Ctrl+N / "Nhập mới": empty the form, after asking if something is filled in."""
        if not self.is_filled():
            self.clear()
            return
        self.confirm_box = ask(
            self,
            "Biểu mẫu đang có thông tin chưa lưu. Xóa hết để nhập hồ sơ mới?",
            self.clear,
            title="Nhập hồ sơ mới",
        )

    def clear(self) -> None:
        """Empty the form for the next citizen (the last saved code stays visible)."""
        self.set_state(IntakeDraftState())
        self._pending_procedure = ""
        self.clear_errors()
        self.scan_notice.clear()
        self.digitise.clear()
        store = self.draft_store
        if store is not None:
            self._draft_timer.stop()
            self.ops.op(store.clear, self).run()
        self.procedure.setFocus()

    def _changed(self, *_: Any) -> None:
        if not self._loading and self.draft_store is not None:
            self._draft_timer.start()

    def _save_draft(self) -> None:
        store, state = self.draft_store, self.state()
        if store is not None:
            self.ops.op(lambda: store.save(state), self).run()

    def flush_draft(self) -> None:
        """Write the draft now (closing, crash handler)."""
        if self.draft_store is not None:
            self._draft_timer.stop()
            self.draft_store.save(self.state())

    def _restore_draft(self) -> None:
        self._catalog_ready = False
        if self.draft_store is None:
            return
        state = self.draft_store.load()
        if state is not None:
            self.set_state(state)
            self.notice.emit("Đã khôi phục hồ sơ đang nhập dở lần trước.")
            self.scan_notice.setText("Đã khôi phục hồ sơ đang nhập dở lần trước.")

    def _load_catalog(self) -> None:
        catalog = self.services.catalog

        def ready(_: object) -> None:
            self._catalog_ready = True
            self.procedure.set_finder(catalog.find)
            if self._pending_procedure:
                info = catalog.get(self._pending_procedure)
                papers = getattr(self, "_restored_papers", None)
                self._pending_procedure = ""
                if info is not None:
                    self._loading = True
                    self.procedure.choose(info)
                    self.papers_model.set_checked_codes(papers)
                    self.papers_model.set_counts(getattr(self, "_restored_counts", {}))
                    self.papers_model.set_files(getattr(self, "_restored_files", []))
                    self._loading = False

        self.ops.op(catalog.all, self).success(ready).run()

    # -- reactions -----------------------------------------------------------------------------

    def _procedure_changed(self, info: ProcedureInfo | None) -> None:
        if info is None:
            self.procedure_name.clear()
            self.procedure_info.clear()
            self._show_appointment(None)
            self.papers_model.set_papers([])
            self._extra.setRowVisible(self._undigitised_row, False)
            return
        self.procedure_name.setText(f"{info.name} ({info.sector})")
        self.papers_model.set_papers(info.papers)
        # The reason is asked for only where the catalog says papers must be scanned.
        self._extra.setRowVisible(self._undigitised_row, bool(info.digitised_papers))
        self._show_procedure_info()
        self._set_error("procedure", "")
        self._update_appointment()

    def _show_procedure_info(self) -> None:
        """Processing time and the fee; with a catalog fee rule, the fee for the counts typed."""
        info = self.procedure.current
        if info is None:
            return
        fee = info.fee_for(
            {
                code: PaperCount(c["originals"], c["copies"], c["pages"])
                for code, c in self._paper_counts().items()
            }
        )
        text = fee_line(fee.amount, info.fee_note, fee.detail)
        self.procedure_info.setText(
            f"Thời hạn giải quyết: {info.processing_text}   ·   Phí, lệ phí: {text}"
        )

    def _paper_counts(self) -> dict[str, dict[str, int]]:
        """Every ticked paper's counts (the catalog's where the clerk typed none)."""
        model = self.papers_model
        changed = model.counts()
        return {
            p.code: changed.get(p.code, {"originals": p.originals, "copies": p.copies, "pages": 0})
            for p in model.papers()
            if p.code in model.checked_codes()
        }

    def _procedure_picked(self, _info: ProcedureInfo) -> None:
        self.next_empty_field().setFocus()

    def next_empty_field(self) -> QWidget:
        """Where the clerk goes next: the first empty required-looking field, else the phone."""
        if self.procedure.current is None:
            return self.procedure
        for edit in (self.id_number, self.name):
            if not edit.text().strip():
                return edit
        return self.phone if not self.phone.text().strip() else self.save_button

    def _update_appointment(self) -> None:
        info = self.procedure.current
        if info is None:
            return
        intake = self.services.intake

        def show(preview: Any) -> None:
            if self.procedure.current is info:
                self._show_appointment(preview)

        self.ops.op(lambda: intake.preview(info.code), self).success(show).run()

    def _show_appointment(self, preview: Any) -> None:
        """The live appointment (an `AppointmentPreview` or None) and its estimate warning."""
        self.appointment.setText(
            f"Hẹn trả kết quả: {format_appointment(preview.at)}" if preview else ""
        )
        warning = preview.estimate_warning if preview else ""
        self.appointment_estimate.setText(warning)
        self.appointment_estimate.setVisible(bool(warning))

    # -- chip ID scan --------------------------------------------------------------------------

    def apply_chip_scan(self, text: str) -> bool:
        """Fill the applicant from a chip-ID QR text; a bad scan changes nothing."""
        try:
            card = self.applicant.read_card(text, self.services.clock().date())
        except InvalidValue as exc:
            if isinstance(exc, ScannerLostLetters):
                # Scanning again gives the same text: the message says how to set the scanner.
                message = (
                    f"Không đọc được mã QR căn cước: {exc} "
                    "Chưa điền thông tin nào; có thể nhập tay."
                )
            elif text.count("|") < 5:  # cut short or not a card at all: the detail helps nobody
                message = (
                    "Không đọc được mã QR trên thẻ căn cước (mã quét chưa trọn). "
                    "Hãy quét lại; chưa điền thông tin nào."
                )
            else:
                message = (
                    f"Không đọc được mã QR căn cước: {exc} "
                    "Hãy quét lại hoặc nhập tay; chưa điền thông tin nào."
                )
            self.scan_notice.setText(message)
            self.notice.emit(message)
            return False
        self.applicant.fill_from_card(card)
        self.errors.clear(CARD_FIELDS)
        self.notice.emit("Đã đọc mã QR thẻ căn cước.")
        self.next_empty_field().setFocus()
        return True

    # -- errors --------------------------------------------------------------------------------

    def _set_error(self, key: str, message: str) -> None:
        self.errors.set(key, message)

    def clear_errors(self) -> None:
        self.errors.clear()

    def show_errors(self, errors: Any) -> None:
        """Put each core error beside its field and focus the first field in screen order."""
        first = self.errors.show(errors, self._field_order)
        if first is not None:
            first.setFocus()

    # -- save and print ------------------------------------------------------------------------

    def save(self) -> None:
        if self._saving:
            return
        self._saving = True
        self.save_button.setEnabled(False)
        draft = self.state().to_dossier_draft()
        intake, user = self.services.intake, self.user
        self.ops.op(lambda: intake.receive(draft, clerk=user), self).success(self._saved).failure(
            self._save_failed
        ).run()

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        errors = getattr(exc, "errors", None)
        from counter_app.issuing import ClockError

        if errors:
            self.show_errors(errors)
            self.notice.emit("Hồ sơ chưa lưu: xem các lỗi ghi cạnh từng ô.")
        elif isinstance(exc, ClockError):
            # The clock went wrong mid-session: the clerk checks it and confirms, then saves again.
            self.clock_box = ask(
                self,
                f"{exc}\n\nHồ sơ chưa lưu. Giờ máy hiện tại là đúng?",
                self.services.guard.confirm_clock,
                title="Kiểm tra đồng hồ máy",
            )
        else:
            show_error(self, exc)

    def _saved(self, received: Any) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self.last_received = received
        estimated = " (lịch nghỉ ước tính)" if received.estimated_years else ""
        self.code_label.setText(
            f"Đã tiếp nhận: {received.code} — hẹn trả "
            f"{format_appointment(received.appointment)}{estimated}"
        )
        self.code_label.setToolTip(received.estimate_warning)
        self.code_label.setProperty("code", received.code)
        self.notice.emit(f"Đã lưu hồ sơ {received.code}.")
        self.dossier_did_receive.emit(received)
        self.clear()
        self.print_receipt(received.code)

    def print_receipt(self, code: str, *, reprint: bool = False) -> None:
        """Render the receipt in the background (in this counter's receipt layout: A4 or the
        80 mm slip), then open the print preview, where the clerk may switch layout (Alt+8)."""
        from ui.printing import open_receipt

        def drawn(pdf: bytes) -> None:
            if not reprint:
                self.last_receipt_pdf = pdf
                self.receipt_did_render.emit(pdf)

        def opened(dialog: Any) -> None:
            self.preview = dialog
            if not reprint:  # the receipt the clerk prints is the one in the layout now shown
                dialog.layout_did_change.connect(lambda _layout, pdf: drawn(pdf))

        open_receipt(
            self,
            self.services,
            self.ops,
            self.user,
            code,
            reprint=reprint,
            preview=self.auto_preview,
            on_pdf=drawn,
            on_open=opened,
        )

    # -- slips ---------------------------------------------------------------------------------

    def _slip(self, kind: str) -> None:
        from ui.intake.slips import SlipDialog

        info = self.procedure.current
        if info is None:
            self._set_error(
                "procedure", "Thủ tục hành chính: hãy chọn thủ tục trước khi lập phiếu."
            )
            self.procedure.setFocus()
            return
        dialog = SlipDialog(
            kind,
            info,
            self.state(),
            [p for p in self.papers_model.unchecked() if p.required],
            self.services,
            self.ops,
            self.user,
            self,
        )
        dialog.slip_did_issue.connect(lambda _r: self.notice.emit("Đã lập phiếu."))
        self.slip_dialog = dialog
        dialog.open()

    def request_supplement(self) -> None:
        self._slip("supplement")

    def refuse(self) -> None:
        self._slip("refusal")
