"""A replaced PC rebuilt from the real server equals the original: dossiers, events, slips,
ratings, statuses and the code sequence; and its next dossier gets the next number."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from counter_app.auth import system_actor
from counter_app.db.migrate import backup_sqlite
from counter_app.db.models import CodeSequence, Dossier, DossierEvent, OutboxEntry, Rating, Slip
from counter_app.domain import Role, SlipKind
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.ratings import RatingService
from counter_app.sync.rebuild import RebuildError
from tests.conftest import make_services
from tests.counter_app.sync.harness import RefServer, engine_for, receive

ROOT = Path(__file__).resolve().parents[3]


def _history(services: Any) -> dict[str, Any]:
    """Everything that must come back, keyed by uuid (local ids differ on a rebuilt PC)."""
    with services.db.read() as s:
        dossiers = {
            d.uuid: (
                d.code, d.status, d.version, d.applicant_name, d.appointment_at, d.notes,
                d.provincial_ref, d.procedure.code, [(p.code, p.submitted) for p in d.papers],
                d.handed_back_at,
            )
            for d in s.scalars(select(Dossier))
        }  # fmt: skip
        events = {
            e.uuid: (e.dossier.uuid, e.status, e.at, e.actor, e.note, e.source)
            for e in s.scalars(select(DossierEvent))
        }
        slips = {x.uuid: (x.kind, x.reason, list(x.items)) for x in s.scalars(select(Slip))}
        ratings = {r.uuid: (r.score, r.comment) for r in s.scalars(select(Rating))}
        sequence = {
            (c.unit_identifier, c.day): c.last_value for c in s.scalars(select(CodeSequence))
        }
    return {
        "dossiers": dossiers,
        "events": events,
        "slips": slips,
        "ratings": ratings,
        "sequence": sequence,
    }


def _original(services: Any, server: RefServer) -> list[str]:
    clerk = services.auth.create_user(
        "lan", "Phạm Thị Lan", "matkhau123", Role.CLERK, by=system_actor()
    )
    codes = receive(services, 6)
    services.dossiers.issue_slip(
        SlipKind.SUPPLEMENT,
        procedure_code="2.000908",
        applicant={"name": "Trần Thị Thuỷ", "id_number": "022190000001"},
        items=["Bản sao giấy khai sinh"],
        reason="Thiếu bản sao",
        clerk=clerk,
        dossier_code=codes[1],
    )
    engine = engine_for(services, server)
    assert engine.run_until_done(max_seconds=30).error == ""
    server.store.advance(codes[0], 9, "Đã có kết quả", actor="os:xuly")
    server.store.advance(codes[2], 4, actor="os:xuly")
    engine.run_until_done(max_seconds=30)
    services.dossiers.hand_back(codes[0], clerk=clerk, note="Đã trả")
    RatingService(services.db, clock=services.clock).rate(codes[0], 3, "Rất tốt")
    assert engine.run_until_done(max_seconds=30).error == ""
    engine.close()
    return codes


def test_rebuild_equals_the_original(services: Any, server: RefServer, tmp_path: Path) -> None:
    codes = _original(services, server)
    before = _history(services)
    assert len(before["events"]) >= 10 and before["ratings"] and before["slips"]
    fresh = make_services(f"sqlite:///{tmp_path / 'replacement.sqlite3'}", services.clock)
    try:
        engine = engine_for(fresh, server)
        report = engine.rebuild(fresh.intake.unit_identifier())
        assert (report.dossiers, report.slips, report.ratings) == (6, 1, 1)
        after = _history(fresh)
        for key in ("dossiers", "events", "slips", "ratings", "sequence"):
            assert after[key] == before[key], key
        # Nothing is sent again, and the rebuilt PC carries on: next number, next version.
        with fresh.db.read() as s:
            states = set(s.scalars(select(OutboxEntry.state)))
        assert states == {"synced"}
        assert engine.run_once().pushed == 0
        draft = DossierDraft(
            procedure_code="2.000908",
            applicant=ApplicantDraft(name="Lê Văn Nam", id_number="022090009999"),
        )
        assert fresh.intake.receive(draft, clerk=system_actor()).code.endswith("-0007")
        fresh.dossiers.hand_back(codes[3], clerk=system_actor(), force=True)
        assert engine.run_until_done(max_seconds=30).error == ""
        assert server.store.dossier(codes[3])["status"] == 10  # type: ignore[index]
        assert server.store.stats()["dossiers"] == 7
        # Running it again brings nothing twice.
        again = engine.rebuild(fresh.intake.unit_identifier())
        assert (again.dossiers, again.events, again.slips, again.ratings) == (0, 0, 0, 0)
        engine.close()
    finally:
        fresh.close()


def test_rebuild_of_a_restored_backup_fills_what_it_missed(
    services: Any, server: RefServer, tmp_path: Path
) -> None:
    engine = engine_for(services, server)
    receive(services, 2)
    engine.run_until_done(max_seconds=30)
    backup = backup_sqlite(services.db, tmp_path / "bk")
    codes = receive(services, 3, start=2)
    engine.run_until_done(max_seconds=30)
    server.store.advance(codes[0], 9)
    engine.run_until_done(max_seconds=30)
    engine.close()
    restored = make_services(f"sqlite:///{backup}", services.clock)
    try:
        engine = engine_for(restored, server)
        report = engine.rebuild(restored.intake.unit_identifier())
        assert report.dossiers == 3
        assert _history(restored) == _history(services)
        engine.close()
    finally:
        restored.close()


def test_rebuild_refuses_a_token_of_another_unit(
    services: Any, server: RefServer, tmp_path: Path
) -> None:
    other = make_services(f"sqlite:///{tmp_path / 'q5.sqlite3'}", services.clock, counter_no=5)
    try:
        engine = engine_for(other, server)
        with pytest.raises(RebuildError, match=r"000\.00\.00\.H49\.Q05"):
            engine.rebuild(other.intake.unit_identifier())
        engine.close()
    finally:
        other.close()


def test_cli_rebuild(services: Any, server: RefServer, tmp_path: Path) -> None:
    receive(services, 3)
    engine_for(services, server).run_until_done(max_seconds=30)
    home = tmp_path / "newpc"
    env = {
        **os.environ,
        "COUNTER_APP_HOME": str(home),
        "COUNTER_APP_SERVER_URL": server.url,
        "COUNTER_APP_SERVER_TOKEN": server.token,
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "counter_app", *args],
            env=env, cwd=ROOT, check=False, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    assert cli("init", "--counter", "1").returncode == 0
    done = cli("sync", "--rebuild", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    day = services.clock().date().isoformat()
    assert report["dossiers"] == 3 and report["sequence"] == {day: 3}
    assert report["unit"] == "000.00.00.H49.Q01"
