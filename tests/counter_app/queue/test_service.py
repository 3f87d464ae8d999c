"""The service over real HTTP: roles, restart after a kill, the long-poll push channel."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from counter_app.queue.app import QueueApp
from counter_app.queue.client import QueueClient, QueueClientError, QueueUnavailable
from counter_app.queue.store import QueueStore
from counter_app.server.runner import RunningServer


def test_roles_are_enforced(service: Any) -> None:
    service.kiosk.issue("A")
    with pytest.raises(QueueClientError, match="không được") as info:
        service.kiosk.call_next(1)
    assert info.value.status == 403
    with pytest.raises(QueueClientError, match="không được"):
        service.board.issue("A")
    bad = QueueClient(service.url, "que_wrong")
    with pytest.raises(QueueClientError, match="không hợp lệ") as info:
        bad.areas()
    assert info.value.status == 401
    bad.close()


def test_refusals_carry_the_vietnamese_reason(service: Any) -> None:
    with pytest.raises(QueueClientError, match="Không có khu vực «Z»") as info:
        service.kiosk.issue("Z")
    assert info.value.status == 409


def test_service_killed_mid_day_keeps_every_ticket_and_state(
    service_process: Any, queue_url: str
) -> None:
    store = QueueStore.open(queue_url)
    kiosk_token = store.create_token("Ki-ốt", "kiosk")
    counter_token = store.create_token("Quầy 1", "counter")
    store.close()
    url = service_process.start()
    kiosk, counter = QueueClient(url, kiosk_token), QueueClient(url, counter_token)
    for _ in range(5):
        kiosk.issue("A")
    counter.call_next(1)  # A001 called
    counter.call_next(1)  # A001 done, A002 called
    counter.skip("A002")
    counter.call_next(2)  # A003 called at counter 2
    before = counter.status()
    port = int(url.rsplit(":", 1)[1])
    service_process.kill()
    with pytest.raises(QueueUnavailable):
        kiosk.issue("A")
    service_process.start(port)  # same address: the clients simply carry on
    after = counter.status()
    assert after["counters"] == before["counters"]
    assert [w["number"] for w in after["waiting"]] == ["A004", "A005"]
    assert kiosk.issue("A")["number"] == "A006"
    nxt = counter.call_next(1)
    assert nxt is not None and nxt["number"] == "A004"
    kiosk.close()
    counter.close()


def test_board_receives_a_call_through_the_push_channel(service: Any) -> None:
    service.kiosk.issue("A")
    since = service.board.status()["seq"]
    got: list[tuple[float, dict[str, Any]]] = []

    def board() -> None:
        reply = service.board.events(since, wait_s=10)
        got.append((time.perf_counter(), reply))

    listener = threading.Thread(target=board)
    listener.start()
    time.sleep(0.5)
    assert not got, "the long poll answered before anything happened"
    called_at = time.perf_counter()
    service.counter.call_next(3)
    listener.join(timeout=10)
    assert got, "the board heard nothing"
    arrived, reply = got[0]
    kinds = [(e["kind"], e["number"], e["counter"]) for e in reply["events"]]
    assert ("call", "A001", 3) in kinds
    assert reply["next"] > since
    # Woken by the call, not by the 10 s timeout.
    assert arrived - called_at < 5


def test_long_poll_times_out_empty_and_recall_is_pushed_again(service: Any) -> None:
    since = service.board.status()["seq"]
    started = time.monotonic()
    reply = service.board.events(since, wait_s=0.3)
    assert reply["events"] == [] and reply["next"] == since
    assert time.monotonic() - started >= 0.25
    service.kiosk.issue("A")
    service.counter.call_next(1)
    service.counter.recall("A001")
    reply = service.board.events(since, wait_s=1)
    assert [e["kind"] for e in reply["events"]] == ["issue", "call", "recall"]


def test_waiting_polls_never_take_the_last_threads(queue_url: str) -> None:
    """With 8 threads at most 2 polls wait; the third answers at once; tickets still flow."""
    store = QueueStore.open(queue_url)
    app = QueueApp(store, threads=8)
    server = RunningServer(app, threads=8)
    board_token, kiosk_token = store.create_token("b", "board"), store.create_token("k", "kiosk")
    boards = [QueueClient(server.url, board_token) for _ in range(3)]
    kiosk = QueueClient(server.url, kiosk_token)
    since = store.last_seq()
    threads = [threading.Thread(target=b.events, args=(since, 3)) for b in boards[:2]]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 5
    while app.bell.waiting < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    started = time.monotonic()
    third = boards[2].events(since, wait_s=3)
    assert third["events"] == [] and third["retry_ms"] == 1000
    assert time.monotonic() - started < 1.5
    assert kiosk.issue("A")["number"] == "A001"  # wakes the two waiting polls too
    for t in threads:
        t.join(timeout=5)
    for c in [*boards, kiosk]:
        c.close()
    server.stop()
    store.close()


def test_public_page_tells_the_citizen_where_their_turn_is(service: Any) -> None:
    import requests

    service.kiosk.issue("A")
    service.kiosk.issue("A")
    page = requests.get(service.kiosk.public_url("A002"), timeout=5)
    assert page.status_code == 200
    assert "còn 1 người trước bạn" in page.text
