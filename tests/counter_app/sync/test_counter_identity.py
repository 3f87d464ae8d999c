"""The counter's side of `GET /api/v1/counter` against the real reference server: the unit bound
to the token, and the high-water mark that keeps a replaced or restored PC from reusing codes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from counter_app.auth import system_actor
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.issuing import CounterIdentityError
from counter_app.settings import SyncSettings
from counter_app.sync.counter_info import fetch_counter_info
from counter_app.sync.transport import AuthError
from tests.conftest import make_services
from tests.counter_app.sync.harness import UNIT, RefServer, engine_for, receive


def _sync(server: RefServer, token: str) -> SyncSettings:
    return SyncSettings(server_url=server.url, token=token, connect_timeout_s=1, read_timeout_s=2)


def test_the_reference_server_answers_the_contract(services: Any, server: RefServer) -> None:
    engine = engine_for(services, server)
    receive(services, 3)
    assert engine.run_until_done(max_seconds=30).error == ""
    engine.close()
    info = fetch_counter_info(_sync(server, server.token))
    assert info.unit == UNIT and info.server_time is not None
    assert max(info.high_water.values()) == 3
    with pytest.raises(AuthError):
        fetch_counter_info(_sync(server, "not-a-token"))


def test_a_replaced_pc_continues_above_the_servers_high_water_mark(
    services: Any, server: RefServer, tmp_path: Path
) -> None:
    engine = engine_for(services, server)
    issued = receive(services, 4)
    assert engine.run_until_done(max_seconds=30).error == ""
    engine.close()
    # A new PC (no database, no ledger) set up as counter 1 with the same token.
    fresh = make_services(f"sqlite:///{tmp_path / 'new-pc.sqlite3'}", services.clock)
    try:
        fresh.settings = replace(fresh.settings, sync=_sync(server, server.token))
        report = fresh.start()
        # The day's code counter and the month's register book.
        assert report.server_unit == UNIT and report.sequences_raised == 2
        code = receive(fresh, 1, start=50)[0]
        assert code not in issued and code.endswith("-0005")
    finally:
        fresh.close()


def test_a_pc_claiming_a_unit_its_token_is_not_bound_to_issues_nothing(
    services: Any, server: RefServer, tmp_path: Path
) -> None:
    token_q02 = server.store.create_token("Quầy 2", UNIT.replace(".Q01", ".Q02"))
    # The second PC was left at counter 1 (the unit the first PC holds) but has counter 2's token.
    second = make_services(f"sqlite:///{tmp_path / 'pc2.sqlite3'}", services.clock)
    try:
        second.settings = replace(second.settings, sync=_sync(server, token_q02))
        second.start()
        with pytest.raises(CounterIdentityError) as caught:
            receive(second, 1)
        assert ".Q02" in str(caught.value)
        with second.db.read() as s:
            from sqlalchemy import func, select

            from counter_app.db.models import Dossier

            assert s.scalar(select(func.count()).select_from(Dossier)) == 0
    finally:
        second.close()
    # The first PC, whose token is bound to its unit, carries on.
    services.settings = replace(services.settings, sync=_sync(server, server.token))
    services.start()
    assert receive(services, 1)[0].startswith(UNIT)


def test_restore_names_the_dossiers_after_the_backup_and_rebuild_brings_them_back(
    services: Any, server: RefServer, tmp_path: Path
) -> None:
    from counter_app.backup import create_backup, restore_backup

    engine = engine_for(services, server)
    receive(services, 2)
    assert engine.run_until_done(max_seconds=30).error == ""
    backup = create_backup(services.db, backup_dir=tmp_path / "bk", by=system_actor())
    later = receive(services, 3, start=10)
    assert engine.run_until_done(max_seconds=30).error == ""
    engine.close()

    result = restore_backup(
        services, backup, by=system_actor()
    )  # everything was synced: no --force needed
    assert [d.code for d in result.lost] == later and all(d.synced for d in result.lost)
    assert all(services.dossiers.lookup(c, by=system_actor()) is None for c in later)
    engine = engine_for(services, server)
    engine.rebuild(services.intake.unit_identifier())
    engine.close()
    assert all(services.dossiers.lookup(c, by=system_actor()) is not None for c in later)
    assert receive(services, 1, start=20)[0].endswith("-0006")


def test_restore_command_brings_synced_dossiers_back_from_the_server(
    services: Any,
    server: RefServer,
    tmp_path: Path,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from counter_app.backup import create_backup
    from counter_app.cli import main

    engine = engine_for(services, server)
    receive(services, 2)
    engine.run_until_done(max_seconds=30)
    backup = create_backup(services.db, backup_dir=tmp_path / "bk", by=system_actor())
    later = receive(services, 3, start=10)
    assert engine.run_until_done(max_seconds=30).error == ""
    engine.close()
    services.close()
    monkeypatch.setenv("COUNTER_APP_SERVER_URL", server.url)
    monkeypatch.setenv("COUNTER_APP_SERVER_TOKEN", server.token)
    assert main(["--db", sqlite_url, "restore", str(backup), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["code"] for d in data["issued_after_backup"]] == later
    assert data["brought_back"] == 3 and data["next_step"] is None
    reopened = make_services(sqlite_url, services.clock)
    try:
        assert all(reopened.dossiers.lookup(c, by=system_actor()) is not None for c in later)
    finally:
        reopened.close()


def test_a_replaced_pc_continues_the_register_book_above_the_server(
    services: Any, server: RefServer, tmp_path: Path
) -> None:
    # Two days of one month: the register book holds 1–4 although each day's codes restart.
    services.clock.now = datetime(2026, 11, 26, 9, 0)
    receive(services, 2)
    services.clock.now = datetime(2026, 11, 27, 9, 0)
    receive(services, 2, start=10)
    engine = engine_for(services, server)
    assert engine.run_until_done(max_seconds=30).error == ""
    engine.close()
    info = fetch_counter_info(_sync(server, server.token))
    assert info.register_high_water == {date(2026, 11, 1): 4}
    # A new PC (no database, no ledger, no rebuild) with the same token.
    fresh = make_services(f"sqlite:///{tmp_path / 'new-pc.sqlite3'}", services.clock)
    try:
        fresh.settings = replace(fresh.settings, sync=_sync(server, server.token))
        fresh.start()
        draft = DossierDraft(
            procedure_code="2.000908",
            applicant=ApplicantDraft(name="Lê Văn Nam", id_number="022090009999"),
        )
        received = fresh.intake.receive(draft, clerk=system_actor())
        assert received.code.endswith("-0003") and received.register_no == 5
    finally:
        fresh.close()
