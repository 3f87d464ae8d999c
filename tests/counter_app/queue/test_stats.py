"""Wait and service figures against independent counts: a scripted day played through the real
service on 127.0.0.1 (its clock set between requests), every figure recomputed from the script
with the standard library's quantiles."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from counter_app.queue.app import QueueApp
from counter_app.queue.client import QueueClient
from counter_app.queue.domain import QueueError
from counter_app.queue.stats import FIGURE_KEYS, percentile, show_duration, summary_lines
from counter_app.queue.store import QueueStore
from counter_app.server.runner import RunningServer
from tests.conftest import FixedClock
from tests.helpers.queue_day import Step, play

DAY = datetime(2026, 11, 27, 8, 0)


SCRIPT = [
    Step("A", 0, 60, 400, "done", 1, ("1.001",)),
    Step("A", 30, 420, 700, "done", 1, ("1.001", "1.002")),  # two dossiers, two procedures
    Step("A", 50, 430, 470, "skip", 2),
    Step("B", 10, 100, 1000, "done", 4, ("2.010",)),
    Step("B", 20, 1010, 1300, "done", 4, ("2.010",)),
    Step("A", 3700, 3760, 4000, "done", 2, ("1.002",)),  # 09h
    Step("A", 3800, 4100, 4150, "skip", 1),
    Step("B", 3900, 3960, 4500, "done", 5),  # served without a dossier
    Step("A", 4200),  # still waiting
    Step("B", 4300),  # still waiting
]
NOW = 5000  # seconds after 08:00 when the figures are read


def pct(values: list[float], p: int) -> float | None:
    """The p-th percentile by the standard library (inclusive = linear interpolation)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return round(statistics.quantiles(values, n=100, method="inclusive")[p - 1], 1)


def expected(steps: list[Step]) -> dict[str, Any]:
    waits = [float(s.called - s.issued) for s in steps if s.called is not None]
    services = [
        float(s.ended - s.called)
        for s in steps
        if s.outcome == "done" and s.ended is not None and s.called is not None
    ]
    return {
        "tickets": len(steps),
        "served": sum(s.outcome == "done" for s in steps),
        "no_shows": sum(s.outcome == "skip" for s in steps),
        "wait_s_p50": pct(waits, 50),
        "wait_s_p90": pct(waits, 90),
        "service_s_p50": pct(services, 50),
        "service_s_p90": pct(services, 90),
    }


def only(steps: list[Step], keep: Callable[[Step], bool]) -> dict[str, Any]:
    return expected([s for s in steps if keep(s)])


@pytest.fixture
def timed_service(tmp_path: Path) -> Iterator[tuple[FixedClock, QueueStore, str]]:
    """The real HTTP service whose store reads a clock the test moves."""
    clock = FixedClock(DAY)
    store = QueueStore.open(f"sqlite:///{tmp_path / 'queue.sqlite3'}", clock=clock)
    server = RunningServer(QueueApp(store, threads=8), threads=8)
    yield clock, store, server.url
    server.stop()
    store.close()


def test_figures_per_counter_area_procedure_and_hour_match_independent_counts(
    timed_service: tuple[FixedClock, QueueStore, str],
) -> None:
    clock, store, url = timed_service
    yesterday = DAY - timedelta(days=1)
    clock.now = yesterday
    store.issue("A")  # never called: yesterday's ticket is not "waiting now"
    kiosk = QueueClient(url, store.create_token("Ki-ốt", "kiosk"))
    counter = QueueClient(url, store.create_token("Quầy", "counter"))
    board = QueueClient(url, store.create_token("Bảng", "board"))
    play(SCRIPT, DAY, clock, kiosk, counter)
    clock.now = DAY + timedelta(seconds=NOW)
    stats = board.stats(DAY.date(), DAY.date())

    for key, value in expected(SCRIPT).items():
        assert stats[key] == value, key
    assert stats["from"] == stats["to"] == "2026-11-27"
    waiting = [s for s in SCRIPT if s.outcome == "waiting"]
    assert stats["waiting_now"] == len(waiting) == 2
    assert stats["longest_wait_s"] == max(NOW - s.issued for s in waiting) == 800

    by_counter = {g["counter"]: g for g in stats["by_counter"]}
    assert sorted(by_counter) == sorted({s.counter for s in SCRIPT if s.counter})
    for c, got in by_counter.items():
        assert {k: got[k] for k in FIGURE_KEYS} == only(SCRIPT, lambda s, c=c: s.counter == c)

    by_area = {g["area"]: g for g in stats["by_area"]}
    assert sorted(by_area) == ["A", "B"]
    assert by_area["A"]["name"] == "Hộ tịch, chứng thực"
    for a, got in by_area.items():
        assert {k: got[k] for k in FIGURE_KEYS} == only(SCRIPT, lambda s, a=a: s.area == a)

    by_procedure = {g["procedure"]: g for g in stats["by_procedure"]}
    assert sorted(by_procedure) == ["1.001", "1.002", "2.010"]
    for p, got in by_procedure.items():
        want = only(SCRIPT, lambda s, p=p: p in s.procedures)
        assert {k: got[k] for k in FIGURE_KEYS} == want, p
    assert by_procedure["1.002"]["tickets"] == 2  # the two-procedure ticket counts under each

    by_hour = {g["hour"]: g for g in stats["by_hour"]}
    assert sorted(by_hour) == [8, 9]
    for h, got in by_hour.items():
        want = only(SCRIPT, lambda s, h=h: 8 + s.issued // 3600 == h)
        assert {k: got[k] for k in FIGURE_KEYS} == want, h

    # Over two days: yesterday's ticket counts as issued, never as waiting now.
    both = board.stats(yesterday.date(), DAY.date())
    assert both["tickets"] == len(SCRIPT) + 1 and both["waiting_now"] == 2
    assert both["longest_wait_s"] == 800
    # A past period has nobody waiting now.
    past = board.stats(yesterday.date(), yesterday.date())
    assert (past["tickets"], past["waiting_now"], past["longest_wait_s"]) == (1, 0, 0)
    for c in (kiosk, counter, board):
        c.close()


def test_a_period_ending_before_it_starts_is_refused(store: QueueStore) -> None:
    with pytest.raises(QueueError, match="--to"):
        store.stats(DAY.date(), DAY.date() - timedelta(days=1))


def test_percentile_interpolates_like_the_standard_library() -> None:
    samples = [12.0, 7.0, 300.0, 45.0, 45.0, 61.0, 2.0]
    for p in (10, 50, 90, 99):
        assert percentile(samples, p) == pct(sorted(samples), p)
    assert percentile([42.0], 90) == 42.0
    assert percentile([], 50) is None


def test_durations_read_as_minutes_and_seconds() -> None:
    assert [show_duration(v) for v in (None, 0, 59.6, 400, 3725)] == [
        "—",
        "0:00",
        "1:00",
        "6:40",
        "1:02:05",
    ]
    lines = {k: (label, text) for k, label, text in summary_lines({"tickets": 1234})}
    assert lines["tickets"] == ("Số vé đã phát", "1.234")
    assert lines["wait_s_p90"] == ("Thời gian chờ, 90%", "—")
