"""Finding dossiers and moving them on: search without diacritics, hand-back, slips."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from counter_app.auth import system_actor
from counter_app.db.models import DossierEvent, OutboxEntry, Slip
from counter_app.domain import DossierStatus, Role, SlipKind
from counter_app.dossiers import ResultNotReady, extract_code
from counter_app.intake import ApplicantDraft, DossierDraft
from tests.conftest import make_services

PEOPLE = [
    ("Nguyễn Văn Đức", "022090001234"),
    ("Trần Thị Thuỷ", "022190001235"),
    ("Lê Thuý Hằng", "001195001236"),
    ("Đặng Đình Đông", "031085001237"),
    ("Nguyễn Thị Duyên", "022195001238"),
]

# Who the tests act as: the command line's system actor (an admin).
ACTOR = system_actor()


def receive_all(services) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        services.intake.receive(
            DossierDraft(procedure_code="2.000908", applicant=ApplicantDraft(name, idn)),
            clerk=ACTOR,
        ).code
        for name, idn in PEOPLE
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nguyen van duc", {"Nguyễn Văn Đức"}),
        ("NGUYEN", {"Nguyễn Văn Đức", "Nguyễn Thị Duyên"}),
        ("thuy", {"Trần Thị Thuỷ", "Lê Thuý Hằng"}),
        ("Thuỷ", {"Trần Thị Thuỷ", "Lê Thuý Hằng"}),
        ("dang dinh dong", {"Đặng Đình Đông"}),
        ("đặng", {"Đặng Đình Đông"}),
        ("ngu d", {"Nguyễn Văn Đức", "Nguyễn Thị Duyên"}),
        ("031085001237", {"Đặng Đình Đông"}),
        ('"; DROP TABLE dossier; --', set()),
        ("zzz", set()),
    ],
)
def test_search_ignores_diacritics(services, query: str, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    receive_all(services)
    assert {r.applicant_name for r in services.dossiers.search(query, by=ACTOR)} == expected


def test_search_by_scanned_code_and_newest_first(services) -> None:  # type: ignore[no-untyped-def]
    codes = receive_all(services)
    rows = services.dossiers.search(f"https://tra-cuu.example/{codes[2]}", by=ACTOR)
    assert [r.code for r in rows] == [codes[2]]
    assert [r.code for r in services.dossiers.search("", by=ACTOR)] == list(reversed(codes))
    assert len(services.dossiers.search("nguyen", limit=1, by=ACTOR)) == 1


def test_search_filters_by_day_and_status(services, clock) -> None:  # type: ignore[no-untyped-def]
    receive_all(services)
    assert len(services.dossiers.list_day(date(2026, 11, 27), by=ACTOR)) == 5
    assert services.dossiers.list_day(date(2026, 11, 26), by=ACTOR) == []
    assert services.dossiers.search("nguyen", statuses=[DossierStatus.RESULT_READY], by=ACTOR) == []
    assert len(services.dossiers.search("nguyen", day_from=date(2026, 11, 27), by=ACTOR)) == 2


@pytest.mark.postgres
def test_search_on_postgres(pg_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    services = make_services(pg_url, clock)
    try:
        receive_all(services)
        found = {r.applicant_name for r in services.dossiers.search("dang dinh", by=ACTOR)}
        assert found == {"Đặng Đình Đông"}
        assert {r.applicant_name for r in services.dossiers.search("thuy", by=ACTOR)} == {
            "Trần Thị Thuỷ",
            "Lê Thuý Hằng",
        }
    finally:
        services.close()


def test_extract_code() -> None:
    code = "000.00.00.H49-261127-0001"
    assert extract_code(code) == code
    assert extract_code(f"  {code.lower()}\r\n") == code
    assert extract_code(f"https://dvc.example.gov.vn/tra-cuu/{code}") == code
    assert extract_code("000.00.00.H49-2611") is None
    assert extract_code("x" * 10_000) is None
    assert extract_code("") is None


def test_hand_back_needs_a_ready_result(services, clock) -> None:  # type: ignore[no-untyped-def]
    clerk = services.auth.create_user("an", "Lê An", "matkhau123", Role.CLERK, by=ACTOR)
    code = receive_all(services)[0]
    with pytest.raises(ResultNotReady, match="Được tiếp nhận"):
        services.dossiers.hand_back(code, clerk=clerk)
    # The back office marks it ready (through sync in real life; directly here).
    with services.db.write() as s:
        from counter_app.db.models import Dossier

        d = s.scalar(select(Dossier).where(Dossier.code == code))
        assert d is not None
        d.status = int(DossierStatus.RESULT_READY)
    clock.now = datetime(2026, 12, 3, 10, 15)
    row = services.dossiers.hand_back(code, clerk=clerk)
    assert row.status is DossierStatus.RETURNED
    detail = services.dossiers.detail(code, by=ACTOR)
    assert detail is not None
    assert detail.handed_back_at == datetime(2026, 12, 3, 10, 15)
    assert detail.events[-1].status is DossierStatus.RETURNED
    assert detail.events[-1].actor == "Lê An"
    with pytest.raises(ResultNotReady, match="đã trả kết quả"):
        services.dossiers.hand_back(code, clerk=clerk)
    with services.db.read() as s:
        versions = s.scalars(
            select(OutboxEntry.version)
            .where(OutboxEntry.entity == "dossier")
            .where(OutboxEntry.entity_uuid == detail.uuid)
        ).all()
        assert sorted(versions) == [1, 2]


def test_forced_hand_back_and_public_view(services) -> None:  # type: ignore[no-untyped-def]
    clerk = services.auth.create_user("an", "Lê An", "matkhau123", Role.CLERK, by=ACTOR)
    code = receive_all(services)[0]
    services.dossiers.hand_back(code, clerk=clerk, force=True, note="Công dân cần gấp")
    public = services.dossiers.public(code)
    assert public is not None
    assert public.masked_name == "Nguyễn V** Đ**"
    assert public.status is DossierStatus.RETURNED
    assert "022090001234" not in str(public.to_json())
    assert services.dossiers.public("rác rưởi") is None


def test_supplement_slip_before_intake(services) -> None:  # type: ignore[no-untyped-def]
    record = services.dossiers.issue_slip(
        SlipKind.SUPPLEMENT,
        procedure_code="2.000908",
        applicant={"name": "Nguyễn Văn Đức", "id_number": "022090001234"},
        items=["Bản sao giấy tờ pháp lý của cá nhân"],
        reason="Thiếu bản sao CCCD",
        clerk=ACTOR,
    )
    assert record.kind is SlipKind.SUPPLEMENT
    with services.db.read() as s:
        assert s.scalar(select(func.count(Slip.id))) == 1
        assert s.scalar(select(func.count(OutboxEntry.id)).where(OutboxEntry.entity == "slip")) == 1
    with pytest.raises(ValueError, match="ít nhất một giấy tờ"):
        services.dossiers.issue_slip(
            SlipKind.SUPPLEMENT,
            procedure_code="2.000908",
            applicant={"name": "A B"},
            items=[],
            reason="",
            clerk=ACTOR,
        )


def test_supplement_slip_for_a_received_dossier_moves_status(services) -> None:  # type: ignore[no-untyped-def]
    code = receive_all(services)[0]
    services.dossiers.issue_slip(
        SlipKind.SUPPLEMENT,
        procedure_code="2.000908",
        applicant={"name": "Nguyễn Văn Đức"},
        items=["Giấy đề nghị đăng ký hộ kinh doanh (bản ký lại)"],
        reason="",
        clerk=ACTOR,
        dossier_code=code,
    )
    row = services.dossiers.lookup(code, by=ACTOR)
    assert row is not None and row.status is DossierStatus.SUPPLEMENT_REQUESTED
    with services.db.read() as s:
        assert s.scalar(select(func.count(DossierEvent.id))) == len(PEOPLE) + 1
