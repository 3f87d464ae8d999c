"""Today's dossiers: search without diacritics, status filter, other days, detail by Enter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QDate, Qt

from counter_app.auth import system_actor
from counter_app.domain import DossierStatus, Role
from counter_app.intake import ApplicantDraft, DossierDraft
from tests.ui.conftest import settle


def _receive(services: Any, name: str, id_number: str) -> str:
    code: str = services.intake.receive(
        DossierDraft("2.000908", ApplicantDraft(name, id_number)), clerk=system_actor()
    ).code
    return code


def _searched(qtbot: Any, panel: Any, ops: Any) -> None:
    """Wait for the typing pause to end and the search it starts to come back."""
    qtbot.waitUntil(lambda: not panel.search_pending(), timeout=5_000)
    settle(qtbot, ops)


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
    _searched(qtbot, panel, ops)
    qtbot.keyClicks(panel.search, "dang duc")
    _searched(qtbot, panel, ops)
    assert panel.model.rowCount() == 1
    panel.search.clear()
    _searched(qtbot, panel, ops)
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


def test_detail_shows_the_sync_badge(qtbot: Any, make_window: Any, ops: Any, services: Any) -> None:
    code = _receive(services, "Trần Thị Thuỷ", "022190012345")
    window = make_window(Role.CLERK)
    window.dossiers.open_code(code)
    qtbot.waitUntil(lambda: window.dossiers.detail_dialog is not None)
    settle(qtbot, ops)
    badge = window.dossiers.detail_dialog.sync_badge
    assert badge.property("syncState") == "pending"
    assert badge.text().startswith("Đồng bộ: ")


def test_exit_warns_while_records_wait_for_the_server(
    qtbot: Any, make_window: Any, ops: Any, services: Any, monkeypatch: Any
) -> None:
    from dataclasses import replace

    from PySide6.QtWidgets import QMessageBox

    _receive(services, "Trần Thị Thuỷ", "022190012345")
    # A counter that syncs (the server is unreachable here, which is the point).
    services.settings = replace(
        services.settings,
        sync=replace(services.settings.sync, server_url="http://127.0.0.1:9"),
    )
    window = make_window(Role.CLERK)
    asked: list[str] = []

    def answer(_parent: Any, _title: str, text: str, *_a: Any) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "warning", answer)
    window.close()
    assert window.isVisible()
    assert "chưa gửi lên máy chủ tỉnh" in asked[0]
    monkeypatch.setattr(QMessageBox, "warning", lambda *_a: QMessageBox.StandardButton.Yes)
    window.close()
    assert not window.isVisible()


def test_hidden_list_refreshes_when_shown(
    qtbot: Any, make_window: Any, ops: Any, services: Any
) -> None:
    _receive(services, "Trần Thị Thuỷ", "022190012345")
    window = make_window(Role.CLERK)
    panel = window.dossiers
    assert panel.model.rowCount() == 1
    assert not panel.isVisible()  # the intake tab is in front
    window.intake.dossier_did_receive.emit(None)  # as after a save
    _receive(services, "Đặng Văn Đức", "022090012346")
    settle(qtbot, ops)
    assert panel.model.rowCount() == 1  # nothing searched while hidden
    qtbot.keyClick(window, Qt.Key.Key_F3)
    settle(qtbot, ops)
    assert panel.model.rowCount() == 2
