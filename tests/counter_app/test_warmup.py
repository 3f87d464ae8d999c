"""The warm-up reads what the first save will need and writes nothing, ever."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import func, select, text

from counter_app import warmup
from counter_app.db.engine import ReadOnlyError
from counter_app.db.models import Base, CodeSequence
from counter_app.domain import Role
from tests.helpers.cli import draft


def _counts(services: Any) -> dict[str, int]:
    """Rows of every table, and the code sequence's values: what a write would change."""
    with services.db.read() as s:
        counts = {
            t.name: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }
        for row in s.scalars(select(CodeSequence)):
            counts[f"seq {row.unit_identifier} {row.day}"] = row.last_value
    return counts


@pytest.fixture
def clerk(services: Any) -> Any:
    admin = services.auth.create_first_admin("quantri", "Nguyễn Quản Trị", "quantri123")
    return services.auth.create_user("canbo", "Lê Thu Hà", "canbo1234", Role.CLERK, by=admin)


def test_warm_up_runs_every_step_and_writes_nothing(services: Any, clerk: Any) -> None:
    for i in range(3):
        services.intake.receive(draft(i), clerk=clerk)
    before = _counts(services)
    assert any(k.startswith("seq ") for k in before)
    size = services.db.file.stat().st_size

    report = warmup.warm_up(services, by=clerk)

    assert report.failed == {}
    assert list(report.steps) == [name for name, _ in warmup.STEPS]
    assert _counts(services) == before
    assert services.db.file.stat().st_size == size
    # The next save takes the next number: the warm-up consumed none.
    received = services.intake.receive(draft(9), clerk=clerk)
    assert received.code.endswith("-0004")


def test_warm_up_on_an_empty_day_writes_nothing(services: Any, clerk: Any) -> None:
    before = _counts(services)
    assert warmup.warm_up(services, by=clerk).failed == {}
    assert _counts(services) == before
    assert services.intake.receive(draft(0), clerk=clerk).code.endswith("-0001")


def test_inside_reads_only_nothing_can_write(services: Any, clerk: Any) -> None:
    with services.db.reads_only():
        with pytest.raises(ReadOnlyError), services.db.write():
            pass
        # Even SQL that writes, sent by mistake through a read, is refused by SQLite itself.
        with pytest.raises(Exception, match="readonly"), services.db.read() as s:
            s.execute(text("DELETE FROM code_sequence"))
    # The switch does not stay on the pooled connection: the next write works.
    assert services.intake.receive(draft(0), clerk=clerk).code.endswith("-0001")


def test_a_failing_step_is_logged_and_the_others_still_run(
    services: Any, clerk: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_services: Any, _by: Any) -> None:
        raise RuntimeError("hỏng")

    monkeypatch.setattr(warmup, "STEPS", (("broken", broken), *warmup.STEPS))
    with caplog.at_level(logging.WARNING, logger="counter_app.warmup"):
        report = warmup.warm_up(services, by=clerk)
    assert report.failed == {"broken": "RuntimeError: hỏng"}
    assert set(report.steps) == {"broken", *(name for name, _ in warmup.STEPS)}
    assert "warm-up step broken failed" in caplog.text


def test_the_sample_receipt_draws_in_both_layouts() -> None:
    from counter_app.receipts import Layout, render_receipt

    for layout in Layout:
        assert render_receipt(warmup.sample_receipt(), layout).startswith(b"%PDF")


def test_warm_up_on_postgresql_writes_nothing(pg_url: str, app_home: Any) -> None:
    from tests.conftest import make_services

    services = make_services(pg_url)
    try:
        admin = services.auth.create_first_admin("quantri", "Nguyễn Quản Trị", "quantri123")
        services.intake.receive(draft(0), clerk=admin)
        before = _counts(services)
        assert warmup.warm_up(services, by=admin).failed == {}
        assert _counts(services) == before
        refused = pytest.raises(Exception, match="read-only transaction")
        with services.db.reads_only(), refused, services.db.read() as s:
            s.execute(text("DELETE FROM code_sequence"))
        assert services.intake.receive(draft(1), clerk=admin).code.endswith("-0002")
    finally:
        services.close()
