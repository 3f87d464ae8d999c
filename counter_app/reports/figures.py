"""Intake figures for the supervisor's dashboard and the exports, as SQL aggregates.

Every figure is a GROUP BY over an indexed range (received_at, slip.at, rating.at, or
(status, appointment_at)), so a day or a month stays fast on millions of dossiers.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from counter_app.db.models import Dossier, DossierEvent, OutboxEntry, Procedure, Rating, Slip
from counter_app.domain import DossierStatus, Permission, SlipKind
from counter_app.dossier_codes import register_book
from counter_app.dossiers import open_filter, overdue_filter
from counter_app.ratings import RatingScore

# The value types and wording live in .model, the shared filters in .queries and the drill-down
# in .drill; they stay importable from here, where the dashboard and the exports look for them.
from counter_app.reports.drill import DRILL_LIMIT, DrillDowns
from counter_app.reports.model import (
    NO_CLERK,
    NO_SECTOR,
    DayReport,
    DrillList,
    Figure,
    Letterhead,
    Period,
    ProcedureCount,
    RatingSummary,
    RegisterLine,
    ReportScope,
    show_date,
    show_pct,
    show_time,
    summary_rows,
)
from counter_app.reports.queries import NOT_SYNCED, UNFINISHED

if TYPE_CHECKING:
    from counter_app.auth import UserInfo

__all__ = [
    "DRILL_LIMIT",
    "NOT_SYNCED",
    "NO_CLERK",
    "NO_SECTOR",
    "UNFINISHED",
    "WORKING_HOURS",
    "DayReport",
    "DrillList",
    "Figure",
    "Letterhead",
    "Period",
    "ProcedureCount",
    "RatingSummary",
    "RegisterLine",
    "ReportScope",
    "ReportService",
    "show_date",
    "show_pct",
    "show_time",
    "summary_rows",
]

# Hours always shown on the chart even when empty: the centre's opening hours.
WORKING_HOURS = tuple(range(7, 18))


class ReportService(DrillDowns):
    """Figures, drill-down lists and register lines for the dashboard, the CLI and the exports."""

    @classmethod
    def for_services(cls, services: Any) -> ReportService:
        """The report service of a `CounterServices` (duck-typed: db, settings, clock)."""
        return cls(services.db, counter_no=services.settings.counter_no, clock=services.clock)

    # -- the figures ---------------------------------------------------------------------------

    def report(self, period: Period) -> DayReport:
        """All figures for `period` (one query per kind of figure, each on an index)."""
        as_of, due_day = self._as_of(period)
        start, end = period.bounds
        with self._db.read() as s:
            hour = self._hour_expr(s)
            grouped = s.execute(
                select(
                    Dossier.procedure_id,
                    Dossier.counter_no,
                    Dossier.clerk_name,
                    hour,
                    func.count(),
                )
                .where(*self._received_in(period))
                .group_by(Dossier.procedure_id, Dossier.counter_no, Dossier.clerk_name, hour)
            ).all()
            procedure_ids = {row[0] for row in grouped}
            procedures: dict[int, tuple[str, str, str]] = {}
            if procedure_ids:
                for pid, code, name, sector in s.execute(
                    select(Procedure.id, Procedure.code, Procedure.name, Procedure.sector).where(
                        Procedure.id.in_(procedure_ids)
                    )
                ):
                    procedures[pid] = (code, name, sector or "")
            day = self._day_expr(s)
            by_day_rows = s.execute(
                select(day, func.count()).where(*self._received_in(period)).group_by(day)
            ).all()
            by_status_rows = s.execute(
                select(Dossier.status, func.count())
                .where(*self._received_in(period))
                .group_by(Dossier.status)
            ).all()
            overdue = (
                s.scalar(
                    select(func.count())
                    .select_from(Dossier)
                    .where(
                        *overdue_filter(as_of),
                        *self._dossier_scope(),
                    )
                )
                or 0
            )
            due_start = datetime.combine(due_day, time.min)
            due_today = (
                s.scalar(
                    select(func.count())
                    .select_from(Dossier)
                    .where(
                        open_filter(),
                        Dossier.appointment_at >= due_start,
                        Dossier.appointment_at < due_start + timedelta(days=1),
                        *self._dossier_scope(),
                    )
                )
                or 0
            )
            slip_where = [Slip.at >= start, Slip.at < end]
            if not self.scope.all_counters:
                slip_where.append(Slip.counter_no == self.scope.counter_no)
            slips = dict(
                s.execute(
                    select(Slip.kind, func.count()).where(*slip_where).group_by(Slip.kind)
                ).all()
            )
            rating_stmt = select(
                Rating.score, func.count(), func.count(func.nullif(Rating.comment, ""))
            ).where(Rating.at >= start, Rating.at < end)
            if not self.scope.all_counters:
                rating_stmt = rating_stmt.join(Dossier, Dossier.id == Rating.dossier_id).where(
                    *self._dossier_scope()
                )
            rating_rows = s.execute(rating_stmt.group_by(Rating.score)).all()
            pending_sync = (
                s.scalar(
                    select(func.count())
                    .select_from(OutboxEntry)
                    .where(OutboxEntry.state.in_(NOT_SYNCED))
                )
                or 0
            )

        proc_counts: Counter[int] = Counter()
        by_counter: Counter[int] = Counter()
        by_clerk: Counter[str] = Counter()
        by_hour: Counter[int] = Counter({h: 0 for h in WORKING_HOURS})
        for pid, counter_no, clerk, hh, n in grouped:
            proc_counts[pid] += n
            by_counter[counter_no] += n
            by_clerk[clerk or NO_CLERK] += n
            by_hour[int(hh)] += n
        by_procedure = tuple(
            sorted(
                (
                    ProcedureCount(*procedures.get(pid, (f"#{pid}", "", "")), count=n)
                    for pid, n in proc_counts.items()
                ),
                key=lambda p: (-p.count, p.code),
            )
        )
        by_sector: Counter[str] = Counter()
        for p in by_procedure:
            by_sector[p.sector or NO_SECTOR] += p.count
        counts_by_day = {date.fromisoformat(d): n for d, n in by_day_rows}
        ratings = RatingSummary(
            counts={RatingScore(score): n for score, n, _ in rating_rows if score in (1, 2, 3)},
            with_comment=sum(c for _, _, c in rating_rows),
        )
        return DayReport(
            period=period,
            scope=self.scope,
            generated_at=self._clock(),
            as_of=as_of,
            due_day=due_day,
            total=sum(proc_counts.values()),
            by_procedure=by_procedure,
            by_sector=dict(by_sector.most_common()),
            by_counter=dict(sorted(by_counter.items())),
            by_clerk=dict(sorted(by_clerk.items(), key=lambda kv: (-kv[1], kv[0]))),
            by_hour=dict(sorted(by_hour.items())),
            by_day={d: counts_by_day.get(d, 0) for d in period.days()}
            if len(period.days()) <= 366
            else dict(sorted(counts_by_day.items())),
            by_status={DossierStatus(st): n for st, n in sorted(by_status_rows)},
            overdue=overdue,
            due_today=due_today,
            supplement_requests=slips.get(SlipKind.SUPPLEMENT.value, 0),
            refusals=slips.get(SlipKind.REFUSAL.value, 0),
            ratings=ratings,
            pending_sync=pending_sync,
        )

    # -- the register --------------------------------------------------------------------------

    def register(self, period: Period, *, by: UserInfo) -> list[RegisterLine]:
        """Dossiers received in `period`, in order of receipt: the lines of "Sổ theo dõi hồ sơ".

        Names, addresses and phones of every applicant: supervisors and admins only.
        """
        by.require(Permission.VIEW_DASHBOARD)
        stmt = (
            select(
                Dossier.code,
                Procedure.name,
                Dossier.dossier_sets,
                Dossier.applicant_name,
                Dossier.applicant_snapshot,
                Dossier.received_at,
                Dossier.appointment_at,
                Dossier.handed_back_at,
                Dossier.status,
                Dossier.counter_no,
                Dossier.clerk_name,
                Dossier.notes,
                Dossier.unit_identifier,
                Dossier.register_month,
                Dossier.register_no,
            )
            .join(Procedure, Procedure.id == Dossier.procedure_id)
            .where(*self._received_in(period))
            # Book by book, in the entries' order: the STT is the receipt's "Số thứ tự".
            .order_by(
                Dossier.register_month,
                Dossier.unit_identifier,
                Dossier.register_no,
                Dossier.received_at,
                Dossier.id,
            )
        )
        lines: list[RegisterLine] = []
        with self._db.read() as s:
            # When each dossier first went to processing (4) and its result came back (9).
            received = select(Dossier.id).where(*self._received_in(period))
            firsts: dict[tuple[str, int], datetime] = {
                (code, status): at
                for code, status, at in s.execute(
                    select(Dossier.code, DossierEvent.status, func.min(DossierEvent.at))
                    .join(Dossier, Dossier.id == DossierEvent.dossier_id)
                    .where(
                        DossierEvent.dossier_id.in_(received),
                        DossierEvent.status.in_(
                            [int(DossierStatus.PROCESSING), int(DossierStatus.RESULT_READY)]
                        ),
                    )
                    .group_by(Dossier.code, DossierEvent.status)
                )
            }
            for row in s.execute(stmt):
                snapshot = row[4] if isinstance(row[4], dict) else {}
                contact = ", ".join(
                    str(v) for v in (snapshot.get("address"), snapshot.get("phone")) if v
                )
                lines.append(
                    RegisterLine(
                        number=row[14] or 0,
                        book=register_book(row[12], row[13]) if row[13] is not None else "",
                        code=row[0],
                        procedure_name=row[1],
                        dossier_sets=row[2],
                        applicant_name=row[3],
                        contact=contact,
                        received_at=row[5],
                        appointment_at=row[6],
                        handed_back_at=row[7],
                        status=DossierStatus(row[8]),
                        counter_no=row[9],
                        clerk_name=row[10] or "",
                        notes=row[11] or "",
                        transferred_at=firsts.get((row[0], int(DossierStatus.PROCESSING))),
                        result_received_at=firsts.get((row[0], int(DossierStatus.RESULT_READY))),
                    )
                )
        return lines
