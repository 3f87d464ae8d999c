"""Results hand-back: scanning a receipt's code in the main window opens the dossier; F9 records it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from counter_app.auth import system_actor
from counter_app.db.models import Dossier
from counter_app.domain import DossierStatus, Role
from counter_app.intake import ApplicantDraft, DossierDraft
from tests.ui.conftest import settle

# Who the tests act as: the command line's system actor (an admin).
ACTOR = system_actor()


def _receive(services: Any, *, ready: bool) -> str:
    code: str = services.intake.receive(
        DossierDraft("2.000908", ApplicantDraft("Phạm Thị Lan", "022190012345")),
        clerk=ACTOR,
    ).code
    if ready:
        # The provincial system marks results ready; the test stands in for it at the database.
        with services.db.write() as s:
            d = s.scalar(select(Dossier).where(Dossier.code == code))
            d.status = int(DossierStatus.RESULT_READY)
    return code


def _scan_code(qtbot: Any, window: Any, text: str) -> Any:
    target = QApplication.focusWidget() or window
    qtbot.keyClicks(target, text)
    qtbot.keyClick(target, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.dossiers.detail_dialog is not None)
    dialog = window.dossiers.detail_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def test_hand_back_by_scan(
    qtbot: Any, make_window: Any, ops: Any, services: Any, users: Any
) -> None:
    code = _receive(services, ready=True)
    window = make_window(Role.CLERK)
    dialog = _scan_code(qtbot, window, f"https://dichvucong.example.gov.vn/tra-cuu/{code}")
    assert dialog.detail.row.code == code
    assert window.intake.procedure.text() == ""  # the scan did not land in the focused field
    qtbot.keyClick(dialog, Qt.Key.Key_F9)
    settle(qtbot, ops)
    row = services.dossiers.lookup(code, by=ACTOR)
    assert row.status is DossierStatus.RETURNED
    detail = services.dossiers.detail(code, by=ACTOR)
    assert detail.events[-1].actor == users[Role.CLERK].full_name
    assert detail.handed_back_at is not None
    assert not dialog.hand_back_button.isEnabled()
    # A reprint opens the preview of a receipt marked as reprinted.
    from ui.printing import PdfPreviewDialog

    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ops)
    qtbot.waitUntil(lambda: dialog.findChild(PdfPreviewDialog) is not None)


def test_hand_back_not_ready_warns(qtbot: Any, make_window: Any, ops: Any, services: Any) -> None:
    code = _receive(services, ready=False)
    window = make_window(Role.CLERK)
    dialog = _scan_code(qtbot, window, code)
    qtbot.keyClick(dialog, Qt.Key.Key_F9)
    box = dialog.findChild(QMessageBox, "questionBox")
    assert box is not None and box.isVisible()
    assert "chưa có kết quả" in box.text()
    # Declining changes nothing.
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    settle(qtbot, ops)
    assert services.dossiers.lookup(code, by=ACTOR).status is DossierStatus.RECEIVED
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_F9)
    boxes = [b for b in dialog.findChildren(QMessageBox, "questionBox") if b.isVisible()]
    yes = next(b for b in boxes[-1].buttons() if "Đồng ý" in b.text())
    qtbot.mouseClick(yes, Qt.MouseButton.LeftButton)
    settle(qtbot, ops)
    assert services.dossiers.lookup(code, by=ACTOR).status is DossierStatus.RETURNED
