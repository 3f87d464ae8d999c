"""The clerk records a paper's copies and pages by keyboard; the fee follows the catalog's rule."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from counter_app.db.models import Dossier
from counter_app.domain import Role
from tests.counter_app.receipts.support import page_texts
from tests.ui.conftest import CHIP_QR, settle, type_text


def test_copies_and_pages_by_keyboard(
    qtbot: Any, make_window: Any, ops: Any, services: Any
) -> None:
    services.catalog.load_file()  # the bundled catalog: its certified-copy fee rule
    window = make_window(Role.CLERK)
    form = window.intake
    type_text(qtbot, QApplication.focusWidget(), CHIP_QR)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    form.procedure.choose(services.catalog.get("2.000815"))
    settle(qtbot, ops)

    view, model = form.papers, form.papers_model
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    rows = [p.code for p in model.papers()]
    view.setCurrentIndex(model.index(0, 0))
    for _ in range(rows.index("BS")):
        qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Right)  # the copies column
    assert view.currentIndex().column() == 2
    qtbot.keyClicks(view, "3")  # a digit opens the count's editor with that digit
    assert view.state() == view.State.EditingState
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.state() == view.State.NoState)
    qtbot.keyClick(view, Qt.Key.Key_Right)  # the pages column
    qtbot.keyClicks(view, "1")
    qtbot.keyClicks(QApplication.focusWidget(), "2")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.state() == view.State.NoState)
    assert model.counts() == {"BS": {"originals": 0, "copies": 3, "pages": 12}}
    assert form.state().paper_counts == {"BS": {"originals": 0, "copies": 3, "pages": 12}}
    # The form shows the fee for what was typed before it is saved.
    assert "Phí, lệ phí: 42.000 đồng (03 bản × 12 trang)" in form.procedure_info.text()

    qtbot.keyClick(view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ops)
    received = form.last_received
    assert received is not None
    # 3 copies × (2 pages at 2.000 + 10 pages at 1.000) = 42.000 đồng
    with services.db.read() as s:
        dossier = s.scalar(select(Dossier).where(Dossier.code == received.code))
        assert dossier is not None and dossier.fee == 42_000
        assert {p.code: (p.copies, p.pages) for p in dossier.papers}["BS"] == (3, 12)
    assert form.last_receipt_pdf is not None
    assert "Phí, lệ phí: 42.000 đồng (03 bản × 12 trang)" in page_texts(form.last_receipt_pdf)[0]
    qtbot.waitUntil(lambda: form.preview is not None)
    qtbot.keyClick(form.preview, Qt.Key.Key_Escape)
