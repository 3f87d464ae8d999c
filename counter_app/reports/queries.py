"""What every report query shares: the counters in scope and the day and hour expressions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import Session

from counter_app.db.engine import Database
from counter_app.db.models import Dossier
from counter_app.domain import OPEN_STATUSES, local_now
from counter_app.reports.model import Period, ReportScope

# Kept for callers that name the statuses; the overdue rule itself is `dossiers.overdue_filter`.
UNFINISHED = tuple(sorted(int(s) for s in OPEN_STATUSES))
NOT_SYNCED = ("pending", "sending", "retry", "rejected", "conflict")


class ScopedQueries:
    """The database, the clock and the counters in scope, with the filters built from them."""

    def __init__(
        self,
        db: Database,
        *,
        counter_no: int,
        clock: Callable[[], datetime] = local_now,
        all_counters: bool | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        # A shared PostgreSQL database holds every counter of the centre; a SQLite file is one PC.
        shared = db.is_postgres if all_counters is None else all_counters
        self.scope = ReportScope(all_counters=shared, counter_no=counter_no)

    def _dossier_scope(self) -> list[ColumnElement[bool]]:
        return [] if self.scope.all_counters else [Dossier.counter_no == self.scope.counter_no]

    def _received_in(self, period: Period) -> list[ColumnElement[bool]]:
        start, end = period.bounds
        return [Dossier.received_at >= start, Dossier.received_at < end, *self._dossier_scope()]

    def _as_of(self, period: Period) -> tuple[datetime, date]:
        """The instant overdue is judged at, and the day "due today" means, for a period."""
        now = self._clock()
        end = period.bounds[1]
        as_of = min(now, end)
        due_day = min(now.date(), period.end)
        return as_of, due_day

    @staticmethod
    def _hour_expr(s: Session) -> ColumnElement[Any]:
        if s.get_bind().dialect.name == "sqlite":
            # SQLAlchemy stores SQLite datetimes as "YYYY-MM-DD HH:MM:SS.ffffff" text.
            return func.substr(Dossier.received_at, 12, 2)
        return func.to_char(Dossier.received_at, "HH24")

    @staticmethod
    def _day_expr(s: Session) -> ColumnElement[Any]:
        if s.get_bind().dialect.name == "sqlite":
            return func.substr(Dossier.received_at, 1, 10)
        return func.to_char(Dossier.received_at, "YYYY-MM-DD")
