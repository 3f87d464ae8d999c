"""One status-transition table and one "overdue" rule, obeyed by every service and report."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from counter_app.auth import system_actor
from counter_app.db.models import Dossier, OutboxEntry, Slip
from counter_app.domain import (
    OPEN_STATUSES,
    TRANSITIONS,
    DossierStatus,
    SlipKind,
    TransitionRefused,
    can_move,
    is_overdue,
)
from counter_app.dossiers import ResultNotReady
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.reports import Figure, Period, ReportService

S = DossierStatus


def receive(services: Any, n: int) -> list[str]:
    return [
        services.intake.receive(
            DossierDraft(
                procedure_code="2.000908",
                applicant=ApplicantDraft("Trần Thị Thuỷ", f"0221900{i:05d}"),
            ),
            clerk=system_actor(),
        ).code
        for i in range(n)
    ]


def force_state(services: Any, code: str, status: S, appointment: datetime) -> None:
    """Put a dossier where the back office would have moved it (test set-up only)."""
    with services.db.write() as s:
        s.execute(
            update(Dossier)
            .where(Dossier.code == code)
            .values(status=int(status), appointment_at=appointment)
        )


def test_overdue_is_open_and_past_the_appointment_everywhere(services: Any, clock: Any) -> None:
    codes = receive(services, len(S) - 1)
    past = clock.now - timedelta(days=2)
    statuses = [s for s in S if s is not S.REGISTERED]
    for code, status in zip(codes, statuses, strict=True):
        force_state(services, code, status, past)
    expected = {c for c, st in zip(codes, statuses, strict=True) if st in OPEN_STATUSES}
    assert {int(s) for s in OPEN_STATUSES} == {2, 4, 5, 6}
    # The dossier list, the report figure and its drill-down agree with the one rule.
    rows = services.dossiers.search("", limit=100, by=system_actor())
    assert {r.code for r in rows if r.is_overdue(clock.now)} == expected
    reports = ReportService.for_services(services)
    period = Period.day(clock.now.date())
    assert reports.report(period).overdue == len(expected) == 4
    assert set(reports.drill(Figure.OVERDUE, period, by=system_actor()).codes) == expected
    # Refused, withdrawn, stopped, ready and returned are never overdue.
    for status in (S.REFUSED, S.WITHDRAWN, S.STOPPED, S.RESULT_READY, S.RETURNED):
        assert not is_overdue(status, past, clock.now)
    assert not is_overdue(S.PROCESSING, clock.now + timedelta(minutes=1), clock.now)


def test_table_closes_finished_dossiers() -> None:
    for closed in (S.REFUSED, S.WITHDRAWN, S.STOPPED, S.RETURNED):
        assert TRANSITIONS[closed] == frozenset()
    assert can_move(S.RESULT_READY, S.RETURNED)
    assert not can_move(S.RETURNED, S.SUPPLEMENT_REQUESTED)
    assert can_move(S.PROCESSING, S.STOPPED)
    assert set(TRANSITIONS) == set(S)


def test_a_returned_dossier_cannot_be_asked_for_papers(services: Any, clock: Any) -> None:
    """On main the core moved a returned dossier to status 5; now nothing is written."""
    (code,) = receive(services, 1)
    force_state(services, code, S.RETURNED, clock.now)
    with services.db.read() as s:
        outbox_before = s.scalar(select(func.count()).select_from(OutboxEntry))
    with pytest.raises(TransitionRefused, match="«Đã trả kết quả»: không thể chuyển sang"):
        services.dossiers.request_supplement(
            code, by=system_actor(), paper_codes=["GDN"], reason="Thiếu"
        )
    with pytest.raises(TransitionRefused):
        services.dossiers.issue_slip(
            SlipKind.SUPPLEMENT,
            procedure_code="2.000908",
            applicant={"name": "Trần Thị Thuỷ"},
            items=["Tờ khai"],
            reason="Thiếu",
            clerk=system_actor(),
            dossier_code=code,
        )
    with services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Slip)) == 0
        assert s.scalar(select(func.count()).select_from(OutboxEntry)) == outbox_before
    assert services.dossiers.lookup(code, by=system_actor()).status is S.RETURNED


def test_stopped_is_final(services: Any) -> None:
    (code,) = receive(services, 1)
    row = services.dossiers.stop(code, by=system_actor(), reason="Theo đề nghị của người nộp")
    assert row.status is S.STOPPED
    with pytest.raises(TransitionRefused):
        services.dossiers.stop(code, by=system_actor(), reason="Lần nữa")
    with pytest.raises(ResultNotReady):
        services.dossiers.hand_back(code, clerk=system_actor(), force=True)
    with pytest.raises(ValueError, match="Lý do dừng giải quyết hồ sơ: không được để trống"):
        services.dossiers.stop(receive(services, 2)[1], by=system_actor(), reason="  ")
