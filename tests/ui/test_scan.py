"""Chip-ID scans typed by a keyboard-wedge scanner anywhere in the intake screen."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from counter_app.domain import Role
from tests.ui.conftest import CHIP_QR, settle, type_text


def _scan(qtbot: Any, widget: Any, text: str) -> None:
    type_text(qtbot, widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_good_scan_fills_applicant_from_any_field(qtbot: Any, make_window: Any, ops: Any) -> None:
    form = make_window(Role.CLERK).intake
    qtbot.keyClicks(form.notes, "ghi chu")
    form.notes.setFocus()
    _scan(qtbot, form.notes, CHIP_QR)
    assert form.id_number.text() == "022090012345"
    assert form.name.text() == "Nguyễn Văn Đức"
    assert form.birth_date.text() == "05/09/1990"
    assert form.address.text().startswith("Tổ 1, khu 2")
    assert form.notes.text() == "ghi chu"  # the field the scan landed in is as it was
    settle(qtbot, ops)


def test_malformed_scan_changes_nothing(qtbot: Any, make_window: Any, ops: Any) -> None:
    form = make_window(Role.CLERK).intake
    qtbot.keyClicks(form.phone, "0912345678")
    form.name.setFocus()
    bad = CHIP_QR.replace("05091990", "32131990")  # impossible birth date
    _scan(qtbot, form.name, bad)
    assert form.name.text() == ""
    assert form.id_number.text() == ""
    assert form.address.text() == ""
    assert form.phone.text() == "0912345678"
    assert "Không đọc được mã QR" in form.scan_notice.text()
    truncated = "022090012345|123456789|Nguyễn Văn"
    _scan(qtbot, form.name, truncated)
    assert form.name.text() == "" and form.id_number.text() == ""
    settle(qtbot, ops)


def test_slow_typing_with_enter_is_not_a_scan(
    qtbot: Any, make_window: Any, ops: Any, monkeypatch: Any
) -> None:
    window = make_window(Role.CLERK)
    ticks = iter(range(1000))
    # A person types a key every 0.3 s: never a scanner burst.
    monkeypatch.setattr(window.scanner, "_clock", lambda: next(ticks) * 0.3)
    qtbot.keyClicks(window.intake.name, "Le|Van|Tam|x")
    qtbot.keyClick(window.intake.name, Qt.Key.Key_Return)
    assert window.intake.name.text() == "Le|Van|Tam|x"
    settle(qtbot, ops)


def test_scan_with_dropped_vietnamese_letters_leaves_every_field_as_it_was(
    qtbot: Any, make_window: Any, ops: Any
) -> None:
    """A scanner on a US keyboard setting types «Nguyn Vn An»: nothing of it may reach a field."""
    form = make_window(Role.CLERK).intake
    qtbot.keyClicks(form.phone, "0912345678")
    qtbot.keyClicks(form.email, "an@example.vn")
    qtbot.keyClicks(form.name, "Nguy")  # the clerk had started typing the name by hand
    edits = (form.id_number, form.name, form.birth_date, form.phone, form.email, form.address)
    before = [edit.text() for edit in edits]
    kind = form.applicant.kind.currentIndex()
    form.name.setFocus()
    _scan(qtbot, form.name, "022085012345|123456789|Nguyn Vn An|15031985|Nam|T 1, H Long|01012021")
    assert [edit.text() for edit in edits] == before
    assert form.applicant.kind.currentIndex() == kind
    notice = form.scan_notice.text()
    assert notice.startswith("Không đọc được mã QR căn cước: Máy quét đã làm mất chữ có dấu")
    assert "«Nguyn Vn An»" in notice
    assert "hãy chỉnh bàn phím của máy quét" in notice
    assert notice.endswith("Chưa điền thông tin nào; có thể nhập tay.")
    settle(qtbot, ops)


def test_six_field_scan_without_old_id_fills_applicant(
    qtbot: Any, make_window: Any, ops: Any
) -> None:
    form = make_window(Role.CLERK).intake
    form.notes.setFocus()
    _scan(qtbot, form.notes, "022085012345|Nguyễn Văn An|15031985|Nam|Tổ 1, Hạ Long|01012021")
    assert form.id_number.text() == "022085012345"
    assert form.name.text() == "Nguyễn Văn An"
    assert form.birth_date.text() == "15/03/1985"
    assert form.address.text() == "Tổ 1, Hạ Long"
    settle(qtbot, ops)
