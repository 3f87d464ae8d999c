"""The window's start runs the search index upkeep (the daily task beside the backup) on its own
thread: a fragmented FTS index is merged while the login is shown, and the log says so."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import text

from counter_app.auth import system_actor
from counter_app.domain import Role
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.search import fts_segments
from tests.ui.conftest import settle


def _segments(services: Any) -> int | None:
    fairy = services.db.engine.raw_connection()
    try:
        return fts_segments(fairy.driver_connection)
    finally:
        fairy.close()


def test_start_merges_a_fragmented_search_index(
    qtbot: Any, services: Any, ops: Any, caplog: Any
) -> None:
    from ui.app import AppController

    services.auth.create_user("admin", "Quản Trị", "matkhau123", Role.ADMIN, by=system_actor())
    with services.db.engine.begin() as conn:
        conn.execute(text("INSERT INTO dossier_fts(dossier_fts, rank) VALUES ('automerge', 0)"))
    for i, name in enumerate(["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"]):
        draft = DossierDraft("2.000908", ApplicantDraft(name, f"0221900{i:05d}"))
        services.intake.receive(draft, clerk=system_actor())
    assert (_segments(services) or 0) >= 4
    caplog.set_level(logging.INFO, logger="counter_app.search")
    controller = AppController(services, ops)
    with qtbot.waitSignal(controller.login_shown, timeout=10_000) as shown:
        controller.start()
    qtbot.addWidget(shown.args[0])
    settle(qtbot, ops)
    qtbot.waitUntil(
        lambda: any(
            "search index upkeep (sqlite, dossier_word_pairs)" in r.getMessage()
            for r in caplog.records
        ),
        timeout=30_000,
    )
    assert _segments(services) == 1
    found = services.dossiers.search("tran binh", by=system_actor())
    assert [r.applicant_name for r in found] == ["Trần Thị Bình"]
    shown.args[0].close()
