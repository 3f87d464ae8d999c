"""The detail dialog says «Thiếu» only for a paper the procedure required on intake day."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget
from sqlalchemy import update

from counter_app.auth import system_actor
from counter_app.db.models import ProcedurePaper
from counter_app.domain import Role
from counter_app.intake import ApplicantDraft, DossierDraft
from tests.ui.conftest import settle


def _papers_shown(detail: Any) -> dict[str, str]:
    table = detail.findChild(QTableWidget, "detailPapers")
    assert table.horizontalHeaderItem(3).text() == "Đã nộp"
    return {table.item(r, 0).text(): table.item(r, 3).text() for r in range(table.rowCount())}


def test_required_optional_and_submitted_papers_read_right(
    qtbot: Any, make_window: Any, ops: Any, services: Any
) -> None:
    # Đăng ký khai sinh: TK and GCS required, UQ optional; only TK handed in.
    code = services.intake.receive(
        DossierDraft(
            "1.001193",
            ApplicantDraft("Trần Thị Thuỷ", "022190012345"),
            papers=["TK"],
            missing_reason="Giấy chứng sinh nộp sau",
        ),
        clerk=system_actor(),
    ).code
    # A later catalog that makes UQ required changes nothing: intake day's law counts.
    with services.db.write() as s:
        s.execute(update(ProcedurePaper).where(ProcedurePaper.code == "UQ").values(required=True))
    window = make_window(Role.CLERK)
    window.dossiers.open_code(code)
    qtbot.waitUntil(lambda: window.dossiers.detail_dialog is not None)
    settle(qtbot, ops)
    shown = _papers_shown(window.dossiers.detail_dialog)
    assert shown == {
        "Tờ khai đăng ký khai sinh": "Có",
        "Giấy chứng sinh": "Thiếu",
        "Văn bản ủy quyền (nếu có)": "Không nộp (không bắt buộc)",
    }, shown
    # A supplement request from the detail asks for the required paper only (as the form does).
    detail = window.dossiers.detail_dialog
    qtbot.keyClick(detail, Qt.Key.Key_F7)
    assert detail.slip_dialog.chosen() == ["Giấy chứng sinh"]
    detail.slip_dialog.reject()


def test_a_missing_required_paper_is_red_an_optional_one_grey(
    qtbot: Any, make_window: Any, ops: Any, services: Any
) -> None:
    from ui.widgets import ERROR_COLOUR

    code = services.intake.receive(
        DossierDraft(
            "1.001193",
            ApplicantDraft("Trần Thị Thuỷ", "022190012345"),
            papers=["TK"],
            missing_reason="Giấy chứng sinh nộp sau",
        ),
        clerk=system_actor(),
    ).code
    window = make_window(Role.CLERK)
    window.dossiers.open_code(code)
    qtbot.waitUntil(lambda: window.dossiers.detail_dialog is not None)
    settle(qtbot, ops)
    table = window.dossiers.detail_dialog.findChild(QTableWidget, "detailPapers")
    colours = [table.item(r, 3).foreground().color().name() for r in range(table.rowCount())]
    assert colours[1:] == [ERROR_COLOUR, "#777777"]
    assert colours[0] not in (ERROR_COLOUR, "#777777")
