"""Ratings: only after hand-back, once per dossier, with an outbox row in the same transaction."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from counter_app.db.models import OutboxEntry, Rating
from counter_app.identity import InvalidValue
from counter_app.ratings import RatingNotAllowed, RatingScore, RatingService
from counter_app.reports import Period, ReportService
from tests.counter_app.reports.seed import seed


def test_rating_is_stored_with_its_outbox_row(services, clock) -> None:  # type: ignore[no-untyped-def]
    seeded = seed(services, clock)
    ratings = RatingService(services.db, clock=clock)
    returned = seeded.codes[1]
    assert not ratings.can_rate(returned)  # the seed already rated it
    code = seeded.codes[2]
    assert not ratings.can_rate(code)  # not handed back yet
    with pytest.raises(RatingNotAllowed, match="sau khi đã nhận kết quả"):
        ratings.rate(code, RatingScore.SATISFIED)
    services.dossiers.hand_back(code, clerk=seeded.clerks["an"], force=True)
    assert ratings.can_rate(f"https://tra-cuu.example/{code}")
    record = ratings.rate(code, RatingScore.UNSATISFIED, "  Phải chờ   lâu  ")
    assert record.comment == "Phải chờ lâu"
    with services.db.read() as s:
        row = s.scalar(select(Rating).where(Rating.uuid == record.uuid))
        assert row is not None and row.score == 1 and row.at == clock.now
        entry = s.scalar(select(OutboxEntry).where(OutboxEntry.entity_uuid == record.uuid))
        assert entry is not None and entry.entity == "rating" and entry.state == "pending"
        assert entry.payload["score"] == 1 and entry.payload["comment"] == "Phải chờ lâu"
    with pytest.raises(RatingNotAllowed, match="đã được đánh giá"):
        ratings.rate(code, RatingScore.SATISFIED)
    report = ReportService.for_services(services).report(Period.day(clock.now.date()))
    assert report.ratings.counts[RatingScore.UNSATISFIED] == 1
    assert report.ratings.total == 2 and report.ratings.satisfied_pct == 50.0


def test_bad_input_leaves_nothing_behind(services, clock) -> None:  # type: ignore[no-untyped-def]
    seeded = seed(services, clock)
    code = seeded.codes[3]
    services.dossiers.hand_back(code, clerk=seeded.clerks["an"], force=True)
    ratings = RatingService(services.db, clock=clock)
    with services.db.read() as s:
        before = s.scalar(select(func.count()).select_from(OutboxEntry))
    with pytest.raises(InvalidValue, match="Ý kiến"):
        ratings.rate(code, RatingScore.SATISFIED, "x" * 501)
    with pytest.raises(ValueError):
        ratings.rate(code, 7)
    with pytest.raises(RatingNotAllowed):
        ratings.rate("rác", RatingScore.SATISFIED)
    with pytest.raises(RatingNotAllowed, match="Không tìm thấy"):
        ratings.rate("000.00.00.H49.Q01-201231-9999", RatingScore.SATISFIED)
    with services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(OutboxEntry)) == before
        assert s.scalar(select(func.count()).select_from(Rating)) == 1
    assert ratings.can_rate(code)
    clock.now = datetime(2026, 11, 27, 16, 30)
    assert ratings.rate(code, RatingScore.SATISFIED).at == clock.now


def test_labels_are_the_kiosk_answers() -> None:
    assert [s.label for s in reversed(RatingScore)] == [
        "Rất hài lòng",
        "Hài lòng",
        "Không hài lòng",
    ]
