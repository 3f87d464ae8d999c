"""The intake service: validation, codes, appointment, and the single transaction."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from counter_app.auth import system_actor
from counter_app.db.models import (
    AuditEntry,
    CodeSequence,
    Dossier,
    DossierEvent,
    DossierPaper,
    OutboxEntry,
)
from counter_app.domain import ApplicantKind, DossierStatus
from counter_app.intake import ApplicantDraft, DossierDraft, ValidationError, format_code

GOOD = ApplicantDraft(name="nguyễn văn  đức", id_number="022090001234", phone="+84 912 345 678")

# Who the tests act as: the command line's system actor (an admin).
ACTOR = system_actor()


def draft(**changes: object) -> DossierDraft:
    base = DossierDraft(procedure_code="2.000908", applicant=GOOD)
    from dataclasses import replace

    return replace(base, **changes)  # type: ignore[arg-type]


def counts(services) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with services.db.read() as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
            for m in (Dossier, DossierPaper, DossierEvent, AuditEntry, OutboxEntry, CodeSequence)
        }


def test_receive_writes_everything_in_one_go(services) -> None:  # type: ignore[no-untyped-def]
    result = services.intake.receive(draft(), clerk=ACTOR)
    assert result.code == "000.00.00.H49.Q01-261127-0001"
    assert result.status is DossierStatus.RECEIVED
    assert counts(services) == {
        "dossier": 1,
        "dossier_paper": 2,
        "dossier_event": 1,
        "audit_log": 1,
        "outbox": 2,  # the dossier and its first status event
        "code_sequence": 2,  # the day's code counter and the month's register book
    }
    with services.db.read() as s:
        d = s.scalar(select(Dossier))
        assert d is not None
        assert d.applicant_name == "Nguyễn Văn Đức"
        assert d.applicant_snapshot["phone"] == "0912345678"
        assert (
            d.search_text == "nguyen van duc 022090001234 000.00.00.h49.q01-261127-0001 0912345678"
        )
        assert d.fee == 100000
        outbox = s.scalars(select(OutboxEntry).order_by(OutboxEntry.id)).all()
        assert [o.entity for o in outbox] == ["dossier", "event"]
        assert outbox[0].payload["code"] == result.code
        assert all(o.state == "pending" for o in outbox)


def test_codes_follow_each_other_per_day(services, clock) -> None:  # type: ignore[no-untyped-def]
    codes = [services.intake.receive(draft(), clerk=ACTOR).code for _ in range(3)]
    assert [c[-4:] for c in codes] == ["0001", "0002", "0003"]
    clock.now = datetime(2026, 11, 30, 8, 0)
    assert services.intake.receive(draft(), clerk=ACTOR).code.endswith("-261130-0001")


def test_code_format() -> None:
    assert format_code("000.00.00.H49", datetime(2026, 11, 27).date(), 7) == (
        "000.00.00.H49-261127-0007"
    )


def test_rejected_draft_writes_nothing_and_consumes_no_code(services) -> None:  # type: ignore[no-untyped-def]
    before = counts(services)
    bad = draft(applicant=ApplicantDraft(name="A1", id_number="123", phone="12345"))
    with pytest.raises(ValidationError) as info:
        services.intake.receive(bad, clerk=ACTOR)
    assert set(info.value.fields) == {
        "applicant.name",
        "applicant.id_number",
        "applicant.phone",
    }
    for error in info.value.errors:
        assert error.message.split(":")[0] in {
            "Họ và tên người nộp",
            "Số giấy tờ tùy thân",
            "Số điện thoại",
        }
    assert counts(services) == before
    assert services.intake.receive(draft(), clerk=ACTOR).code.endswith("-0001")


def test_every_error_is_vietnamese_and_names_the_field(services) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as info:
        services.intake.receive(
            draft(procedure_code="9.999999", applicant=ApplicantDraft("", "")), clerk=ACTOR
        )
    messages = str(info.value)
    assert "Thủ tục hành chính: " in messages
    assert "Họ và tên người nộp: " in messages
    assert "Số giấy tờ tùy thân: " in messages
    assert unicodedata.is_normalized("NFC", messages)


def test_missing_required_papers_need_a_reason(services) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as info:
        services.intake.receive(draft(papers=["GDN"]), clerk=ACTOR)
    assert info.value.fields == ("papers",)
    assert "Bản sao giấy tờ pháp lý của cá nhân" in str(info.value)
    result = services.intake.receive(
        draft(papers=["GDN"], missing_reason="Nộp bổ sung sau"), clerk=ACTOR
    )
    detail = services.dossiers.detail(result.code, by=ACTOR)
    assert detail is not None
    assert [(p.code, p.submitted) for p in detail.papers] == [("GDN", True), ("CCCD", False)]


def test_unknown_paper_code_is_named(services) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="XYZ"):
        services.intake.receive(draft(papers=["GDN", "CCCD", "XYZ"]), clerk=ACTOR)


def test_future_receipt_time_is_refused(services, clock) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as info:
        services.intake.receive(draft(received_at=datetime(2026, 11, 28, 9, 0)), clerk=ACTOR)
    assert info.value.fields == ("received_at",)


def test_appointment_uses_the_procedure_time(services) -> None:  # type: ignore[no-untyped-def]
    # Friday 09:00 + 3 working days -> Wednesday 09:00.
    result = services.intake.receive(draft(), clerk=ACTOR)
    assert result.appointment == datetime(2026, 12, 2, 9, 0)
    # Certified copy, 4 working hours from 09:00 Friday: 07:30–11:30 gives 2.5 h, 13:30 + 1.5 h.
    hours = services.intake.receive(
        draft(procedure_code="2.000815", papers="all", applicant=GOOD), clerk=ACTOR
    )
    assert hours.appointment == datetime(2026, 11, 27, 15, 0)


def test_organisation_applicant(services) -> None:  # type: ignore[no-untyped-def]
    org = ApplicantDraft(
        name="Công ty TNHH Hạ Long Xanh",
        id_number="5701234567",
        kind=ApplicantKind.ENTERPRISE,
    )
    result = services.intake.receive(draft(applicant=org), clerk=ACTOR)
    assert result.applicant_name == "Công ty TNHH Hạ Long Xanh"


def test_applicant_is_one_row_per_id_number(services) -> None:  # type: ignore[no-untyped-def]
    services.intake.receive(draft(), clerk=ACTOR)
    moved = ApplicantDraft(name="Nguyễn Văn Đức", id_number="022090001234", address="Hạ Long")
    services.intake.receive(draft(applicant=moved), clerk=ACTOR)
    from counter_app.db.models import Applicant

    with services.db.read() as s:
        rows = s.scalars(select(Applicant)).all()
        assert len(rows) == 1
        assert rows[0].address == "Hạ Long"
        assert rows[0].phone == "0912345678"  # kept from the first visit


def test_clerk_permission_is_checked(services) -> None:  # type: ignore[no-untyped-def]
    from counter_app.auth import UserInfo
    from counter_app.domain import Role

    clerk = UserInfo(1, "an", "Lê An", Role.CLERK)
    assert clerk.can(__import__("counter_app.domain").domain.Permission.RECEIVE)
    # No such user row: the foreign key would fail, so create the account properly.
    real = services.auth.create_user("an", "Lê An", "matkhau123", Role.CLERK, by=ACTOR)
    result = services.intake.receive(draft(), clerk=real)
    detail = services.dossiers.detail(result.code, by=ACTOR)
    assert detail is not None and detail.row.clerk_name == "Lê An"
    assert detail.events[0].actor == "Lê An"
    assert clerk.username == "an"


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    name=st.text(max_size=300),
    id_number=st.text(max_size=40),
    phone=st.text(max_size=30),
    address=st.text(max_size=600),
    email=st.text(max_size=60),
    birth=st.text(max_size=12),
)
def test_validation_never_crashes(services, name, id_number, phone, address, email, birth) -> None:  # type: ignore[no-untyped-def]
    applicant = ApplicantDraft(
        name=name, id_number=id_number, phone=phone, address=address, email=email, birth_date=birth
    )
    try:
        clean = services.intake.validate(draft(applicant=applicant))
    except ValidationError as exc:
        assert exc.errors
        for error in exc.errors:
            assert re.match(r"^[^:]+: \S", error.message)
    else:
        assert unicodedata.is_normalized("NFC", clean.applicant.name)
        assert not any(unicodedata.category(c) == "Cc" for c in clean.applicant.address)


@pytest.mark.parametrize("length", [501, 783, 12_000])
def test_a_long_address_is_refused_naming_the_one_limit_it_keeps(services, length: int) -> None:  # type: ignore[no-untyped-def]
    """A huge paste is refused before normalising, a long one after: both name the limit the
    field keeps (500), never the raw guard's, and nothing is received."""
    draft = DossierDraft(
        "2.000908", ApplicantDraft("Lê Văn Tám", "022080009999", address="a" * length)
    )
    with pytest.raises(ValidationError) as caught:
        services.intake.receive(draft, clerk=system_actor())
    assert f"Địa chỉ: Dài quá 500 ký tự (đang có {length} ký tự)." in str(caught.value)
    assert services.dossiers.search(limit=5, by=system_actor()) == []
