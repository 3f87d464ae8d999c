"""The sync engine against a real server with faults: each test ends with both sides agreeing."""

from __future__ import annotations

import json
import re
import threading
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_
from sqlalchemy import select, update

from counter_app.auth import UserInfo, system_actor
from counter_app.db.models import CalendarException, Dossier, DossierEvent, OutboxEntry
from counter_app.domain import Role
from counter_app.outbox import enqueue
from counter_app.sync import state as st
from counter_app.sync.engine import queue_counts
from counter_app.sync.push import _body
from tests.conftest import SMALL_CATALOG, FixedClock, make_services
from tests.counter_app.sync.harness import (
    RefServer,
    assert_agree,
    engine_for,
    receive,
)

# Who the tests act as: the command line's system actor (an admin).
ACTOR = system_actor()


def _clerk(services: Any) -> UserInfo:
    services.auth.create_user("clerk1", "Nguyễn Văn An", "mat-khau-dai-123", Role.CLERK, by=ACTOR)
    user = services.auth.authenticate("clerk1", "mat-khau-dai-123")
    assert user is not None
    return user


def _states(services: Any) -> dict[str, int]:
    counts = queue_counts(services.db)
    return {k: v for k, v in vars(counts).items() if v}


def test_push_then_agree(services: Any, server: RefServer) -> None:
    receive(services, 5)
    engine = engine_for(services, server)
    report = engine.run_once()
    assert report.error == "" and report.pushed == 10
    assert_agree(services, server)
    # Every dossier got its own provincial reference back.
    with services.db.read() as s:
        refs = [d.provincial_ref or "" for d in s.scalars(select(Dossier))]
    assert len(set(refs)) == 5 and all(re.fullmatch(r"QN-[0-9A-F]{12}", r) for r in refs)


@settings(max_examples=200, deadline=None)
@given(
    st_.lists(
        st_.tuples(st_.text(), st_.text(), st_.integers(1, 10**9), st_.text()),
        min_size=1,
        max_size=5,
    ),
    st_.dictionaries(st_.text(), st_.text() | st_.integers()),
)
def test_push_body_is_the_json_of_its_items(
    heads: list[tuple[str, str, int, str]], payload: dict[str, Any]
) -> None:
    # The body is assembled by hand for speed; it must equal what json.dumps would send.
    rows = [
        SimpleNamespace(
            entity=e, entity_uuid=u, version=v, hash=h, payload_text=json.dumps(payload)
        )
        for e, u, v, h in heads
    ]
    engine = SimpleNamespace(clock=lambda: datetime(2026, 11, 27, 9, 0))
    body = json.loads(_body(engine, rows))  # type: ignore[arg-type]
    assert body["protocol"] == 1 and body["counter_time"] == "2026-11-27T09:00:00"
    assert body["items"] == [
        {"entity": e, "uuid": u, "version": v, "hash": h, "payload": payload}
        for e, u, v, h in heads
    ]


def test_response_lost_after_server_committed(services: Any, server: RefServer) -> None:
    receive(services, 3)
    engine = engine_for(services, server)
    server.app.add("/push", "lose")
    report = engine.run_once()
    assert report.error and report.pushed == 0
    assert server.store.stats()["dossiers"] == 3  # committed, but the reply never arrived
    assert _states(services) == {"retry": 6}
    engine.run_until_done(max_seconds=10)
    assert max(server.app.pushed_keys.values()) == 2  # resent once, stored once
    assert_agree(services, server)


def test_server_down_then_back(services: Any, server: RefServer) -> None:
    receive(services, 2)
    engine = engine_for(services, server)
    server.stop()
    report = engine.run_once()
    assert "Không kết nối được" in report.error
    assert st.read_values(services.db)[st.ONLINE] == "0"
    receive(services, 2, start=10)  # the counter keeps working offline
    server.start()
    engine.run_until_done(max_seconds=10)
    assert st.read_values(services.db)[st.ONLINE] == "1"
    assert_agree(services, server)


@pytest.mark.parametrize("fault", ["status:500", "status:503", "status:429"])
def test_server_errors_are_retried(services: Any, server: RefServer, fault: str) -> None:
    receive(services, 2)
    engine = engine_for(services, server)
    server.app.add("/push", fault, times=2)
    engine.run_until_done(max_seconds=10)
    assert server.app.pending_faults() == 0
    assert_agree(services, server)


def test_retry_after_is_honoured(services: Any, server: RefServer, clock: FixedClock) -> None:
    receive(services, 1)
    engine = engine_for(services, server)
    server.app.add("/push", "status:429:120")
    report = engine.run_once()
    assert report.retry_in is not None and report.retry_in >= 120
    with services.db.read() as s:
        due = s.scalars(select(OutboxEntry.next_attempt_at)).all()
    assert all(d is not None and d >= clock.now + timedelta(seconds=120) for d in due)
    before = server.app.requests["/api/v1/push"]
    engine.run_once()  # the timer: not due yet, sends nothing
    assert server.app.requests["/api/v1/push"] == before
    clock.now += timedelta(seconds=121)
    engine.run_once()
    assert_agree(services, server)


def test_reply_slower_than_read_timeout(services: Any, server: RefServer) -> None:
    receive(services, 2)
    engine = engine_for(services, server, read_timeout_s=0.3)
    server.app.add("/push", "slow:0.8")
    report = engine.run_once()
    assert "chậm" in report.error
    engine.run_until_done(max_seconds=10)
    assert_agree(services, server)


def test_two_senders_at_once(services: Any, server: RefServer, sqlite_url: str) -> None:
    receive(services, 30)
    other = make_services(sqlite_url)
    engines = [
        engine_for(services, server, batch_size=5),
        engine_for(other, server, batch_size=5),
    ]
    server.app.add("/push", "slow:0.05", times=4)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(engine: Any) -> None:
        try:
            barrier.wait()
            engine.run_until_done(max_seconds=15)
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert not errors
    assert set(server.app.pushed_keys.values()) == {1}  # no record was ever sent twice
    assert_agree(services, server)


def test_edit_while_sending(services: Any, server: RefServer) -> None:
    codes = receive(services, 2)
    clerk = _clerk(services)
    engine = engine_for(services, server)
    server.app.after_commit.append(
        lambda: services.dossiers.hand_back(codes[0], clerk=clerk, force=True)
    )
    engine.run_once()
    # The edit's rows were written while the first batch was in flight; they stay queued.
    assert _states(services)["synced"] == 4
    engine.run_until_done(max_seconds=10)
    assert server.store.dossier(codes[0])["status"] == 10
    assert_agree(services, server)


def test_same_key_with_different_payload_is_a_conflict(services: Any, server: RefServer) -> None:
    codes = receive(services, 2)
    engine = engine_for(services, server)
    engine.run_once()
    original = server.store.dossier(codes[0])
    assert original is not None
    # A restored backup re-issues version 1 of a dossier with other content (the Odoo case).
    with services.db.write() as s:
        d = s.scalar(select(Dossier).where(Dossier.code == codes[0]))
        assert d is not None
        payload = {**server.store.record("dossier", d.uuid, 1), "notes": "khác"}
        enqueue(s, "dossier", d.uuid, payload, version=1)
    receive(services, 1, start=5)
    report = engine.run_once()
    assert report.conflicts == 1 and report.pushed == 2
    with services.db.read() as s:
        row = s.scalar(select(OutboxEntry).where(OutboxEntry.state == "conflict"))
        assert row is not None and "nội dung khác" in row.last_error
    kept = server.store.record("dossier", original["uuid"], 1)
    assert kept is not None and kept["notes"] == ""  # the server kept its own copy
    assert server.store.stats()["dossiers"] == 3


def test_one_rejected_record_does_not_block_the_rest(services: Any, server: RefServer) -> None:
    receive(services, 1)
    with services.db.write() as s:
        bad = {"uuid": "00000000-0000-4000-8000-000000000000", "dossier_uuid": "x", "at": "?"}
        enqueue(s, "event", bad["uuid"], bad)
    receive(services, 2, start=3)
    engine = engine_for(services, server)
    report = engine.run_once()
    assert report.rejected == 1 and report.pushed == 6
    assert _states(services) == {"synced": 6, "rejected": 1}


def test_whole_request_refused_isolates_the_bad_record(services: Any, server: RefServer) -> None:
    receive(services, 3)
    with services.db.write() as s:
        # Not a UUID: the server refuses the whole batch with 400; the engine halves it down.
        s.execute(update(OutboxEntry).where(OutboxEntry.id == 4).values(entity_uuid="not-a-uuid"))
    engine = engine_for(services, server)
    report = engine.run_once()
    assert report.rejected == 1
    assert _states(services) == {"synced": 5, "rejected": 1}


def test_unauthorized_pauses_the_queue(services: Any, server: RefServer) -> None:
    receive(services, 2)
    engine = engine_for(services, server, token="ctr_wrong")
    report = engine.run_once()
    assert report.paused and "sync.token" in report.error
    assert _states(services) == {"pending": 4}
    before = server.app.requests["/api/v1/push"]
    assert engine.run_once().paused  # the timer does not hammer the server
    assert server.app.requests["/api/v1/push"] == before
    fixed = engine_for(services, server)  # the token was corrected
    fixed.run_until_done(max_seconds=10)
    assert st.read_values(services.db)[st.PAUSED] == ""
    assert_agree(services, server)


@pytest.mark.parametrize("fault", ["garbage", "huge"])
def test_malformed_and_oversized_replies(services: Any, server: RefServer, fault: str) -> None:
    receive(services, 2)
    engine = engine_for(services, server)
    server.app.add("/push", fault)
    server.app.add("/changes", fault)
    report = engine.run_once()
    assert report.error
    engine.run_until_done(max_seconds=10)
    assert_agree(services, server)


def test_pull_interrupted_mid_page(services: Any, server: RefServer) -> None:
    codes = receive(services, 3)
    engine = engine_for(services, server)
    engine.run_once()
    for code, status in zip(codes, (4, 5, 9), strict=True):
        server.store.advance(code, status, "Bộ phận xử lý cập nhật")
    server.app.add("/changes", "lose")
    report = engine.run_once()
    assert report.error and report.pulled == 0
    with services.db.read() as s:
        assert st.get_value(s, st.CURSOR, "0") == "0"
        assert {d.status for d in s.scalars(select(Dossier))} == {2}
    engine.run_until_done(max_seconds=10)
    assert services.dossiers.lookup(codes[2], by=ACTOR).status == 9
    detail = services.dossiers.detail(codes[1], by=ACTOR)
    assert detail.events[-1].source == "server" and detail.events[-1].note
    assert_agree(services, server)


def test_unsent_local_status_change_is_not_overwritten(services: Any, server: RefServer) -> None:
    codes = receive(services, 1)
    clerk = _clerk(services)
    engine = engine_for(services, server)
    engine.run_once()
    server.store.advance(codes[0], 9, "Đã có kết quả")
    engine.run_once()
    services.dossiers.hand_back(codes[0], clerk=clerk)  # offline: status 10, not yet sent
    server.store.advance(codes[0], 9, "Cập nhật lại")
    server.app.add("/push", "status:503")
    engine.run_once()  # push fails, pull still reads the feed
    assert services.dossiers.lookup(codes[0], by=ACTOR).status == 10
    engine.run_until_done(max_seconds=10)
    assert services.dossiers.lookup(codes[0], by=ACTOR).status == 10
    assert_agree(services, server)


# Only behind: a clock hours ahead writes received times in the server's future, which the server
# refuses (F7; tests/counter_app/server/test_content_rules.py shows the counter's side of that).
@pytest.mark.parametrize("hours", [-7, -30])
def test_client_clock_hours_off(
    sqlite_url: str, app_home: Any, server: RefServer, hours: int
) -> None:
    clock = FixedClock(datetime.now().replace(microsecond=0) + timedelta(hours=hours))
    services = make_services(sqlite_url, clock)
    try:
        codes = receive(services, 3)
        engine = engine_for(services, server)
        engine.run_once()
        server.store.advance(codes[0], 4)
        server.app.add("/push", "status:503")
        receive(services, 1, start=7)
        engine.run_once()
        # A due time beyond any backoff means the clock was turned back: the timer sends anyway.
        with services.db.write() as s:
            s.execute(
                update(OutboxEntry)
                .where(OutboxEntry.state == "retry")
                .values(next_attempt_at=clock.now + timedelta(hours=10))
            )
        engine.run_once()
        assert services.dossiers.lookup(codes[0], by=ACTOR).status == 4
        assert_agree(services, server)
    finally:
        services.close()


def test_catalog_and_calendar_changes_arrive(services: Any, server: RefServer) -> None:
    import json

    document = json.loads(SMALL_CATALOG.read_text(encoding="utf-8"))
    document["procedures"][1]["fee"] = 150000
    server.store.load_catalog(document)
    server.store.set_calendar(date(2026, 12, 31), "off", "Nghỉ bù")
    engine = engine_for(services, server)
    report = engine.run_once()
    assert report.pulled == 2
    assert services.catalog.get("2.000908").fee == 150000
    with services.db.read() as s:
        row = s.get(CalendarException, date(2026, 12, 31))
        assert row is not None and row.kind == "off"
    assert engine.run_once().pulled == 0  # the cursor moved past them


def test_events_from_other_counters_are_ignored(services: Any, server: RefServer) -> None:
    receive(services, 1)
    engine = engine_for(services, server)
    engine.run_once()
    with services.db.read() as s:
        assert s.scalar(select(DossierEvent).where(DossierEvent.source == "server")) is None


def test_wrong_url_rejects_nothing(services: Any, server: RefServer) -> None:
    receive(services, 2)
    engine = engine_for(services, server)
    server.app.add("/push", "status:404", times=3)
    report = engine.run_once()
    assert "sync.server_url" in report.error
    assert _states(services) == {"retry": 4}  # no record blamed for a setup problem
    engine.run_until_done(max_seconds=10)
    assert_agree(services, server)


def test_rejected_records_can_be_sent_again(services: Any, server: RefServer) -> None:
    receive(services, 1)
    server.app.add("/push", "status:422")
    engine = engine_for(services, server, batch_size=1)
    engine.run_once()
    # The dossier was refused, so its event is refused too ("no such dossier on the server").
    assert _states(services) == {"rejected": 2}
    assert engine.requeue() == 2
    engine.run_until_done(max_seconds=10)
    assert_agree(services, server)
