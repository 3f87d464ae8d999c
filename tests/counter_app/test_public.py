"""The one public projection: what of a dossier anyone holding the receipt may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from counter_app.domain import DossierStatus
from counter_app.public import (
    MAX_REASON,
    AppointmentChange,
    PublicEvent,
    parse_appointment_change,
    public_view,
)

AT = datetime(2026, 12, 1, 10, 0)


def _view(**kwargs: Any) -> Any:
    facts: dict[str, Any] = {
        "code": "H49-261127-0001",
        "procedure_name": "Chứng thực bản sao",
        "applicant_name": "Nguyễn Văn Đức",
        "status": 4,
        "appointment_at": datetime(2026, 12, 2, 9, 0),
        "result_delivery": "counter",
        "verified": False,
    }
    return public_view(**{**facts, **kwargs})


def test_masked_name_only_when_verified() -> None:
    assert _view().masked_name == "" and _view().to_json()["applicant"] == ""
    verified = _view(verified=True)
    assert verified.masked_name == "Nguyễn V** Đ**" and verified.verified
    assert "Văn" not in str(verified.to_json()) and "Đức" not in str(verified.to_json())


def test_timeline_in_order_without_repeats() -> None:
    events = [
        PublicEvent(4, datetime(2026, 11, 28, 8, 0)),
        PublicEvent(2, datetime(2026, 11, 27, 9, 0)),
        PublicEvent(4, datetime(2026, 11, 29, 8, 0)),  # same status again: not a new step
        PublicEvent(5, datetime(2026, 11, 30, 8, 0)),
        PublicEvent(42, datetime(2026, 11, 30, 9, 0)),  # unknown status: skipped
    ]
    view = _view(status=5, events=events)
    assert [(s.status, s.at.day) for s in view.timeline] == [
        (DossierStatus.RECEIVED, 27),
        (DossierStatus.PROCESSING, 28),
        (DossierStatus.SUPPLEMENT_REQUESTED, 30),
    ]
    assert view.to_json()["timeline"][0] == {
        "status": 2,
        "label": "Được tiếp nhận",
        "at": "2026-11-27T09:00:00",
    }


def test_appointment_changes_from_events() -> None:
    change = {
        "previous": "2026-12-02T09:00:00",
        "new": "2026-12-09T14:00:00+07:00",
        "reason": "Chờ\u202e xác minh\x00",
        "apology": True,
    }
    view = _view(events=[PublicEvent(4, AT, change), PublicEvent(4, AT, {"apology": True})])
    assert view.appointment_changes == (
        AppointmentChange(
            datetime(2026, 12, 2, 9, 0), datetime(2026, 12, 9, 14, 0), "Chờ xác minh", True, AT
        ),
    )
    assert view.apology_issued


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "text",
        [],
        {"previous": "hôm qua", "new": "2026-12-09T14:00:00"},
        {"previous": "2026-12-02T09:00:00"},
        {"previous": "2026-12-02T09:00:00", "new": "2026-12-09T14:00:00", "reason": 42},
        {"previous": "2" * 5000, "new": "2026-12-09T14:00:00"},
    ],
)
def test_malformed_appointment_changes_are_ignored(raw: Any) -> None:
    assert parse_appointment_change(raw, AT) is None


def test_long_reason_is_cut_and_apology_needs_true() -> None:
    raw = {"previous": "2026-12-02T09:00:00", "new": "2026-12-09T14:00:00", "reason": "a" * 9000}
    parsed = parse_appointment_change({**raw, "apology": "yes"}, AT)
    assert parsed is not None and len(parsed.reason) == MAX_REASON and parsed.apology is False


@pytest.mark.parametrize("status", list(DossierStatus))
def test_collect_and_bring_per_status(status: DossierStatus) -> None:
    view = _view(status=int(status))
    assert view.to_collect is (status not in (3, 7, 8, 10))
    assert view.result_ready is (status is DossierStatus.RESULT_READY)
    assert view.status_text == status.citizen_text
    by_post = _view(status=int(status), result_delivery="post")
    assert "bưu chính" in by_post.collect_at


def test_the_kiosk_reads_back_what_the_server_sends() -> None:
    """The server's JSON of a view, read by the kiosk, is the same view (lists included)."""
    from counter_app.kiosk import public_from_json

    change = {"previous": "2026-12-02T09:00:00", "new": "2026-12-09T14:00:00", "reason": "Lý do"}
    events = [
        PublicEvent(2, datetime(2026, 11, 27, 9, 0)),
        PublicEvent(4, AT, {**change, "apology": True}),
    ]
    view = _view(events=events, verified=True)
    assert public_from_json({"dossier": view.to_json()}, view.code) == view
    junk = {
        **view.to_json(),
        "timeline": [{"status": 99, "at": "x"}, 5],
        "appointment_changes": "x",
    }
    parsed = public_from_json(junk, view.code)
    assert parsed is not None and parsed.timeline == () and parsed.appointment_changes == ()
