"""What intake would refuse, the server refuses too (F7): pushes over real HTTP to the reference
server on 127.0.0.1, record by record, and genuine records (offline, backdated, later versions)
still accepted; a counter whose record is refused sees why and does not send it again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from counter_app.auth import system_actor
from counter_app.db.models import OutboxEntry
from counter_app.domain import local_now
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.server.validate import RECEIVED_AHEAD_TOLERANCE
from counter_app.sync.engine import queue_counts
from counter_app.sync.status import rejected_records, sync_badge
from tests.conftest import FixedClock
from tests.counter_app.server.tenancy_support import UNIT_A, Client, dossier, event, item
from tests.counter_app.sync.harness import RefServer, engine_for, uuid_of
from tests.helpers.ref_server import ref_server

_VIETNAMESE = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


@pytest.fixture
def plain(tmp_path: Path) -> Iterator[RefServer]:
    with ref_server(tmp_path / "srv", unit=UNIT_A) as srv:
        yield srv


def _on(received: datetime, number: int, **extra: Any) -> dict[str, Any]:
    """A dossier received at `received` (its code carries that day), due a day later."""
    payload = dossier(
        UNIT_A,
        number,
        code=f"{UNIT_A}-{received:%y%m%d}-{number:04d}",
        received_at=received.isoformat(),
        appointment_at=(received + timedelta(days=1)).isoformat(),
        fee=0,
    )
    payload.update(extra)
    return payload


def _with_applicant(number: int, **fields: Any) -> dict[str, Any]:
    payload = dossier(UNIT_A, number)
    payload["applicant"] = {**payload["applicant"], **fields}
    return payload


#: (what the attacker sent, the pushed payload, the field the refusal must name)
ATTACKS: list[tuple[str, dict[str, Any], str]] = [
    ("received in 2031", _on(datetime(2031, 1, 1, 9, 0), 11), "received_at"),
    ("received in 2019, code of 2026", dossier(UNIT_A, 12, received_at="2019-01-01T09:00:00"), "received_at"),
    ("code of another day", dossier(UNIT_A, 13, received_at="2026-11-30T09:00:00"), "received_at"),
    ("appointment before receipt", dossier(UNIT_A, 14, appointment_at="2020-01-01T00:00:00"), "appointment_at"),
    ("received with an offset", dossier(UNIT_A, 15, received_at="2026-12-01T23:30:00-10:00"), "received_at"),
    ("negative fee", dossier(UNIT_A, 16, fee=-5000), "fee"),
    ("fee as text", dossier(UNIT_A, 17, fee="1000"), "fee"),
    ("id number with markup", _with_applicant(18, id_number="abc<b>"), "applicant.id_number"),
    ("CMND of 8 digits", _with_applicant(19, id_kind="cmnd", id_number="12345678"), "applicant.id_number"),
    ("first version handed back", dossier(UNIT_A, 20, status=10), "status"),
    ("name a lone combining mark", _with_applicant(21, name="\u0301"), "name"),
    ("counter number 0", dossier(UNIT_A, 26, counter_no=0), "counter_no"),
    ("notes with a lone accent", dossier(UNIT_A, 25, notes="Thiếu bản sao \u0301"), "notes"),
    ("name not normalised", _with_applicant(22, name="nguyễn  văn a"), "applicant.name"),
    ("phone not a phone", _with_applicant(23, phone="12"), "applicant.phone"),
    ("summary with doubled spaces", dossier(UNIT_A, 24, summary="Sao  y"), "summary"),
]  # fmt: skip


def test_each_attack_is_refused_naming_its_field_and_the_rest_of_the_push_is_stored(
    plain: RefServer,
) -> None:
    client = Client(plain.url, plain.token)
    good = [dossier(UNIT_A, 1), dossier(UNIT_A, 2)]
    items = [item("dossier", good[0])]
    items += [item("dossier", payload) for _label, payload, _field in ATTACKS]
    items.append(item("dossier", good[1]))
    results = client.push(*items)
    assert [r["status"] for r in (results[0], results[-1])] == ["accepted", "accepted"]
    for (label, payload, field), result in zip(ATTACKS, results[1:-1], strict=True):
        assert result["status"] == "rejected", label
        assert result["uuid"] == payload["uuid"], label
        message = result["message"]
        assert f"Trường {field} " in message, (label, message)
        assert set(message) & _VIETNAMESE, (label, message)
        # Nothing of it reached the server's dossiers, so neither the citizen's page.
        assert plain.store.dossier(payload["code"]) is None, label
    assert plain.store.dossier(good[1]["code"]) is not None
    future = requests.get(f"{plain.url}/tra-cuu/{ATTACKS[0][1]['code']}", timeout=10)
    assert future.status_code == 404
    # The clerk's message is readable as it is: the date the server saw, dd/mm/yyyy.
    assert "01/01/2031" in results[1]["message"] and "tương lai" in results[1]["message"]
    assert "01/01/2020" in results[4]["message"]


def test_genuine_records_are_accepted(plain: RefServer) -> None:
    client = Client(plain.url, plain.token)
    now = local_now()
    three_days_ago = now.replace(hour=9, minute=0, second=0) - timedelta(days=3)
    # A counter's clock a little fast, inside the tolerance (the same day, so the code agrees).
    ahead = now + RECEIVED_AHEAD_TOLERANCE - timedelta(seconds=30)
    if ahead.date() != now.date():
        ahead = now
    first = dossier(UNIT_A, 3)
    genuine = [
        ("received offline, pushed 3 days later", _on(three_days_ago, 1)),
        ("counter clock 4½ minutes fast", _on(ahead, 2)),
        ("first version", first),
        (
            "an enterprise with its tax code",
            _with_applicant(
                4, kind=2, id_kind="enterprise", id_number="0101234567-001", name="Công ty ABC"
            ),
        ),
        ("a passport", _with_applicant(5, id_kind="passport", id_number="C1234567")),
        (
            "a full applicant",
            _with_applicant(
                6,
                kind=1,
                id_kind="cccd",
                birth_date="1990-05-01",
                phone="0912345678",
                email="thuy@example.vn",
                address="Số 5 Lê Thánh Tông, Hạ Long",
            ),
        ),
        ("a clerk's notes with a tab", dossier(UNIT_A, 7, notes="Dòng 1\nDòng 2\tcột", fee=30000)),
    ]
    results = client.push(*(item("dossier", p) for _label, p in genuine))
    assert [r["status"] for r in results] == ["accepted"] * len(genuine), results
    # Later versions carry the counter's own status changes (here a hand-back) and are stored;
    # the status still belongs to the server (moved by events).
    handed_back = {**first, "status": 10, "handed_back_at": "2026-12-02T10:00:00", "version": 2}
    [later] = client.push(item("dossier", handed_back, version=2))
    assert later["status"] == "accepted", later
    stored = plain.store.dossier(first["code"])
    assert stored is not None and stored["version"] == 2 and stored["status"] == 2


def test_a_counter_sees_a_refused_dossier_and_does_not_resend_it(
    services: Any, server: RefServer, clock: FixedClock
) -> None:
    """A counter whose clock ran a day ahead: that dossier is refused with the reason on its
    badge; the dossier received with the right clock syncs; the refusal is not retried."""
    draft = DossierDraft(
        procedure_code="2.000908",
        applicant=ApplicantDraft(name="Trần Thị Thuỷ", id_number="022190000001"),
    )
    clock.now = local_now() - timedelta(hours=1)
    good = services.intake.receive(draft, clerk=system_actor()).code
    clock.now = local_now() + timedelta(days=1)
    bad = services.intake.receive(draft, clerk=system_actor()).code
    engine = engine_for(services, server)
    report = engine.run_once(manual=True)
    assert report.error == ""
    # The dossier and its intake event (whose dossier the server does not have).
    assert report.rejected == 2 and engine.counts().waiting == 0
    assert server.store.dossier(good) is not None and server.store.dossier(bad) is None
    state, message = sync_badge(services, uuid_of(services, bad))
    assert state == "rejected"
    assert "Trường received_at" in message and "tương lai" in message, message
    assert sync_badge(services, uuid_of(services, good))[0] == "synced"
    # `sync` lists what was refused, by code, with the server's reason.
    listed = rejected_records(services)
    assert [(r["entity"], r["code"]) for r in listed] == [("dossier", bad), ("event", bad)]
    assert listed[0]["message"] == message.split(": ", 1)[1]
    bad_key = ("dossier", uuid_of(services, bad), 1)
    assert server.app.pushed_keys[bad_key] == 1
    again = engine.run_once(manual=True)
    assert again.error == "" and again.pushed == 0
    assert server.app.pushed_keys[bad_key] == 1
    with services.db.read() as s:
        states = s.scalars(
            select(OutboxEntry.state).where(OutboxEntry.entity_uuid == bad_key[1])
        ).all()
    assert states == ["rejected"]


def test_a_backdated_intake_is_accepted(
    services: Any, server: RefServer, clock: FixedClock
) -> None:
    """`intake --received` as far back as the counter allows (backdate_working_days)."""
    clock.now = local_now()
    earliest = services.intake.earliest_received(clock.now) + timedelta(hours=8)
    draft = DossierDraft(
        procedure_code="2.000908",
        applicant=ApplicantDraft(name="Trần Thị Thuỷ", id_number="022190000001"),
        received_at=earliest,
    )
    code = services.intake.receive(draft, clerk=system_actor()).code
    assert f"-{earliest:%y%m%d}-" in code
    report = engine_for(services, server).run_once(manual=True)
    assert report.error == "" and report.rejected == 0
    assert queue_counts(services.db).waiting == 0
    stored = server.store.dossier(code)
    assert stored is not None and stored["status"] == 2


def test_what_intake_saves_the_server_accepts(
    services: Any, server: RefServer, clock: FixedClock
) -> None:
    """Counter and server apply one rule: text with lone accents, odd spaces, a phone typed
    with +84 is cleaned by intake the way the server wants it, and the dossier syncs."""
    clock.now = local_now()
    draft = DossierDraft(
        procedure_code="2.000908",
        applicant=ApplicantDraft(
            name="  trần thị \u0301thuỷ ",
            id_number="022 190 000 001",
            phone="+84 912 345 678",
            address="Số 5  Lê Thánh Tông \u0300",
        ),
        summary="Sao y \u0301 bản chính",
        notes="Dòng 1\n\u0301\tDòng 2",
        fee=15000,
    )
    received = services.intake.receive(draft, clerk=system_actor())
    report = engine_for(services, server).run_once(manual=True)
    assert report.error == "" and report.rejected == 0
    stored = server.store.dossier(received.code)
    assert stored is not None and stored["applicant_name"] == "Trần Thị Thuỷ"


def test_an_event_in_the_future_is_refused(plain: RefServer) -> None:
    client = Client(plain.url, plain.token)
    mine = dossier(UNIT_A, 1)
    assert client.push(item("dossier", mine))[0]["status"] == "accepted"
    future = event(mine, 10, at="2031-01-01T09:00:00")
    past = event(mine, 10, at="2026-12-01T15:00:00")
    refused, accepted = client.push(item("event", future), item("event", past))
    assert refused["status"] == "rejected" and "Trường at " in refused["message"]
    assert "01/01/2031" in refused["message"]
    assert accepted["status"] == "accepted"
    assert [e["uuid"] for e in plain.store.events_of(mine["uuid"])] == [past["uuid"]]
