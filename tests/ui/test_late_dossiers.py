"""Mẫu 04, 05, 06 from the dossier detail and Mẫu 04 from the dashboard's late list, by keyboard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QTableWidget

from counter_app.auth import system_actor
from counter_app.domain import DossierStatus, Role
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.reports import Figure
from tests.ui.conftest import settle, type_text


def _receive(services: Any) -> str:
    code: str = services.intake.receive(
        DossierDraft("2.000908", ApplicantDraft("Phạm Thị Lan", "022190012345")),
        clerk=system_actor(),
    ).code
    return code  # received Friday 27/11/2026 09:00, due Wednesday 02/12/2026 09:00


def _open_detail(qtbot: Any, window: Any, ops: Any, code: str) -> Any:
    window.dossiers.open_code(code)
    qtbot.waitUntil(lambda: window.dossiers.detail_dialog is not None)
    settle(qtbot, ops)
    dialog = window.dossiers.detail_dialog
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_extend_from_the_detail_by_keyboard(
    qtbot: Any, make_window: Any, ops: Any, services: Any
) -> None:
    code = _receive(services)
    window = make_window(Role.CLERK)
    detail = _open_detail(qtbot, window, ops, code)
    assert detail.extend_button.isEnabled() and detail.stop_button.isEnabled()
    qtbot.keyClick(detail, Qt.Key.Key_F6)
    dialog = detail.late_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.by_days.isChecked() and dialog.days.value() == 3
    # Without a reason: the core's message, the dialog stays, nothing saved.
    qtbot.keyClick(dialog.ok, Qt.Key.Key_Space)
    settle(qtbot, ops)
    assert "Lý do chậm trả kết quả: không được để trống" in dialog.error.text()
    assert dialog.isVisible()
    assert services.dossiers.detail(code, by=system_actor()).appointment_history == ()
    dialog.days.setFocus()
    qtbot.keyClick(dialog.days, Qt.Key.Key_Down)  # 3 → 2 working days
    type_text(qtbot, dialog.reason, "Chờ ý kiến của Chi cục Thuế")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Tab)  # the reason box lets Tab move on
    assert QApplication.focusWidget() is not dialog.reason
    qtbot.keyClick(dialog.ok, Qt.Key.Key_Space)
    settle(qtbot, ops)
    assert dialog.change is not None
    assert dialog.change.new == datetime(2026, 12, 4, 9, 0)
    assert services.dossiers.lookup(code, by=system_actor()).appointment_at == datetime(
        2026, 12, 4, 9, 0
    )
    qtbot.waitUntil(lambda: detail.preview_dialog is not None)
    assert detail.property("previewTitle") == f"Văn bản xin lỗi, gia hạn — {code}"
    # The detail shows the new date and the change in the history.
    qtbot.waitUntil(lambda: detail.detail.row.appointment_at == datetime(2026, 12, 4, 9, 0))
    header = detail.findChild(QLabel, "detailHeader").text()
    assert "09:00 04/12/2026" in header and "đã gia hạn 1 lần, có văn bản xin lỗi" in header
    table = detail.findChild(QTableWidget, "detailEvents")
    notes = [table.item(r, 3).text() for r in range(table.rowCount())]
    assert any("Gia hạn, hẹn 09:00 02/12/2026 → 09:00 04/12/2026" in n for n in notes)


def test_stop_and_control_slip_from_the_detail(
    qtbot: Any, make_window: Any, ops: Any, services: Any
) -> None:
    code = _receive(services)
    window = make_window(Role.CLERK)
    detail = _open_detail(qtbot, window, ops, code)
    qtbot.keyClick(detail, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ops)
    qtbot.waitUntil(lambda: detail.preview_dialog is not None)
    assert detail.property("previewTitle").startswith("Phiếu kiểm soát quá trình giải quyết")
    detail.preview_dialog.close()
    detail.preview_dialog = None
    detail.activateWindow()
    detail.stop_button.setFocus()
    qtbot.keyClick(detail.stop_button, Qt.Key.Key_Space)
    dialog = detail.late_dialog
    qtbot.waitUntil(dialog.isVisible)
    type_text(qtbot, dialog.reason, "Người nộp đề nghị dừng giải quyết")
    qtbot.keyClick(dialog.ok, Qt.Key.Key_Space)
    settle(qtbot, ops)
    assert services.dossiers.lookup(code, by=system_actor()).status is DossierStatus.STOPPED
    qtbot.waitUntil(lambda: detail.detail.row.status is DossierStatus.STOPPED)
    # The core's table decides what the buttons offer now.
    assert not detail.extend_button.isEnabled()
    assert not detail.stop_button.isEnabled()
    assert not detail.supplement_button.isEnabled()
    assert not detail.hand_back_button.isEnabled()
    assert detail.control_button.isEnabled()
    qtbot.waitUntil(lambda: detail.preview_dialog is not None)
    assert detail.property("previewTitle") == f"Thông báo dừng giải quyết — {code}"


def test_the_late_list_offers_mau_04(
    qtbot: Any, ops: Any, services: Any, clock: Any, users: Any
) -> None:
    from ui.dashboard.window import DashboardWindow

    code = _receive(services)
    clock.now = datetime(2026, 12, 3, 8, 0)  # a day late
    window = DashboardWindow(services, None, ops=ops, user=users[Role.SUPERVISOR])
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.report_did_load, timeout=15_000):
        window.show()
    try:
        with qtbot.waitSignal(window.drill_did_open, timeout=15_000) as blocker:
            window.drill(Figure.OVERDUE)
        late = blocker.args[0]
        assert late.selected_code() == code
        button = late.findChild(QPushButton, "apologyButton")
        assert button is not None and "Mẫu 04" in button.text()
        button.setFocus()
        qtbot.keyClick(button, Qt.Key.Key_Space)
        settle(qtbot, ops)
        qtbot.waitUntil(lambda: getattr(late, "extend_dialog", None) is not None)
        dialog = late.extend_dialog
        type_text(qtbot, dialog.reason, "Chờ xác minh")
        qtbot.keyClick(dialog.ok, Qt.Key.Key_Space)
        settle(qtbot, ops)
        # Counted from now (past the old date): Thursday 08:00 + 3 working days → Tuesday.
        assert services.dossiers.lookup(code, by=system_actor()).appointment_at == datetime(
            2026, 12, 8, 8, 0
        )
        qtbot.waitUntil(lambda: window.report is not None and window.report.overdue == 0)
    finally:
        window.timer.stop()
        qtbot.waitUntil(lambda: ops.pending == 0, timeout=15_000)
