"""The queue's records as the service returns them, and the SQL pieces the store shares."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from counter_app.queue.records import Issued, QueueEvent, hash_token, next_seq, waiting_before
from counter_app.queue.schema import ticket_t
from counter_app.queue.store import QueueStore


def test_issued_and_event_json_keep_the_contract_keys(store: QueueStore) -> None:
    issued = store.issue("A", priority=True, category="elderly")
    assert isinstance(issued, Issued)
    body = issued.to_json()
    assert {"number", "area", "issued_at", "waiting_before"} <= set(body)
    assert (body["number"], body["priority"], body["category"]) == ("A001", True, "elderly")
    event = QueueEvent(7, "call", "A001", "A", 3, datetime(2026, 11, 27, 9, 0))
    assert event.to_json() == {
        "seq": 7,
        "kind": "call",
        "number": "A001",
        "area": "A",
        "counter": 3,
        "at": "2026-11-27T09:00:00",
    }


def test_tokens_are_kept_only_as_their_hash() -> None:
    token = "que_example"
    assert hash_token(token) == hash_token(token) and len(hash_token(token)) == 64
    assert token not in hash_token(token)


def test_next_seq_and_waiting_before_inside_one_transaction(
    store: QueueStore, clock: object
) -> None:
    day = date(2026, 11, 27)
    with store.db.write() as s:
        assert [next_seq(s, day, "Z") for _ in range(3)] == [1, 2, 3]
        assert next_seq(s, date(2026, 11, 28), "Z") == 1  # a new day starts again
    first = store.issue("B").ticket
    second = store.issue("B").ticket
    urgent = store.issue("B", priority=True).ticket
    assert [t.number for t in (first, second, urgent)] == ["B001", "B002", "B003"]
    with store.db.read() as s:
        ids = dict(s.execute(select(ticket_t.c.number, ticket_t.c.id)).all())
        # The priority ticket goes first; B002 waits behind B001 and the priority one.
        assert waiting_before(s, day, "B", True, ids["B003"]) == 0
        assert waiting_before(s, day, "B", False, ids["B002"]) == 2
        assert waiting_before(s, day, "B", False, ids["B001"]) == 1
