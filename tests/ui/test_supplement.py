"""Supplement request (Mẫu 02) and refusal from the intake screen."""

from __future__ import annotations

from typing import Any

import pypdfium2 as pdfium
from PySide6.QtCore import Qt
from sqlalchemy import select

from counter_app.auth import system_actor
from counter_app.db.models import Slip
from counter_app.domain import Role, SlipKind
from tests.ui.conftest import CHIP_QR, settle, type_text


def _pdf_text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    doc.close()
    return text


def _prepare(qtbot: Any, form: Any, ops: Any) -> None:
    type_text(qtbot, form.procedure, CHIP_QR)
    qtbot.keyClick(form.procedure, Qt.Key.Key_Return)
    qtbot.keyClicks(form.procedure, "2.000908")
    qtbot.keyClick(form.procedure, Qt.Key.Key_Return)
    settle(qtbot, ops)
    # Untick the second paper with the keyboard: focus the list, Down, Space.
    form.papers.setFocus()
    form.papers.setCurrentIndex(form.papers_model.index(1, 0))
    qtbot.keyClick(form.papers, Qt.Key.Key_Space)
    assert not form.papers_model.all_checked()


def test_supplement_request(qtbot: Any, make_window: Any, ops: Any, services: Any) -> None:
    window = make_window(Role.CLERK)
    form = window.intake
    _prepare(qtbot, form, ops)
    missing = form.papers_model.unchecked()[0]
    qtbot.keyClick(form.papers, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    dialog = form.slip_dialog
    assert dialog.isVisible() and dialog.kind is SlipKind.SUPPLEMENT
    assert dialog.chosen() == [missing.name]  # the unticked paper is pre-selected
    qtbot.keyClicks(dialog.reason, "Nộp bản sao có chứng thực".encode("ascii", "ignore").decode())
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    settle(qtbot, ops)
    assert dialog.record is not None and dialog.pdf is not None
    assert "Mẫu" in _pdf_text(dialog.pdf) or "BỔ SUNG" in _pdf_text(dialog.pdf).upper()
    with services.db.read() as s:
        slips = [(sl.kind, list(sl.items), sl.applicant_name) for sl in s.scalars(select(Slip))]
    assert slips == [("supplement", [missing.name], "Nguyễn Văn Đức")]


def test_refusal(qtbot: Any, make_window: Any, ops: Any, services: Any) -> None:
    form = make_window(Role.CLERK).intake
    _prepare(qtbot, form, ops)
    qtbot.mouseClick(form.refuse_button, Qt.MouseButton.LeftButton)
    dialog = form.slip_dialog
    assert dialog.kind is SlipKind.REFUSAL
    dialog.items.setFocus()
    qtbot.keyClick(dialog.items, Qt.Key.Key_Space)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    settle(qtbot, ops)
    assert dialog.pdf is not None
    with services.db.read() as s:
        kinds = [sl.kind for sl in s.scalars(select(Slip))]
    assert kinds == ["refusal"]


def test_supplement_for_a_received_dossier_from_its_detail(
    qtbot: Any, make_window: Any, ops: Any, services: Any
) -> None:
    from counter_app.domain import DossierStatus
    from counter_app.intake import ApplicantDraft, DossierDraft

    code = services.intake.receive(
        DossierDraft(
            "2.000908",
            ApplicantDraft("Trần Thị Thuỷ", "022190012345"),
            papers=["GDN"],
            missing_reason="Nộp sau",
        ),
        clerk=system_actor(),
    ).code
    window = make_window(Role.CLERK)
    window.dossiers.open_code(code)
    qtbot.waitUntil(lambda: window.dossiers.detail_dialog is not None)
    settle(qtbot, ops)
    detail = window.dossiers.detail_dialog
    qtbot.keyClick(detail, Qt.Key.Key_F7)
    dialog = detail.slip_dialog
    assert dialog.isVisible() and dialog.kind is SlipKind.SUPPLEMENT
    assert dialog.chosen() == ["Bản sao giấy tờ pháp lý của cá nhân"]  # the paper still missing
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    settle(qtbot, ops)
    assert dialog.record is not None
    assert detail.detail.row.status is DossierStatus.SUPPLEMENT_REQUESTED
    with services.db.read() as s:
        (slip,) = s.scalars(select(Slip)).all()
        assert slip.dossier_id is not None and slip.applicant_name == "Trần Thị Thuỷ"
