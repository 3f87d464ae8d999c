"""A full intake by keyboard alone, ending in a saved dossier and a decodable receipt PDF."""

from __future__ import annotations

from typing import Any

import pypdfium2 as pdfium
import zxingcpp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from counter_app.auth import system_actor
from counter_app.domain import DossierStatus, Role
from tests.ui.conftest import CHIP_QR, settle, type_text


def _focused_name() -> str:
    w = QApplication.focusWidget()
    return w.objectName() if w is not None else ""


def _decode_all(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    texts: list[str] = []
    for i in range(len(doc)):
        image = doc[i].render(scale=300 / 72, fill_color=(255, 255, 255, 255)).to_pil()
        texts += [r.text for r in zxingcpp.read_barcodes(image)]
    doc.close()
    return texts


def test_full_intake_by_keyboard(qtbot: Any, make_window: Any, ops: Any, services: Any) -> None:
    window = make_window(Role.CLERK)
    form = window.intake
    keys = 0
    # The scanner types the chip-ID QR anywhere (here into the procedure field) and ends with Enter.
    type_text(qtbot, QApplication.focusWidget(), CHIP_QR)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert form.name.text() == "Nguyễn Văn Đức"
    assert form.procedure.text() == ""  # the burst was taken back out of the field it landed in
    assert not form.procedure.popup.isVisible()
    assert _focused_name() == "procedureInput"

    qtbot.keyClicks(QApplication.focusWidget(), "1193")
    keys += 4
    assert form.procedure.popup.isVisible()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    keys += 1
    assert form.procedure.current is not None and form.procedure.current.code == "1.001193"
    settle(qtbot, ops)
    assert "Hẹn trả kết quả" in form.appointment.text()
    assert _focused_name() == "phoneInput"
    qtbot.keyClicks(QApplication.focusWidget(), "0912345678")
    keys += 10
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    keys += 1
    settle(qtbot, ops)
    assert keys <= 20

    received = form.last_received
    assert received is not None
    assert received.code in form.code_label.text()
    assert form.code_label.objectName() == "dossierCodeLabel"
    row = services.dossiers.lookup(received.code, by=system_actor())
    assert row is not None and row.status is DossierStatus.RECEIVED
    assert row.applicant_name == "Nguyễn Văn Đức"
    # The form is empty for the next citizen.
    assert form.name.text() == "" and form.procedure.current is None
    # The receipt PDF was rendered and its barcode/QR carry the dossier code.
    assert form.last_receipt_pdf is not None and form.last_receipt_pdf.startswith(b"%PDF")
    assert any(received.code in t for t in _decode_all(form.last_receipt_pdf))
    # The print preview opened; Esc closes it, by keyboard too.
    qtbot.waitUntil(lambda: form.preview is not None)
    preview = form.preview
    assert preview.isVisible() and preview.objectName() == "printPreviewDialog"
    qtbot.keyClick(preview, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not preview.isVisible())


def test_validation_errors_beside_fields(qtbot: Any, make_window: Any, ops: Any) -> None:
    window = make_window(Role.CLERK)
    form = window.intake
    qtbot.keyClicks(form.procedure, "khai sinh")
    qtbot.keyClick(form.procedure, Qt.Key.Key_Return)
    qtbot.keyClicks(form.id_number, "123")
    qtbot.keyClicks(form.phone, "12345")
    qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ops)
    assert form.last_received is None
    id_error = window.findChild(type(form.code_label), "idNumberInputError")
    assert id_error is not None and id_error.isVisibleTo(window) and id_error.text()
    assert "Số giấy tờ tùy thân" in id_error.text()
    # Focus jumps to the first field in error in screen order.
    assert _focused_name() == "idNumberInput"
    phone_error = window.findChild(type(form.code_label), "phoneInputError")
    assert phone_error.text().startswith("Số điện thoại")


def test_draft_survives_close(qtbot: Any, make_window: Any, ops: Any) -> None:
    window = make_window(Role.CLERK)
    type_text(qtbot, window.intake.name, "Trần Thị Thuỷ")
    qtbot.keyClicks(window.intake.phone, "0987654321")
    window.close()
    again = make_window(Role.CLERK)
    assert again.intake.name.text() == "Trần Thị Thuỷ"
    assert again.intake.phone.text() == "0987654321"
