"""The status-bar summary and the per-dossier badge, read from the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from counter_app.auth import system_actor
from counter_app.db.models import OutboxEntry
from counter_app.sync.status import sync_badge, sync_status
from tests.counter_app.sync.harness import RefServer, engine_for, receive


def test_badge_follows_the_record(services: Any, server: RefServer) -> None:
    codes = receive(services, 2)
    uuid = services.dossiers.detail(codes[0], by=system_actor()).uuid
    assert sync_badge(services, uuid)[0] == "pending"
    assert sync_badge(services, "no-such-uuid") == ("none", "Chưa có dữ liệu đồng bộ.")
    engine = engine_for(services, server)
    server.stop()
    engine.run_once()
    state, message = sync_badge(services, uuid)
    assert state == "retry" and "Không kết nối được" in message
    status = sync_status(services)
    assert status.pending == 4 and status.online is False and status.has_pending
    assert status.last_error and status.last_success is None
    server.start()
    engine.run_once(manual=True)  # the test clock stands still: skip the backoff wait
    state, message = sync_badge(services, uuid)
    assert state == "synced" and "QN-" in message
    status = sync_status(services)
    assert status.pending == 0 and status.online is True and status.last_success is not None


def test_badge_shows_the_servers_message(services: Any, server: RefServer) -> None:
    codes = receive(services, 1)
    uuid = services.dossiers.detail(codes[0], by=system_actor()).uuid
    with services.db.write() as s:
        s.execute(
            update(OutboxEntry)
            .where(OutboxEntry.entity == "event")
            .values(state="rejected", last_error="Trạng thái không hợp lệ.")
        )
    assert sync_badge(services, uuid) == (
        "rejected",
        "Máy chủ tỉnh từ chối: Trạng thái không hợp lệ.",
    )
    assert sync_status(services).rejected == 1


def test_plain_http_warning(services: Any) -> None:
    from dataclasses import replace

    from counter_app.settings import SyncSettings

    services.settings = replace(
        services.settings, sync=SyncSettings(server_url="http://10.0.0.5:8765", token="t")
    )
    assert "không mã hóa" in sync_status(services).warning
    services.settings = replace(
        services.settings, sync=SyncSettings(server_url="http://127.0.0.1:8765", token="t")
    )
    assert sync_status(services).warning == ""
