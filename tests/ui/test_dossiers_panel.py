"""Today's dossiers: search without diacritics, status filter, other days, detail by Enter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QDate, Qt

from counter_app.domain import DossierStatus, Role
from counter_app.intake import ApplicantDraft, DossierDraft
from tests.ui.conftest import settle


def _receive(services: Any, name: str, id_number: str) -> str:
    code: str = services.intake.receive(
        DossierDraft("2.000908", ApplicantDraft(name, id_number))
    ).code
    return code


def test_search_filter_and_open(
    qtbot: Any, make_window: Any, ops: Any, services: Any, clock: Any, users: Any
) -> None:
    clock.now = datetime(2026, 11, 26, 9, 0)
    yesterday = _receive(services, "Lê Văn Tám", "022090011111")
    clock.now = datetime(2026, 11, 27, 9, 0)
    thuy = _receive(services, "Trần Thị Thuỷ", "022190012345")
    _receive(services, "Đặng Văn Đức", "022090012346")
    services.dossiers.hand_back(thuy, clerk=users[Role.CLERK], force=True)
    window = make_window(Role.CLERK)
    panel = window.dossiers
    qtbot.keyClick(window, Qt.Key.Key_F3)
    settle(qtbot, ops)
    assert panel.model.rowCount() == 2  # today's
    qtbot.keyClicks(panel.search, "thuy")
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    settle(qtbot, ops)
    assert [panel.model.row_at(i).code for i in range(panel.model.rowCount())] == [thuy]
    panel.search.clear()
    settle(qtbot, ops)
    qtbot.keyClicks(panel.search, "dang duc")
    settle(qtbot, ops)
    assert panel.model.rowCount() == 1
    panel.search.clear()
    panel.status.setCurrentIndex(panel.status.findData(int(DossierStatus.RETURNED)))
    settle(qtbot, ops)
    assert [panel.model.row_at(i).code for i in range(panel.model.rowCount())] == [thuy]
    panel.status.setCurrentIndex(0)
    panel.day.setDate(QDate(2026, 11, 26))
    settle(qtbot, ops)
    assert [panel.model.row_at(i).code for i in range(panel.model.rowCount())] == [yesterday]
    panel.all_days.setChecked(True)
    settle(qtbot, ops)
    assert panel.model.rowCount() == 3
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.detail_dialog is not None)
    settle(qtbot, ops)
    assert panel.detail_dialog.detail.row.code == panel.model.row_at(0).code
