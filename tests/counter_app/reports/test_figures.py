"""Report figures: SQL aggregates equal an independent count over the raw rows."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from counter_app.auth import system_actor
from counter_app.domain import DossierStatus
from counter_app.reports import Figure, Period, ReportService
from tests.conftest import make_services
from tests.counter_app.reports.expected import comparable, expected
from tests.counter_app.reports.seed import seed

DAY = date(2026, 11, 27)

# Who the tests act as: the command line's system actor (an admin).
ACTOR = system_actor()


@pytest.fixture
def seeded(services, clock):  # type: ignore[no-untyped-def]
    return seed(services, clock)


def test_day_figures_match_independent_counts(services, clock, seeded) -> None:  # type: ignore[no-untyped-def]
    reports = ReportService.for_services(services)
    data = reports.report(Period.day(DAY)).to_json()
    assert comparable(data) == expected(services, DAY, DAY, clock.now, counter_no=1)
    # Spot checks that keep the expectation honest.
    assert data["total"] == 6
    assert data["by_hour"]["07"] == 2
    assert data["supplement_requests"] == 1 and data["refusals"] == 1
    assert data["ratings"]["very_satisfied"] == 1
    assert data["scope"] == "counter" and data["counter_no"] == 1


def test_json_has_the_documented_keys(services, seeded) -> None:  # type: ignore[no-untyped-def]
    data = ReportService.for_services(services).report(Period.day(DAY)).to_json()
    for key in (
        "from",
        "to",
        "total",
        "by_procedure",
        "by_counter",
        "by_hour",
        "overdue",
        "due_today",
        "supplement_requests",
        "refusals",
        "ratings",
    ):
        assert key in data
    assert all(len(h) == 2 and h.isdigit() for h in data["by_hour"])


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 11, 20), date(2026, 11, 26)),
        (date(2026, 12, 1), date(2026, 12, 2)),
    ],
)
def test_range_figures_match(services, clock, seeded, start, end) -> None:  # type: ignore[no-untyped-def]
    data = ReportService.for_services(services).report(Period(start, end)).to_json()
    assert comparable(data) == expected(services, start, end, clock.now, counter_no=1)


def test_drill_down_lists_match_their_figures(services, seeded) -> None:  # type: ignore[no-untyped-def]
    reports = ReportService.for_services(services)
    period = Period(date(2026, 11, 1), DAY)
    report = reports.report(period)
    assert len(reports.drill(Figure.TOTAL, period, by=ACTOR).rows) == report.total
    for p in report.by_procedure:
        assert len(reports.drill(Figure.PROCEDURE, period, p.code, by=ACTOR).rows) == p.count
    for sector, n in report.by_sector.items():
        assert len(reports.drill(Figure.SECTOR, period, sector, by=ACTOR).rows) == n
    for clerk, n in report.by_clerk.items():
        assert len(reports.drill(Figure.CLERK, period, clerk, by=ACTOR).rows) == n
    for counter, n in report.by_counter.items():
        assert len(reports.drill(Figure.COUNTER, period, str(counter), by=ACTOR).rows) == n
    for hour, n in report.by_hour.items():
        assert len(reports.drill(Figure.HOUR, period, str(hour), by=ACTOR).rows) == n
    for day, n in report.by_day.items():
        assert len(reports.drill(Figure.DAY, period, day.isoformat(), by=ACTOR).rows) == n
    for status, n in report.by_status.items():
        assert len(reports.drill(Figure.STATUS, period, str(int(status)), by=ACTOR).rows) == n
    assert len(reports.drill(Figure.OVERDUE, period, by=ACTOR).rows) == report.overdue
    assert len(reports.drill(Figure.DUE_TODAY, period, by=ACTOR).rows) == report.due_today
    assert (
        len(reports.drill(Figure.SUPPLEMENT, period, by=ACTOR).rows) == report.supplement_requests
    )
    assert len(reports.drill(Figure.REFUSAL, period, by=ACTOR).rows) == report.refusals
    assert len(reports.drill(Figure.RATINGS, period, by=ACTOR).rows) == report.ratings.total
    assert len(reports.drill(Figure.PENDING_SYNC, period, by=ACTOR).rows) == report.pending_sync
    overdue = reports.drill(Figure.OVERDUE, period, by=ACTOR)
    assert overdue.codes and all(c for c in overdue.codes)
    assert report.by_status[DossierStatus.RETURNED] == 1


def test_drill_truncates_long_lists(services, seeded) -> None:  # type: ignore[no-untyped-def]
    reports = ReportService.for_services(services)
    listed = reports.drill(Figure.TOTAL, Period.day(DAY), limit=2, by=ACTOR)
    assert len(listed.rows) == 2 and listed.truncated


def test_register_lists_every_dossier_in_order(services, seeded) -> None:  # type: ignore[no-untyped-def]
    lines = ReportService.for_services(services).register(Period(date(2026, 11, 26), DAY), by=ACTOR)
    # The STT is the entry in the month's book, as on the receipt: the 20/11 dossier is entry 1.
    assert [line.number for line in lines] == list(range(2, 9))
    assert {line.book for line in lines} == {"11/2026-Q01"}
    assert [line.code for line in lines] == seeded.codes[1:]
    assert lines[0].handed_back_at == datetime(2026, 11, 27, 11, 0)
    assert "0912345678" in lines[0].contact


def test_standalone_counter_covers_only_itself(sqlite_url, clock, app_home) -> None:  # type: ignore[no-untyped-def]
    one = make_services(sqlite_url, clock, counter_no=1)
    two = make_services(sqlite_url, clock, counter_no=2)
    try:
        seed(one, clock)
        seed(two, clock, offset=100)
        report = ReportService.for_services(one).report(Period.day(DAY))
        assert report.by_counter == {1: 6}
        assert "quầy số 1" in report.scope.label.lower()
        assert comparable(report.to_json()) == expected(one, DAY, DAY, clock.now, counter_no=1)
    finally:
        one.close()
        two.close()


@pytest.mark.postgres
def test_shared_postgres_covers_every_counter(pg_url, clock, app_home) -> None:  # type: ignore[no-untyped-def]
    one = make_services(pg_url, clock, counter_no=1)
    two = make_services(pg_url, clock, counter_no=2)
    try:
        seed(one, clock)
        seed(two, clock, offset=100)
        for services in (one, two):
            data = ReportService.for_services(services).report(Period.day(DAY)).to_json()
            assert data["by_counter"] == {"1": 6, "2": 6}
            assert data["scope"] == "centre"
            assert comparable(data) == expected(services, DAY, DAY, clock.now)
    finally:
        one.close()
        two.close()


def test_period_rejects_reversed_range() -> None:
    with pytest.raises(ValueError, match="không hợp lệ"):
        Period(date(2026, 11, 27), date(2026, 11, 1))
