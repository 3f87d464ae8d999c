"""The queue's rules on a real SQLite file: numbering, priority, states, transfer, figures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from counter_app.queue.domain import QueueError, TicketState, spoken_number
from counter_app.queue.store import QueueStore


def test_numbers_per_area_restart_each_day_and_never_repeat(store: QueueStore, clock: Any) -> None:
    numbers = [store.issue("A").ticket.number for _ in range(3)]
    numbers += [store.issue("B").ticket.number for _ in range(2)]
    assert numbers == ["A001", "A002", "A003", "B001", "B002"]
    clock.now += timedelta(days=1)
    assert store.issue("A").ticket.number == "A001"
    assert store.ticket("A003", (clock.now - timedelta(days=1)).date()) is not None


def test_unknown_area_is_refused_in_vietnamese(store: QueueStore) -> None:
    with pytest.raises(QueueError, match="Không có khu vực"):
        store.issue("Z")


def test_priority_first_then_first_come_first_served(store: QueueStore, clock: Any) -> None:
    issued = []
    for i, prio in enumerate([False, False, True, False, True]):
        clock.now += timedelta(seconds=10)
        kind = "elderly" if prio else ""
        issued.append(store.issue("A", priority=prio, category=kind))
        assert issued[-1].ticket.priority is prio, i
    # People before each: priority tickets count only earlier priority ones.
    assert [i.waiting_before for i in issued] == [0, 1, 0, 3, 1]
    called = []
    for _ in range(5):
        clock.now += timedelta(seconds=5)
        t = store.call_next(1)
        assert t is not None
        called.append(t.number)
    assert called == ["A003", "A005", "A001", "A002", "A004"]
    assert store.call_next(1) is None


def test_a_counter_serves_only_its_areas(store: QueueStore) -> None:
    store.issue("B")
    assert store.call_next(1) is None  # counter 1 serves area A only
    t = store.call_next(4)
    assert t is not None and t.number == "B001" and t.counter == 4
    with pytest.raises(QueueError, match="chưa được giao"):
        store.call_next(99)


def test_states_recall_skip_serve_done(store: QueueStore, clock: Any) -> None:
    for _ in range(3):
        store.issue("A")
    first = store.call_next(2)
    assert first is not None and first.state is TicketState.CALLED and first.calls == 1
    assert store.recall("A001").calls == 2
    assert store.skip("A001").state is TicketState.SKIPPED
    with pytest.raises(QueueError, match="vắng mặt"):
        store.recall("A001")
    store.call_next(2)
    serving = store.serve("A002", "000.00.00.H49.Q02-261127-0001")
    assert serving.state is TicketState.SERVING
    assert serving.dossier_code == "000.00.00.H49.Q02-261127-0001"
    clock.now += timedelta(minutes=4)
    # Calling the next one closes the ticket being served.
    assert store.call_next(2) is not None
    done = store.ticket("A002")
    assert done is not None and done.state is TicketState.DONE and done.done_at == clock.now
    assert store.done("A003").state is TicketState.DONE
    with pytest.raises(QueueError, match="không có số A999"):
        store.done("a999")


def test_transfer_keeps_number_and_waits_in_the_other_area(store: QueueStore, clock: Any) -> None:
    store.issue("A")
    clock.now += timedelta(minutes=1)
    store.issue("B")
    store.call_next(1)
    moved = store.transfer("A001", "B")
    assert moved.state is TicketState.WAITING and moved.area == "B" and moved.counter is None
    # Issued earlier than B001, so it keeps its place in time in area B.
    t = store.call_next(5)
    assert t is not None and t.number == "A001"


def test_spoken_number_drops_leading_zeros() -> None:
    assert spoken_number("A012") == "A 12"
    assert spoken_number("B1023") == "B 1023"
