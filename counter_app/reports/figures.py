"""Intake figures for the supervisor's dashboard and the exports, as SQL aggregates.

Every figure is a GROUP BY over an indexed range (received_at, slip.at, rating.at, or
(status, appointment_at)), so a day or a month stays fast on millions of dossiers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from counter_app.db.engine import Database
from counter_app.db.models import Dossier, OutboxEntry, Procedure, Rating, Slip
from counter_app.domain import FINISHED_STATUSES, DossierStatus, SlipKind, local_now
from counter_app.ratings import RatingScore

UNFINISHED = tuple(int(s) for s in DossierStatus if s not in FINISHED_STATUSES)
NOT_SYNCED = ("pending", "sending", "retry", "rejected", "conflict")
# Hours always shown on the chart even when empty: the centre's opening hours.
WORKING_HOURS = tuple(range(7, 18))
NO_CLERK = "(không rõ cán bộ)"
NO_SECTOR = "(chưa phân lĩnh vực)"
DRILL_LIMIT = 5000


def show_date(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def show_time(at: datetime | None) -> str:
    return f"{at:%H:%M %d/%m/%Y}" if at is not None else ""


@dataclass(frozen=True)
class Period:
    """A range of whole days, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(
                f"Khoảng ngày không hợp lệ: {show_date(self.start)} sau {show_date(self.end)}."
            )

    @classmethod
    def day(cls, day: date) -> Period:
        return cls(day, day)

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00, day after end 00:00): a half-open range the received_at index serves."""
        return datetime.combine(self.start, time.min), datetime.combine(
            self.end + timedelta(days=1), time.min
        )

    @property
    def is_single_day(self) -> bool:
        return self.start == self.end

    @property
    def label(self) -> str:
        if self.is_single_day:
            return f"ngày {show_date(self.start)}"
        return f"từ ngày {show_date(self.start)} đến ngày {show_date(self.end)}"

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class ReportScope:
    """Which counters the figures cover: the whole centre on a shared database, else this one."""

    all_counters: bool
    counter_no: int

    @property
    def label(self) -> str:
        if self.all_counters:
            return "Toàn trung tâm (tất cả các quầy dùng chung CSDL)"
        return f"Chỉ quầy số {self.counter_no} (máy quầy độc lập, không gồm các quầy khác)"


@dataclass(frozen=True)
class ProcedureCount:
    code: str
    name: str
    sector: str
    count: int


@dataclass(frozen=True)
class RatingSummary:
    counts: dict[RatingScore, int]
    with_comment: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def satisfied_pct(self) -> float | None:
        """Share of "satisfied" or "very satisfied" answers, in percent; None without ratings."""
        if not self.total:
            return None
        good = self.counts.get(RatingScore.SATISFIED, 0) + self.counts.get(
            RatingScore.VERY_SATISFIED, 0
        )
        return round(100.0 * good / self.total, 1)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {s.key: self.counts.get(s, 0) for s in reversed(RatingScore)}
        data["total"] = self.total
        data["with_comment"] = self.with_comment
        data["satisfied_pct"] = self.satisfied_pct
        return data


@dataclass(frozen=True)
class DayReport:
    """Every figure of the supervisor's report for one period."""

    period: Period
    scope: ReportScope
    generated_at: datetime
    as_of: datetime
    due_day: date
    total: int
    by_procedure: tuple[ProcedureCount, ...]
    by_sector: dict[str, int]
    by_counter: dict[int, int]
    by_clerk: dict[str, int]
    by_hour: dict[int, int]
    by_day: dict[date, int]
    by_status: dict[DossierStatus, int]
    overdue: int
    due_today: int
    supplement_requests: int
    refusals: int
    ratings: RatingSummary
    pending_sync: int
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of `counter-app report --json` (keys are part of the contract)."""
        return {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "total": self.total,
            "by_procedure": {p.code: p.count for p in self.by_procedure},
            "by_counter": {str(k): v for k, v in self.by_counter.items()},
            "by_hour": {f"{h:02d}": n for h, n in self.by_hour.items()},
            "overdue": self.overdue,
            "due_today": self.due_today,
            "supplement_requests": self.supplement_requests,
            "refusals": self.refusals,
            "ratings": self.ratings.to_json(),
            "by_sector": dict(self.by_sector),
            "by_clerk": dict(self.by_clerk),
            "by_day": {d.isoformat(): n for d, n in self.by_day.items()},
            "by_status": {str(int(s)): n for s, n in self.by_status.items()},
            "pending_sync": self.pending_sync,
            "due_day": self.due_day.isoformat(),
            "as_of": self.as_of.isoformat(),
            "scope": "centre" if self.scope.all_counters else "counter",
            "scope_label": self.scope.label,
            "counter_no": None if self.scope.all_counters else self.scope.counter_no,
            "procedures": {p.code: {"name": p.name, "sector": p.sector} for p in self.by_procedure},
            "generated_at": self.generated_at.isoformat(),
        }


class Figure(StrEnum):
    """A figure the supervisor can drill into; `key` narrows it (a procedure code, an hour...)."""

    TOTAL = "total"
    PROCEDURE = "procedure"
    SECTOR = "sector"
    COUNTER = "counter"
    CLERK = "clerk"
    HOUR = "hour"
    DAY = "day"
    STATUS = "status"
    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    SUPPLEMENT = "supplement"
    REFUSAL = "refusal"
    RATINGS = "ratings"
    PENDING_SYNC = "pending_sync"


@dataclass(frozen=True)
class DrillList:
    """The rows behind one figure, ready to show: Vietnamese headers, text cells."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    codes: tuple[str | None, ...]
    truncated: bool = False


@dataclass(frozen=True)
class RegisterLine:
    """One line of the register "Sổ theo dõi hồ sơ"."""

    number: int
    code: str
    procedure_name: str
    dossier_sets: int
    applicant_name: str
    contact: str
    received_at: datetime
    appointment_at: datetime
    handed_back_at: datetime | None
    status: DossierStatus
    counter_no: int
    clerk_name: str
    notes: str


_DOSSIER_HEADERS = (
    "Mã hồ sơ",
    "Người nộp",
    "Thủ tục",
    "Tiếp nhận",
    "Hẹn trả",
    "Trạng thái",
    "Quầy",
    "Cán bộ",
)


class ReportService:
    """Figures, drill-down lists and register lines for the dashboard, the CLI and the exports."""

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

    @classmethod
    def for_services(cls, services: Any) -> ReportService:
        """The report service of a `CounterServices` (duck-typed: db, settings, clock)."""
        return cls(services.db, counter_no=services.settings.counter_no, clock=services.clock)

    # -- helpers -------------------------------------------------------------------------------

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
                        Dossier.status.in_(UNFINISHED),
                        Dossier.appointment_at < as_of,
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
                        Dossier.status.in_(UNFINISHED),
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

    # -- drill-down ----------------------------------------------------------------------------

    def drill(
        self, figure: Figure, period: Period, key: str | None = None, *, limit: int = DRILL_LIMIT
    ) -> DrillList:
        """The list behind one figure of `report(period)`; counts match the figure exactly."""
        if figure is Figure.SUPPLEMENT or figure is Figure.REFUSAL:
            return self._drill_slips(figure, period, limit)
        if figure is Figure.RATINGS:
            return self._drill_ratings(period, key, limit)
        if figure is Figure.PENDING_SYNC:
            return self._drill_outbox(limit)
        as_of, due_day = self._as_of(period)
        stmt = select(
            Dossier.code,
            Dossier.applicant_name,
            Procedure.name,
            Dossier.received_at,
            Dossier.appointment_at,
            Dossier.status,
            Dossier.counter_no,
            Dossier.clerk_name,
        ).join(Procedure, Procedure.id == Dossier.procedure_id)
        title = f"Hồ sơ tiếp nhận {period.label}"
        order: Sequence[Any] = (Dossier.received_at, Dossier.id)
        with self._db.read() as s:
            if figure is Figure.OVERDUE:
                stmt = stmt.where(
                    Dossier.status.in_(UNFINISHED),
                    Dossier.appointment_at < as_of,
                    *self._dossier_scope(),
                )
                title = f"Hồ sơ quá hạn (tính đến {show_time(as_of)})"
                order = (Dossier.appointment_at, Dossier.id)
            elif figure is Figure.DUE_TODAY:
                due_start = datetime.combine(due_day, time.min)
                stmt = stmt.where(
                    Dossier.status.in_(UNFINISHED),
                    Dossier.appointment_at >= due_start,
                    Dossier.appointment_at < due_start + timedelta(days=1),
                    *self._dossier_scope(),
                )
                title = f"Hồ sơ đến hạn trả ngày {show_date(due_day)}, chưa xong"
                order = (Dossier.appointment_at, Dossier.id)
            else:
                stmt = stmt.where(*self._received_in(period))
                if figure is Figure.PROCEDURE:
                    stmt = stmt.where(Procedure.code == key)
                    title += f", thủ tục {key}"
                elif figure is Figure.SECTOR:
                    sector = "" if key in (None, NO_SECTOR) else key
                    stmt = stmt.where(func.coalesce(Procedure.sector, "") == sector)
                    title += f", lĩnh vực {key}"
                elif figure is Figure.COUNTER:
                    stmt = stmt.where(Dossier.counter_no == int(key or 0))
                    title += f", quầy số {key}"
                elif figure is Figure.CLERK:
                    clerk = "" if key in (None, NO_CLERK) else key
                    stmt = stmt.where(func.coalesce(Dossier.clerk_name, "") == clerk)
                    title += f", cán bộ {key}"
                elif figure is Figure.HOUR:
                    stmt = stmt.where(self._hour_expr(s) == f"{int(key or 0):02d}")
                    title += f", khung giờ {int(key or 0):02d}:00–{int(key or 0):02d}:59"
                elif figure is Figure.DAY:
                    stmt = stmt.where(self._day_expr(s) == key)
                    title = f"Hồ sơ tiếp nhận ngày {show_date(date.fromisoformat(key or ''))}"
                elif figure is Figure.STATUS:
                    status = DossierStatus(int(key or 0))
                    stmt = stmt.where(Dossier.status == int(status))
                    title += f", trạng thái «{status.label}»"
            rows = s.execute(stmt.order_by(*order).limit(limit + 1)).all()
        truncated = len(rows) > limit
        rows = rows[:limit]
        return DrillList(
            title=title,
            headers=_DOSSIER_HEADERS,
            rows=tuple(
                (
                    code,
                    name,
                    proc,
                    show_time(received),
                    show_time(appointment),
                    DossierStatus(status).label,
                    str(counter_no),
                    clerk or "",
                )
                for code, name, proc, received, appointment, status, counter_no, clerk in rows
            ),
            codes=tuple(r[0] for r in rows),
            truncated=truncated,
        )

    def _drill_slips(self, figure: Figure, period: Period, limit: int) -> DrillList:
        kind = SlipKind.SUPPLEMENT if figure is Figure.SUPPLEMENT else SlipKind.REFUSAL
        start, end = period.bounds
        stmt = (
            select(
                Slip.at,
                Slip.applicant_name,
                Procedure.name,
                Slip.items,
                Slip.reason,
                Slip.counter_no,
                Slip.clerk_name,
                Dossier.code,
            )
            .join(Procedure, Procedure.id == Slip.procedure_id)
            .outerjoin(Dossier, Dossier.id == Slip.dossier_id)
            .where(Slip.kind == kind.value, Slip.at >= start, Slip.at < end)
        )
        if not self.scope.all_counters:
            stmt = stmt.where(Slip.counter_no == self.scope.counter_no)
        with self._db.read() as s:
            rows = s.execute(stmt.order_by(Slip.at, Slip.id).limit(limit + 1)).all()
        truncated = len(rows) > limit
        rows = rows[:limit]
        title = (
            "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"
            if kind is SlipKind.SUPPLEMENT
            else "Phiếu từ chối tiếp nhận"
        )
        return DrillList(
            title=f"{title} {period.label}",
            headers=(
                "Thời gian",
                "Người nộp",
                "Thủ tục",
                "Giấy tờ / lý do",
                "Quầy",
                "Cán bộ",
                "Mã hồ sơ",
            ),
            rows=tuple(
                (
                    show_time(at),
                    name,
                    proc,
                    "; ".join([*(str(i) for i in (items or [])), *([reason] if reason else [])]),
                    str(counter_no),
                    clerk or "",
                    code or "",
                )
                for at, name, proc, items, reason, counter_no, clerk, code in rows
            ),
            codes=tuple(r[7] for r in rows),
            truncated=truncated,
        )

    def _drill_ratings(self, period: Period, key: str | None, limit: int) -> DrillList:
        start, end = period.bounds
        stmt = (
            select(Rating.at, Dossier.code, Rating.score, Rating.comment, Dossier.counter_no)
            .join(Dossier, Dossier.id == Rating.dossier_id)
            .where(Rating.at >= start, Rating.at < end, *self._dossier_scope())
        )
        title = f"Đánh giá của người dân {period.label}"
        if key:
            score = RatingScore(int(key))
            stmt = stmt.where(Rating.score == int(score))
            title += f": «{score.label}»"
        with self._db.read() as s:
            rows = s.execute(stmt.order_by(Rating.at, Rating.id).limit(limit + 1)).all()
        truncated = len(rows) > limit
        rows = rows[:limit]
        return DrillList(
            title=title,
            headers=("Thời gian", "Mã hồ sơ", "Đánh giá", "Ý kiến", "Quầy"),
            rows=tuple(
                (
                    show_time(at),
                    code,
                    RatingScore(score).label if score in (1, 2, 3) else str(score),
                    comment or "",
                    str(counter_no),
                )
                for at, code, score, comment, counter_no in rows
            ),
            codes=tuple(r[1] for r in rows),
            truncated=truncated,
        )

    def _drill_outbox(self, limit: int) -> DrillList:
        stmt = (
            select(
                OutboxEntry.created_at,
                OutboxEntry.entity,
                OutboxEntry.state,
                OutboxEntry.attempts,
                OutboxEntry.last_error,
                OutboxEntry.entity_uuid,
            )
            .where(OutboxEntry.state.in_(NOT_SYNCED))
            .order_by(OutboxEntry.id)
            .limit(limit + 1)
        )
        with self._db.read() as s:
            rows = s.execute(stmt).all()
        truncated = len(rows) > limit
        rows = rows[:limit]
        entity_labels = {
            "dossier": "Hồ sơ",
            "event": "Trạng thái",
            "slip": "Phiếu",
            "rating": "Đánh giá",
        }
        state_labels = {
            "pending": "Chờ gửi",
            "sending": "Đang gửi",
            "retry": "Chờ gửi lại",
            "rejected": "Bị từ chối",
            "conflict": "Xung đột",
        }
        return DrillList(
            title="Thay đổi chưa đồng bộ lên máy chủ tỉnh",
            headers=("Thời gian", "Loại", "Tình trạng", "Số lần gửi", "Lỗi gần nhất", "Mã"),
            rows=tuple(
                (
                    show_time(at),
                    entity_labels.get(entity, entity),
                    state_labels.get(state, state),
                    str(attempts),
                    (error or "")[:200],
                    uuid,
                )
                for at, entity, state, attempts, error, uuid in rows
            ),
            codes=tuple(None for _ in rows),
            truncated=truncated,
        )

    # -- the register --------------------------------------------------------------------------

    def register(self, period: Period) -> list[RegisterLine]:
        """Dossiers received in `period`, in order of receipt: the lines of "Sổ theo dõi hồ sơ"."""
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
            )
            .join(Procedure, Procedure.id == Dossier.procedure_id)
            .where(*self._received_in(period))
            .order_by(Dossier.received_at, Dossier.id)
        )
        lines: list[RegisterLine] = []
        with self._db.read() as s:
            for i, row in enumerate(s.execute(stmt), start=1):
                snapshot = row[4] if isinstance(row[4], dict) else {}
                contact = ", ".join(
                    str(v) for v in (snapshot.get("address"), snapshot.get("phone")) if v
                )
                lines.append(
                    RegisterLine(
                        number=i,
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
                    )
                )
        return lines


@dataclass(frozen=True)
class Letterhead:
    """Who the report is from, as printed at the top of exports."""

    parent_agency_name: str = ""
    agency_name: str = ""
    place: str = ""

    @classmethod
    def of(cls, services: Any) -> Letterhead:
        """From a `CounterServices`' centre settings (duck-typed)."""
        cfg = services.centre_config()
        return cls(cfg.parent_agency_name, cfg.agency_name, cfg.place)


def summary_rows(report: DayReport) -> list[tuple[Figure, str, int]]:
    """The headline figures, labelled in Vietnamese, in the order every export shows them."""
    return [
        (Figure.TOTAL, "Tổng số hồ sơ tiếp nhận", report.total),
        (Figure.SUPPLEMENT, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", report.supplement_requests),
        (Figure.REFUSAL, "Phiếu từ chối tiếp nhận", report.refusals),
        (
            Figure.OVERDUE,
            f"Hồ sơ quá hạn, chưa xong (tính đến {show_time(report.as_of)})",
            report.overdue,
        ),
        (
            Figure.DUE_TODAY,
            f"Hồ sơ đến hạn trả ngày {show_date(report.due_day)}, chưa xong",
            report.due_today,
        ),
        (Figure.PENDING_SYNC, "Thay đổi chờ đồng bộ lên máy chủ tỉnh", report.pending_sync),
        (Figure.RATINGS, "Lượt đánh giá của người dân", report.ratings.total),
    ]


def show_pct(value: float | None) -> str:
    """A percentage the Vietnamese way (decimal comma), or a dash."""
    return f"{value:.1f}%".replace(".", ",") if value is not None else "—"
