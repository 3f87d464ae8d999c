"""Drill-down: the rows behind one figure of the report, counting exactly as the figure does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from counter_app.db.models import Dossier, OutboxEntry, Procedure, Rating, Slip
from counter_app.domain import DossierStatus, Permission, SlipKind
from counter_app.dossiers import open_filter, overdue_filter
from counter_app.ratings import RatingScore
from counter_app.reports.model import (
    NO_CLERK,
    NO_SECTOR,
    DrillList,
    Figure,
    Period,
    show_date,
    show_time,
)
from counter_app.reports.queries import NOT_SYNCED, ScopedQueries

if TYPE_CHECKING:
    from counter_app.auth import UserInfo

DRILL_LIMIT = 5000

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


class DrillDowns(ScopedQueries):
    """The drill-down lists of the dashboard, one query per figure."""

    def drill(
        self,
        figure: Figure,
        period: Period,
        key: str | None = None,
        *,
        by: UserInfo,
        limit: int = DRILL_LIMIT,
    ) -> DrillList:
        """The list behind one figure of `report(period)`; counts match the figure exactly."""
        by.require(Permission.VIEW_DASHBOARD)
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
                    *overdue_filter(as_of),
                    *self._dossier_scope(),
                )
                title = f"Hồ sơ quá hạn (tính đến {show_time(as_of)})"
                order = (Dossier.appointment_at, Dossier.id)
            elif figure is Figure.DUE_TODAY:
                due_start = datetime.combine(due_day, time.min)
                stmt = stmt.where(
                    open_filter(),
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
