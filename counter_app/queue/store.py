"""The queue's state behind one facade: tickets and the event log, on top of the set-up
(devices, areas, settings: `counter_app.queue.setup`) and the figures (`queue.stats`).

Every change is one transaction. A ticket number comes from a per-area-per-day counter row that
the issuing transaction increments (as `counter_app.intake.allocate_code` does for dossier codes),
so two kiosks never get one number and a failed issue gives its number back. Calls take the
oldest waiting ticket (priority first) inside the same write lock (SQLite) or with
`FOR UPDATE SKIP LOCKED` (PostgreSQL), so two counters never call one ticket.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.db.engine import Database
from counter_app.domain import local_now
from counter_app.queue.domain import (
    ACTIVE_STATES,
    QueueError,
    Ticket,
    TicketState,
    ticket_number,
)
from counter_app.queue.records import (
    Device,
    Issued,
    QueueEvent,
    event_of,
    hash_token,
    log_event,
    next_seq,
    ticket_of,
    ticket_row,
    waiting_before,
)
from counter_app.queue.schema import area_t, event_t, ticket_t
from counter_app.queue.setup import CONFIG_KEYS, Clock, QueueSetup
from counter_app.queue.stats import percentile, ticket_stats

# Re-exported: callers import these from the store, as before the split.
__all__ = [
    "CONFIG_KEYS",
    "Device",
    "Issued",
    "QueueEvent",
    "QueueStore",
    "hash_token",
    "percentile",
]


class QueueStore(QueueSetup):
    """All queue state: the set-up (`QueueSetup`), tickets, the event log and the figures."""

    @classmethod
    def open(cls, url: str, *, clock: Clock = local_now) -> QueueStore:
        store = cls(Database(url), clock=clock)
        store.create_schema()
        return store

    # -- tickets -------------------------------------------------------------------------------

    def issue(
        self, area: str, *, priority: bool = False, category: str = "", kiosk: str = ""
    ) -> Issued:
        """A new ticket for `area`: the next number of the day, in one transaction."""
        if category and not priority:
            priority = True
        if priority and category:
            known = {c["code"] for c in self.config()["priority_categories"]}
            if category not in known:
                raise QueueError(f"Đối tượng ưu tiên «{category}» không có trong danh sách.")
        now = self.clock()
        day = now.date()
        with self._write() as s:
            row = s.execute(select(area_t).where(area_t.c.area == area)).first()
            if row is None:
                raise QueueError(f"Không có khu vực «{area}».")
            seq = next_seq(s, day, area)
            number = ticket_number(row.prefix, seq)
            ticket_id = s.execute(
                ticket_t.insert()
                .values(
                    day=day,
                    area=area,
                    issue_area=area,
                    seq=seq,
                    number=number,
                    priority=priority,
                    category=category if priority else "",
                    state=TicketState.WAITING.value,
                    issued_at=now,
                    calls=0,
                    transfers=0,
                    dossier_code="",
                    kiosk=kiosk[:100],
                )
                .returning(ticket_t.c.id)
            ).scalar_one()
            before = waiting_before(s, day, area, priority, ticket_id)
            log_event(s, day, "issue", number, area, None, now)
        self._changed()
        ticket = Ticket(
            number=number,
            area=area,
            day=day,
            state=TicketState.WAITING,
            priority=priority,
            category=category if priority else "",
            issued_at=now,
            called_at=None,
            done_at=None,
            counter=None,
            calls=0,
            dossier_code="",
        )
        return Issued(ticket, before)

    def call_next(self, counter: int) -> Ticket | None:
        """Close this counter's current ticket and call the next one it serves, or None."""
        served = [a.area for a in self.areas() if counter in a.counters]
        if not served:
            raise QueueError(f"Quầy số {counter} chưa được giao khu vực nào (queue area set).")
        now = self.clock()
        day = now.date()
        if not self._anything_to_do(day, counter, served):
            return None  # an idle counter pressing "next" takes no write lock
        with self._write() as s:
            closed = self._close_current(s, day, counter, now)
            query = (
                select(ticket_t)
                .where(
                    ticket_t.c.day == day,
                    ticket_t.c.state == TicketState.WAITING.value,
                    ticket_t.c.area.in_(served),
                )
                .order_by(ticket_t.c.priority.desc(), ticket_t.c.issued_at, ticket_t.c.id)
                .limit(1)
            )
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            row = s.execute(query).first()
            if row is None:
                result = None
            else:
                s.execute(
                    ticket_t.update()
                    .where(ticket_t.c.id == row.id)
                    .values(
                        state=TicketState.CALLED.value,
                        counter=counter,
                        called_at=now,
                        first_called_at=func.coalesce(ticket_t.c.first_called_at, now),
                        calls=ticket_t.c.calls + 1,
                    )
                )
                log_event(s, day, "call", row.number, row.area, counter, now)
                result = ticket_of(s.execute(select(ticket_t).where(ticket_t.c.id == row.id)).one())
        if closed or result is not None:
            self._changed()
        return result

    def _anything_to_do(self, day: date, counter: int, served: list[str]) -> bool:
        t = ticket_t
        waiting = (t.c.state == TicketState.WAITING.value) & t.c.area.in_(served)
        mine = t.c.state.in_(ACTIVE_STATES) & (t.c.counter == counter)
        with self.db.read() as s:
            found = s.execute(select(t.c.id).where(t.c.day == day, waiting | mine).limit(1)).first()
        return found is not None

    def _close_current(self, s: Session, day: date, counter: int, now: datetime) -> int:
        rows = s.execute(
            select(ticket_t.c.id, ticket_t.c.number, ticket_t.c.area).where(
                ticket_t.c.day == day,
                ticket_t.c.counter == counter,
                ticket_t.c.state.in_(ACTIVE_STATES),
            )
        ).all()
        for r in rows:
            s.execute(
                ticket_t.update()
                .where(ticket_t.c.id == r.id)
                .values(state=TicketState.DONE.value, done_at=now)
            )
            log_event(s, day, "done", r.number, r.area, counter, now)
        return len(rows)

    def done(self, number: str) -> Ticket:
        """The citizen has been served: the service time ends now."""
        return self._change(number, "done", ACTIVE_STATES, state=TicketState.DONE, stamp="done_at")

    def skip(self, number: str) -> Ticket:
        """The citizen did not come when called (a no-show)."""
        return self._change(
            number, "skip", ACTIVE_STATES, state=TicketState.SKIPPED, stamp="done_at"
        )

    def recall(self, number: str) -> Ticket:
        """Call the same number again (the board repeats the announcement)."""
        return self._change(number, "recall", ACTIVE_STATES, calls=True)

    def serve(self, number: str, dossier_code: str = "", procedure_code: str = "") -> Ticket:
        """The citizen is at the counter; a received dossier's code (and its procedure's, for the
        figures per procedure) is linked to the ticket."""
        return self._change(
            number,
            "serve",
            ACTIVE_STATES,
            state=TicketState.SERVING,
            stamp="serving_at",
            dossier_code=dossier_code.strip()[:64],
            procedure_code=procedure_code.strip()[:64],
        )

    def transfer(self, number: str, area: str) -> Ticket:
        """Send a called ticket to another area's queue; it keeps its number and place in time."""
        if area not in {a.area for a in self.areas()}:
            raise QueueError(f"Không có khu vực «{area}».")
        return self._change(
            number,
            "transfer",
            (*ACTIVE_STATES, TicketState.WAITING.value),
            state=TicketState.WAITING,
            new_area=area,
        )

    def _change(
        self,
        number: str,
        kind: str,
        allowed: Iterable[str],
        *,
        state: TicketState | None = None,
        stamp: str = "",
        calls: bool = False,
        dossier_code: str = "",
        procedure_code: str = "",
        new_area: str = "",
    ) -> Ticket:
        now = self.clock()
        day = now.date()
        number = number.strip().upper()
        allowed = tuple(allowed)
        with self._write() as s:
            row = ticket_row(s, day, number)
            if row is None:
                raise QueueError(f"Hôm nay không có số {number}.")
            if row.state not in allowed:
                label = TicketState(row.state).label.lower()
                raise QueueError(
                    f"Số {number} đang ở trạng thái «{label}», không thể làm việc này."
                )
            values: dict[str, Any] = {}
            if state is not None:
                values["state"] = state.value
            if stamp:
                values[stamp] = now
            if calls:
                values["calls"] = ticket_t.c.calls + 1
            if dossier_code:
                codes = [c for c in row.dossier_code.split(",") if c]
                if dossier_code not in codes:
                    codes.append(dossier_code)
                values["dossier_code"] = ",".join(codes)[:64]
            if procedure_code:
                procedures = [c for c in row.procedure_code.split(",") if c]
                if procedure_code not in procedures:
                    procedures.append(procedure_code)
                joined = ",".join(procedures)
                if len(joined) <= 200:  # a full list keeps the codes it has, never a cut one
                    values["procedure_code"] = joined
            if new_area:
                values.update(area=new_area, counter=None, transfers=ticket_t.c.transfers + 1)
            s.execute(ticket_t.update().where(ticket_t.c.id == row.id).values(**values))
            log_event(s, day, kind, number, new_area or row.area, row.counter, now)
            found = s.execute(select(ticket_t).where(ticket_t.c.id == row.id)).one()
        self._changed()
        return ticket_of(found)

    def ticket(self, number: str, day: date | None = None) -> Ticket | None:
        day = day or self.clock().date()
        with self.db.read() as s:
            row = ticket_row(s, day, number)
        return ticket_of(row) if row is not None else None

    def position(self, number: str, day: date | None = None) -> dict[str, Any] | None:
        """A ticket's public view: state, counter, how many are served before it."""
        day = day or self.clock().date()
        with self.db.read() as s:
            row = ticket_row(s, day, number)
            if row is None:
                return None
            before = (
                waiting_before(s, day, row.area, row.priority, row.id, row.issued_at)
                if row.state == TicketState.WAITING.value
                else 0
            )
        return {
            "number": row.number,
            "area": row.area,
            "state": row.state,
            "state_label": TicketState(row.state).label,
            "counter": row.counter,
            "waiting_before": before,
        }

    # -- reading -------------------------------------------------------------------------------

    def status(self, recent: int = 8) -> dict[str, Any]:
        """Each counter's current number, the waiting list in call order, the last calls."""
        day = self.clock().date()
        counters = sorted({c for a in self.areas() for c in a.counters})
        with self.db.read() as s:
            active = s.execute(
                select(ticket_t.c.counter, ticket_t.c.number, ticket_t.c.state)
                .where(ticket_t.c.day == day, ticket_t.c.state.in_(ACTIVE_STATES))
                .order_by(ticket_t.c.called_at)
            ).all()
            waiting = s.execute(
                select(ticket_t)
                .where(ticket_t.c.day == day, ticket_t.c.state == TicketState.WAITING.value)
                .order_by(ticket_t.c.priority.desc(), ticket_t.c.issued_at, ticket_t.c.id)
            ).all()
            calls = s.execute(
                select(event_t)
                .where(event_t.c.day == day, event_t.c.kind.in_(("call", "recall")))
                .order_by(event_t.c.seq.desc())
                .limit(recent)
            ).all()
            last_seq = int(s.scalar(select(func.max(event_t.c.seq))) or 0)
        current = {r.counter: r.number for r in active}
        now = self.clock()
        return {
            "counters": [{"counter": c, "current": current.get(c)} for c in counters],
            "waiting": [
                {
                    "number": r.number,
                    "area": r.area,
                    "priority": r.priority,
                    "issued_at": r.issued_at.isoformat(),
                    "wait_s": int((now - r.issued_at).total_seconds()),
                }
                for r in waiting
            ],
            "last_calls": [event_of(r).to_json() for r in calls],
            "seq": last_seq,
        }

    def events(self, since: int, limit: int = 100) -> list[QueueEvent]:
        with self.db.read() as s:
            rows = s.execute(
                select(event_t).where(event_t.c.seq > since).order_by(event_t.c.seq).limit(limit)
            ).all()
        return [event_of(r) for r in rows]

    def last_seq(self) -> int:
        with self.db.read() as s:
            return int(s.scalar(select(func.max(event_t.c.seq))) or 0)

    def stats(self, start: date, end: date) -> dict[str, Any]:
        """Wait and service figures of the days `start`…`end` (see `counter_app.queue.stats`)."""
        if end < start:
            raise QueueError("Ngày kết thúc (--to) phải sau hoặc bằng ngày bắt đầu (--from).")
        with self.db.read() as s:
            rows = s.execute(
                select(ticket_t).where(ticket_t.c.day >= start, ticket_t.c.day <= end)
            ).all()
        names = {a.area: a.name for a in self.areas()}
        return ticket_stats(rows, start, end, now=self.clock(), area_names=names)
