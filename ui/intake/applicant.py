"""The applicant block of the intake screen, filled by hand or from a chip-ID QR scan."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QWidget

from counter_app.domain import ApplicantKind
from counter_app.identity import ChipIdCard, parse_chip_id_qr
from ui.intake.fields import FieldErrors
from ui.widgets import named

#: Field keys the chip-ID card fills (their old errors go away with a good scan).
CARD_FIELDS = (
    "applicant.id_number",
    "applicant.name",
    "applicant.birth_date",
    "applicant.address",
    "applicant.kind",
)


class ApplicantBox(QGroupBox):
    """Name, ID number, birth date, phone, email, address and applicant type."""

    def __init__(self, errors: FieldErrors, parent: QWidget | None = None) -> None:
        super().__init__("Người nộp hồ sơ (quét mã QR căn cước để điền nhanh)", parent)
        self.id_number = named(QLineEdit(), "idNumberInput")
        self.id_number.setPlaceholderText("12 số căn cước, hộ chiếu hoặc mã số doanh nghiệp")
        self.name = named(QLineEdit(), "applicantNameInput")
        self.birth_date = named(QLineEdit(), "birthDateInput")
        self.birth_date.setPlaceholderText("dd/mm/yyyy")
        self.birth_date.setMaximumWidth(160)
        self.phone = named(QLineEdit(), "phoneInput")
        self.phone.setPlaceholderText("ví dụ 0912345678")
        self.phone.setMaximumWidth(220)
        self.email = named(QLineEdit(), "emailInput")
        self.address = named(QLineEdit(), "addressInput")
        self.kind = named(QComboBox(), "applicantKindInput")
        for k in ApplicantKind:
            self.kind.addItem(k.label, int(k))
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._id_label = QLabel("Số giấ&y tờ:")
        self._name_label = QLabel("Họ &và tên:")
        self._id_label.setBuddy(self.id_number)
        self._name_label.setBuddy(self.name)
        form.addRow(self._id_label, errors.wrap(self.id_number, "applicant.id_number"))
        form.addRow(self._name_label, errors.wrap(self.name, "applicant.name"))
        form.addRow("&Ngày sinh:", errors.wrap(self.birth_date, "applicant.birth_date"))
        form.addRow("Điện th&oại:", errors.wrap(self.phone, "applicant.phone"))
        form.addRow("Thư điện tử (&e-mail):", errors.wrap(self.email, "applicant.email"))
        form.addRow("Đị&a chỉ:", errors.wrap(self.address, "applicant.address"))
        form.addRow("Đối tượng:", errors.wrap(self.kind, "applicant.kind"))
        self.scan_notice = named(QLabel(), "scanNoticeLabel", wrap=True)
        self.scan_notice.setStyleSheet("color: #8a5a00;")
        form.addRow(self.scan_notice)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        # "Đã điền … <ID>" or a failed scan's message describes the fields as the scan left
        # them: once the clerk edits one of them, it no longer holds.
        for edit in (self.id_number, self.name, self.birth_date, self.address):
            edit.textEdited.connect(lambda _text: self.scan_notice.clear())

    def _kind_changed(self, _index: int) -> None:
        person = ApplicantKind(int(self.kind.currentData())).is_person
        self._name_label.setText("Họ &và tên:" if person else "Tên tổ &chức:")
        self._id_label.setText("Số giấ&y tờ:" if person else "Mã số &doanh nghiệp:")
        self.birth_date.setEnabled(person)

    def read_card(self, text: str, today: date) -> ChipIdCard:
        """Parse a chip-ID QR text (InvalidValue, in Vietnamese, when it is not one)."""
        return parse_chip_id_qr(text, today=today)

    def fill_from_card(self, card: ChipIdCard) -> None:
        """Every card field at once; the phone and email typed so far stay."""
        self.kind.setCurrentIndex(self.kind.findData(int(ApplicantKind.CITIZEN)))
        self.id_number.setText(card.id_number)
        self.name.setText(card.name)
        self.birth_date.setText(f"{card.birth_date:%d/%m/%Y}")
        self.address.setText(card.address)
        self.scan_notice.setText(f"Đã điền thông tin từ thẻ căn cước {card.id_number}.")
