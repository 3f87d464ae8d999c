"""Whether each paper was required travels with the dossier to a real server on 127.0.0.1 and
comes back on a PC rebuilt from it (`sync --rebuild`), so a rebuilt counter shows the same words;
a dossier pushed before the flag existed gets it by the rule migration 0013 applies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from counter_app.auth import system_actor
from counter_app.db.models import OutboxEntry, ProcedurePaper
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.outbox import content_hash
from tests.counter_app.sync.harness import RefServer, engine_for, start_server, uuid_of

ACTOR = system_actor()


@pytest.fixture
def server(services: Any, tmp_path: Path) -> Iterator[RefServer]:
    ref = start_server(
        f"sqlite:///{tmp_path / 'server.sqlite3'}", unit=services.intake.unit_identifier()
    )
    yield ref
    ref.stop()
    ref.store.close()


def _receive(services: Any, id_number: str, papers: list[str], reason: str) -> str:
    # Đăng ký khai sinh in the small catalog: TK and GCS required, UQ optional.
    draft = DossierDraft(
        "1.001193",
        ApplicantDraft("Trần Thị Thuỷ", id_number),
        papers=papers,
        paper_counts={"TK": {"pages": 2}},
        missing_reason=reason,
    )
    return str(services.intake.receive(draft, clerk=ACTOR).code)


def _shown(services: Any, code: str) -> list[tuple[str, bool, bool, int, str]]:
    detail = services.dossiers.detail(code, by=ACTOR)
    return [(p.code, p.submitted, p.required, p.pages, p.handed_in_label) for p in detail.papers]


def _sync(services: Any, server: RefServer) -> None:
    engine = engine_for(services, server)
    report = engine.run_until_done(max_seconds=30)
    engine.close()
    assert report.error == ""


def _fresh(services: Any, tmp_path: Path, monkeypatch: Any) -> Any:
    """A replacement PC: empty database, the small catalog."""
    from tests.conftest import choose_counter, make_services

    home = tmp_path / "replacement-home"
    choose_counter(home)
    monkeypatch.setenv("COUNTER_APP_HOME", str(home))
    return make_services(f"sqlite:///{tmp_path / 'replacement.sqlite3'}", services.clock)


def _rebuild(fresh: Any, server: RefServer) -> None:
    engine = engine_for(fresh, server)
    engine.rebuild(fresh.intake.unit_identifier())
    engine.close()


def test_required_flags_reach_the_server_and_come_back_on_rebuild(
    services: Any, server: RefServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = _receive(services, "022190012345", ["TK"], "Giấy chứng sinh nộp sau")
    here = _shown(services, code)
    assert here == [
        ("TK", True, True, 2, "Có"),
        ("GCS", False, True, 0, "Thiếu"),
        ("UQ", False, False, 0, "Không nộp (không bắt buộc)"),
    ]
    _sync(services, server)
    record = server.store.record("dossier", uuid_of(services, code), 1)
    assert record is not None
    assert [(p["code"], p["required"]) for p in record["papers"]] == [
        ("TK", True),
        ("GCS", True),
        ("UQ", False),
    ]
    fresh = _fresh(services, tmp_path, monkeypatch)
    try:
        _rebuild(fresh, server)
        assert _shown(fresh, code) == here
    finally:
        fresh.close()


def test_a_dossier_pushed_before_the_flag_gets_it_by_the_intake_rule(
    services: Any, server: RefServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_reason = _receive(services, "022190012345", ["TK"], "Giấy chứng sinh nộp sau")
    without = _receive(services, "022190012346", ["TK", "GCS"], "")
    # As an outbox row written before this change: no "required" in its papers.
    with services.db.write() as s:
        for row in s.scalars(select(OutboxEntry).where(OutboxEntry.entity == "dossier")):
            payload = dict(row.payload)
            payload["papers"] = [
                {k: v for k, v in p.items() if k != "required"} for p in payload["papers"]
            ]
            row.payload, row.content_hash = payload, content_hash(payload)
    _sync(services, server)
    record = server.store.record("dossier", uuid_of(services, without), 1)
    assert record is not None and all("required" not in p for p in record["papers"])
    # The replacement PC's catalog has since made UQ required. For the dossier with a
    # missing-papers reason nothing better is known than that catalog; the one without a reason
    # had nothing required missing at intake (intake's rule), so its UQ was optional.
    fresh = _fresh(services, tmp_path, monkeypatch)
    try:
        with fresh.db.write() as s:
            s.execute(
                update(ProcedurePaper).where(ProcedurePaper.code == "UQ").values(required=True)
            )
        _rebuild(fresh, server)
        assert [(c, r, label) for c, _, r, _, label in _shown(fresh, with_reason)] == [
            ("TK", True, "Có"),
            ("GCS", True, "Thiếu"),
            ("UQ", True, "Thiếu"),
        ]
        assert [(c, r, label) for c, _, r, _, label in _shown(fresh, without)] == [
            ("TK", True, "Có"),
            ("GCS", True, "Có"),
            ("UQ", False, "Không nộp (không bắt buộc)"),
        ]
    finally:
        fresh.close()
