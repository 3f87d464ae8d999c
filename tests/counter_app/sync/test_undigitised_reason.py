"""The reason a walk-in dossier's must-digitise papers came without a scan travels with the
dossier to a real server on 127.0.0.1, is kept there, comes back on a rebuilt PC, and is cleared
on the server once the last missing scan is attached."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from counter_app.server.files import ServerFiles
from counter_app.server.validate import Invalid, check_payload
from tests.counter_app.sync.harness import RefServer, engine_for, start_server, uuid_of
from tests.counter_app.test_intake_files import CLERK, draft, land, pdf_bytes, stage_all

__all__ = ["land"]  # the fixture, re-used

REASON = "Máy quét hỏng, quét bổ sung chiều nay"


@pytest.fixture
def server(land: Any, tmp_path: Path) -> Iterator[RefServer]:
    ref = start_server(
        f"sqlite:///{tmp_path / 'server.sqlite3'}",
        unit=land.intake.unit_identifier(),
        files=ServerFiles(tmp_path / "server-files"),
    )
    yield ref
    ref.stop()
    ref.store.close()


def _sync(services: Any, server: RefServer) -> None:
    engine = engine_for(services, server)
    report = engine.run_until_done(max_seconds=30)
    engine.close()
    assert report.error == ""


def test_the_reason_reaches_the_server_returns_on_rebuild_and_clears_after_the_scan(
    land: Any, server: RefServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import choose_counter, make_services

    staged = stage_all(land)[:2]  # DDK and HD scanned, GCN handed in on paper only
    code = land.intake.receive(draft(files=staged, undigitised_reason=REASON), clerk=CLERK).code
    _sync(land, server)
    stored = server.store.dossier(code)
    assert stored is not None and stored["undigitised_reason"] == REASON
    uuid = uuid_of(land, code)
    assert server.store.record("dossier", uuid, 1)["undigitised_reason"] == REASON

    # A replacement PC rebuilt from the server gets the reason back: the supervisor's list holds.
    home = tmp_path / "replacement-home"
    choose_counter(home)
    monkeypatch.setenv("COUNTER_APP_HOME", str(home))
    fresh = make_services(f"sqlite:///{tmp_path / 'replacement.sqlite3'}", land.clock)
    try:
        fresh.catalog.load_file()
        rebuilt = engine_for(fresh, server)
        rebuilt.rebuild(fresh.intake.unit_identifier())
        rebuilt.close()
        (todo,) = fresh.attachments.undigitised(by=CLERK)
        assert (todo.code, todo.reason, [c for c, _ in todo.papers]) == (code, REASON, ["GCN"])
    finally:
        fresh.close()

    # The missing scan comes in: the reason is cleared here and, after the next sync, there.
    gcn = pdf_bytes(1, "GCN")
    land.attachments.attach_checked(
        code, "GCN", [(land.attachments.check(gcn, "gcn.pdf", "GCN"), gcn)], by=CLERK
    )
    assert land.attachments.undigitised(by=CLERK) == []
    _sync(land, server)
    stored = server.store.dossier(code)
    assert stored is not None and stored["undigitised_reason"] == "" and stored["version"] == 2
    assert server.store.record("dossier", uuid, 2)["undigitised_reason"] == ""


def test_a_partial_scan_keeps_the_reason_and_sends_nothing_new(
    land: Any, server: RefServer
) -> None:
    staged = stage_all(land)[:1]  # HD and GCN missing
    code = land.intake.receive(draft(files=staged, undigitised_reason=REASON), clerk=CLERK).code
    hd = pdf_bytes(1, "HD")
    land.attachments.attach_checked(
        code, "HD", [(land.attachments.check(hd, "hd.pdf", "HD"), hd)], by=CLERK
    )
    _sync(land, server)
    stored = server.store.dossier(code)
    assert stored is not None and stored["undigitised_reason"] == REASON
    assert stored["version"] == 1


def test_the_server_limits_the_reasons_length_naming_the_field() -> None:
    check_payload({"undigitised_reason": "x" * 1000})
    with pytest.raises(Invalid) as caught:
        check_payload({"undigitised_reason": "x" * 1001})
    assert "undigitised_reason" in str(caught.value) and "1000" in str(caught.value)
