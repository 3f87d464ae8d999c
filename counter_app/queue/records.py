"""The queue's records and the SQL pieces the store's transactions share.

Devices, issued tickets and events as the service returns them, and the row ↔ object mapping,
the per-day number counter and the "how many before me" count used inside the store's
transactions (kept apart from `store.py` so the facade reads as the queue's operations).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Row, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from counter_app.queue.domain import ROLE_ACTIONS, ServiceArea, Ticket, TicketState
from counter_app.queue.schema import event_t, sequence_t, ticket_t


@dataclass(frozen=True)
class Device:
    """An authenticated kiosk, counter PC or board."""

    id: int
    name: str
    role: str

    def may(self, action: str) -> bool:
        return action in ROLE_ACTIONS.get(self.role, frozenset())


@dataclass(frozen=True)
class Issued:
    """A ticket just issued and how many are served before it."""

    ticket: Ticket
    waiting_before: int

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.ticket.number,
            "area": self.ticket.area,
            "issued_at": self.ticket.issued_at.isoformat(),
            "waiting_before": self.waiting_before,
            "priority": self.ticket.priority,
            "category": self.ticket.category,
        }


@dataclass(frozen=True)
class QueueEvent:
    """One entry of the event log, as the push channel delivers it."""

    seq: int
    kind: str
    number: str
    area: str
    counter: int | None
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "kind": self.kind,
            "number": self.number,
            "area": self.area,
            "counter": self.counter,
            "at": self.at.isoformat(),
        }


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ticket_row(s: Session, day: date, number: str) -> Row[Any] | None:
    """The ticket `number` of `day`, as typed or spoken ("a001 " is A001)."""
    clean = number.strip().upper()
    return s.execute(
        select(ticket_t).where(ticket_t.c.day == day, ticket_t.c.number == clean)
    ).first()


def next_seq(s: Session, day: date, area: str) -> int:
    """Increment and return the area's counter for the day, inside the caller's transaction."""
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(sequence_t)
        .values(day=day, area=area, last_value=1)
        .on_conflict_do_update(
            index_elements=["day", "area"], set_={"last_value": sequence_t.c.last_value + 1}
        )
        .returning(sequence_t.c.last_value)
    )
    return int(s.execute(stmt).scalar_one())


def waiting_before(
    s: Session,
    day: date,
    area: str,
    priority: bool,
    ticket_id: int,
    issued_at: datetime | None = None,
) -> int:
    """How many waiting tickets of the area are called before this one (the call order is
    priority first, then time of issue, then id)."""
    t = ticket_t
    if issued_at is None:
        earlier = t.c.id < ticket_id
    else:
        earlier = (t.c.issued_at < issued_at) | (
            (t.c.issued_at == issued_at) & (t.c.id < ticket_id)
        )
    first = t.c.priority.is_(True)
    condition = (first & earlier) if priority else (first | earlier)
    return int(
        s.scalar(
            select(func.count())
            .select_from(t)
            .where(
                t.c.day == day,
                t.c.area == area,
                t.c.state == TicketState.WAITING.value,
                t.c.id != ticket_id,
                condition,
            )
        )
        or 0
    )


def log_event(
    s: Session, day: date, kind: str, number: str, area: str, counter: int | None, at: datetime
) -> None:
    s.execute(
        event_t.insert().values(
            day=day, kind=kind, number=number, area=area, counter=counter, at=at
        )
    )


def area_row(area: ServiceArea, position: int) -> dict[str, Any]:
    return {
        "area": area.area,
        "name": area.name,
        "prefix": area.prefix,
        "counters": list(area.counters),
        "sectors": list(area.sectors),
        "position": position,
    }


def area_of(row: Row[Any]) -> ServiceArea:
    return ServiceArea(
        area=row.area,
        name=row.name,
        prefix=row.prefix,
        counters=tuple(int(c) for c in cast(list[int], row.counters)),
        sectors=tuple(cast(list[str], row.sectors)),
    )


def ticket_of(row: Row[Any]) -> Ticket:
    return Ticket(
        number=row.number,
        area=row.area,
        day=row.day,
        state=TicketState(row.state),
        priority=bool(row.priority),
        category=row.category,
        issued_at=row.issued_at,
        called_at=row.called_at,
        done_at=row.done_at,
        counter=row.counter,
        calls=row.calls,
        dossier_code=row.dossier_code,
        procedure_code=row.procedure_code,
    )


def event_of(row: Row[Any]) -> QueueEvent:
    return QueueEvent(row.seq, row.kind, row.number, row.area, row.counter, row.at)
