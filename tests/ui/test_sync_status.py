"""The status-bar sync widget: shows the queue, syncs off the UI thread, reports errors."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from counter_app.settings import SyncSettings
from tests.counter_app.sync.harness import RefServer, receive
from ui.sync_status import SyncStatusWidget


def _configure(services: Any, server: RefServer) -> None:
    sync = SyncSettings(
        server_url=server.url, token=server.token, connect_timeout_s=1, read_timeout_s=2
    )
    services.settings = replace(services.settings, sync=sync)


def test_sync_now_runs_off_the_ui_thread(qtbot: Any, services: Any, server: RefServer) -> None:
    receive(services, 2)
    _configure(services, server)
    widget = SyncStatusWidget(services, None, autostart=False)
    qtbot.addWidget(widget)
    # Read in the background: the widget shows it a moment later.
    qtbot.waitUntil(lambda: widget.pending_label.text() == "Chờ gửi: 4", timeout=10_000)
    assert widget.has_pending() and widget.pending_count() == 4
    with qtbot.waitSignal(widget.controller.sync_did_finish, timeout=10_000):
        qtbot.mouseClick(widget.sync_button, qtbot_button())
    assert widget.controller.last_worker_thread == "counter-sync"
    assert widget.controller.last_worker_thread != threading.current_thread().name
    assert widget.pending_label.text() == "Chờ gửi: 0"
    assert widget.state_label.text() == "● Trực tuyến"
    assert widget.last_label.text().startswith("Đồng bộ lúc ")
    assert not widget.has_pending()
    assert server.store.stats()["dossiers"] == 2
    widget.shutdown()


def test_offline_shows_the_error_in_vietnamese(
    qtbot: Any, services: Any, server: RefServer
) -> None:
    receive(services, 1)
    _configure(services, server)
    server.stop()
    widget = SyncStatusWidget(services, None, autostart=False)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.controller.sync_did_finish, timeout=10_000):
        widget.sync_now()
    assert widget.state_label.text() == "● Mất kết nối"
    assert "Không kết nối được máy chủ" in widget.error_label.toolTip()
    assert widget.pending_label.text() == "Chờ gửi: 2"
    widget.shutdown()


def test_not_configured(qtbot: Any, services: Any) -> None:
    widget = SyncStatusWidget(services, None)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget.state_label.text() == "○ Chưa cấu hình đồng bộ")
    assert not widget.controller.running
    widget.shutdown()


def qtbot_button() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_autostart_syncs_in_the_background(qtbot: Any, services: Any, server: RefServer) -> None:
    receive(services, 1)
    _configure(services, server)
    widget = SyncStatusWidget(services, None, autostart=False)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.controller.sync_did_finish, timeout=10_000):
        widget.controller.start()  # the timer's first tick fires at once
    assert widget.pending_count() == 0
    widget.shutdown()


def test_resend_failed_records(qtbot: Any, services: Any, server: RefServer) -> None:
    from sqlalchemy import update

    from counter_app.db.models import OutboxEntry

    receive(services, 1)
    _configure(services, server)
    # As if the server had refused these rows earlier (the engine's own rejection is tested in
    # tests/counter_app/sync); the clerk fixed the cause and sends them again.
    with services.db.write() as s:
        s.execute(update(OutboxEntry).values(state="rejected", last_error="Thiếu mã thủ tục"))
    widget = SyncStatusWidget(services, None, autostart=False)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: not widget.resend_button.isHidden(), timeout=10_000)
    assert "Bị từ chối: 2" in widget.pending_label.text()
    with qtbot.waitSignal(widget.controller.sync_did_finish, timeout=10_000):
        qtbot.mouseClick(widget.resend_button, qtbot_button())
    assert widget.resend_button.isHidden()
    assert widget.pending_label.text() == "Chờ gửi: 0"
    assert server.store.stats()["dossiers"] == 1
    widget.shutdown()


def test_a_token_bound_to_another_pc_is_shown_and_stops_codes(
    qtbot: Any, services: Any, server: RefServer
) -> None:
    import uuid

    import pytest
    import requests

    from counter_app.issuing import CounterIdentityError
    from counter_app.sync.protocol import INSTALL_HEADER

    other = str(uuid.uuid4())  # the PC that used the token first
    headers = {"Authorization": f"Bearer {server.token}", INSTALL_HEADER: other}
    assert requests.get(f"{server.url}/api/v1/counter", headers=headers, timeout=5).ok
    ours = str(uuid.uuid4())
    _configure(services, server)
    services.settings = replace(
        services.settings, sync=replace(services.settings.sync, install_id=ours)
    )
    widget = SyncStatusWidget(services, None, autostart=False)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.controller.sync_did_finish, timeout=10_000):
        widget.sync_now()
    qtbot.waitUntil(lambda: not widget.alarm_label.isHidden(), timeout=10_000)
    assert widget.state_label.text() == "⛔ Mã truy cập đang dùng ở máy khác"
    assert widget.alarm_label.text().startswith("⛔ Máy này không cấp mã hồ sơ")
    assert f"--to {ours}" in widget.alarm_label.toolTip()
    with pytest.raises(CounterIdentityError, match="máy khác"):
        receive(services, 1)

    server.store.move_token("Quầy 1", ours)
    with qtbot.waitSignal(widget.controller.sync_did_finish, timeout=10_000):
        widget.sync_now()
    qtbot.waitUntil(widget.alarm_label.isHidden, timeout=10_000)
    assert widget.state_label.text() == "● Trực tuyến"
    assert receive(services, 1)
    widget.shutdown()


def test_a_dossier_refused_for_its_code_is_an_alarm_in_the_status_bar(
    qtbot: Any, services: Any, server: RefServer, tmp_path: Any
) -> None:
    from tests.conftest import make_services
    from tests.counter_app.sync.harness import engine_for

    # Another PC of the same unit pushed its first code before this one (an older counter
    # version: no install id, so the server could not tell the two apart).
    first = make_services(f"sqlite:///{tmp_path / 'first.sqlite3'}", services.clock)
    try:
        taken = receive(first, 1)[0]
        engine = engine_for(first, server)
        assert engine.run_until_done(max_seconds=30).error == ""
        engine.close()
    finally:
        first.close()
    assert receive(services, 1, start=5)[0] == taken
    _configure(services, server)
    widget = SyncStatusWidget(services, None, autostart=False)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.controller.sync_did_finish, timeout=10_000):
        widget.sync_now()
    qtbot.waitUntil(lambda: not widget.alarm_label.isHidden(), timeout=10_000)
    assert widget.alarm_label.text().startswith(
        f"⚠ Gọi lại công dân — máy chủ từ chối hồ sơ {taken}"
    )
    assert f"Hồ sơ {taken} (Trần T** T**)" in widget.alarm_label.toolTip()
    assert "gọi lại công dân" in widget.alarm_label.toolTip()
    assert "đã được dùng cho một hồ sơ khác" in widget.alarm_label.toolTip()
    widget.shutdown()


def test_the_window_refuses_to_save_while_the_token_is_another_pcs(
    qtbot: Any, make_window: Any, ops: Any, services: Any, server: RefServer
) -> None:
    import uuid

    import requests
    from PySide6.QtWidgets import QMessageBox

    from counter_app.domain import Role
    from counter_app.sync.protocol import INSTALL_HEADER
    from tests.ui.conftest import settle, type_text

    headers = {"Authorization": f"Bearer {server.token}", INSTALL_HEADER: str(uuid.uuid4())}
    assert requests.get(f"{server.url}/api/v1/counter", headers=headers, timeout=5).ok
    _configure(services, server)
    services.settings = replace(
        services.settings, sync=replace(services.settings.sync, install_id=str(uuid.uuid4()))
    )
    services.guard.check_server()  # what start() does: the server refuses this installation
    window = make_window(Role.CLERK)
    form = window.intake
    form.procedure.choose(services.catalog.get("2.000908"), picked=True)
    type_text(qtbot, form.name, "Lâm Thị Nga")
    type_text(qtbot, form.id_number, "022080001236")
    settle(qtbot, ops)
    form.save()
    settle(qtbot, ops)
    boxes = [b for b in form.findChildren(QMessageBox) if b.isVisible()]
    assert any("đang được dùng trên một máy khác" in b.text() for b in boxes)
    assert form.last_received is None  # no code was issued
    assert form.name.text() == "Lâm Thị Nga"  # the draft is kept
    status = window.findChild(SyncStatusWidget)
    qtbot.waitUntil(lambda: not status.alarm_label.isHidden(), timeout=10_000)
