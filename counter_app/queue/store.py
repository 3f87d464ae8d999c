"""The queue's state behind one facade: devices, areas, tickets and the event log.

Every change is one transaction. A ticket number comes from a per-area-per-day counter row that
the issuing transaction increments (as `counter_app.intake.allocate_code` does for dossier codes),
so two kiosks never get one number and a failed issue gives its number back. Calls take the
oldest waiting ticket (priority first) inside the same write lock (SQLite) or with
`FOR UPDATE SKIP LOCKED` (PostgreSQL), so two counters never call one ticket.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Row, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from counter_app.db.engine import Database
from counter_app.domain import local_now
from counter_app.queue.domain import (
    ACTIVE_STATES,
    DEFAULT_AREAS,
    DEFAULT_PRIORITY_CATEGORIES,
    ROLE_ACTIONS,
    ROLES,
    QueueError,
    ServiceArea,
    Ticket,
    TicketState,
    ticket_number,
)
from counter_app.queue.schema import (
    SCHEMA_VERSION,
    area_t,
    device_t,
    event_t,
    meta_t,
    metadata,
    sequence_t,
    ticket_t,
)

Clock = Callable[[], datetime]

#: Settings of the whole queue kept in `queue_meta` (`queue config set KEY VALUE`).
CONFIG_KEYS = ("centre_name", "priority_categories", "public_url")
AREAS_TTL_S = 5.0
TOKEN_TTL_S = 5.0


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


def percentile(samples: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (0–100) of the samples; None when there are none."""
    ordered = sorted(samples)
    if not ordered:
        return None
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    value = ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
    return round(value, 1)


class QueueStore:
    """All queue state, on SQLite (default) or PostgreSQL."""

    def __init__(self, db: Database, *, clock: Clock = local_now) -> None:
        self.db = db
        self.clock = clock
        self._listeners: list[Callable[[], None]] = []
        # The service's threads queue for SQLite's write lock here, woken at once, rather than
        # in SQLite's busy handler, which sleeps up to 100 ms between tries.
        self._write_lock = threading.Lock()
        self._areas: tuple[float, list[ServiceArea]] | None = None
        self._devices: dict[str, tuple[float, Device | None]] = {}

    @classmethod
    def open(cls, url: str, *, clock: Clock = local_now) -> QueueStore:
        store = cls(Database(url), clock=clock)
        store.create_schema()
        return store

    def close(self) -> None:
        self.db.dispose()

    def create_schema(self) -> None:
        """Create missing tables, record the schema version and seed the default areas once."""
        metadata.create_all(self.db.engine)
        with self._write() as s:
            found = s.scalar(select(meta_t.c.value).where(meta_t.c.key == "schema_version"))
            if found is not None and int(found) > SCHEMA_VERSION:
                raise QueueError(
                    f"CSDL hàng đợi thuộc phiên bản mới hơn ({found}); hãy cập nhật phần mềm."
                )
            if found is None:
                s.execute(meta_t.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
            if not s.execute(select(area_t.c.area).limit(1)).first():
                for position, area in enumerate(DEFAULT_AREAS):
                    s.execute(area_t.insert().values(**_area_row(area, position)))

    @contextmanager
    def _write(self) -> Iterator[Session]:
        if not self.db.is_sqlite:
            with self.db.write() as s:
                yield s
            return
        with self._write_lock, self.db.write() as s:
            yield s

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every committed change (the push channel wakes its waiters)."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()

    # -- devices -------------------------------------------------------------------------------

    def create_token(self, name: str, role: str) -> str:
        """A new token for device `name` (replacing its old one); only its hash is stored."""
        name = name.strip()
        if not name or len(name) > 100:
            raise QueueError("Tên thiết bị phải từ 1 đến 100 ký tự.")
        if role not in ROLES:
            raise QueueError(f"Vai trò phải là một trong: {', '.join(ROLES)}.")
        token = "que_" + secrets.token_urlsafe(32)
        self._devices.clear()
        with self._write() as s:
            row = s.execute(select(device_t.c.id).where(device_t.c.name == name)).first()
            values = {"role": role, "token_hash": hash_token(token)}
            if row is None:
                s.execute(device_t.insert().values(name=name, created_at=self.clock(), **values))
            else:
                s.execute(device_t.update().where(device_t.c.id == row.id).values(**values))
        return token

    def authenticate(self, token: str) -> Device | None:
        """The device holding `token`; remembered for TOKEN_TTL_S (every request asks), so a
        token replaced by `queue token create` stops working within that time."""
        if not token:
            return None
        key = hash_token(token)
        cached = self._devices.get(key)
        if cached is not None and time.monotonic() - cached[0] < TOKEN_TTL_S:
            return cached[1]
        with self.db.read() as s:
            row = s.execute(
                select(device_t.c.id, device_t.c.name, device_t.c.role).where(
                    device_t.c.token_hash == key
                )
            ).first()
        device = Device(row.id, row.name, row.role) if row is not None else None
        if len(self._devices) > 1000:  # wrong tokens must not grow it without bound
            self._devices.clear()
        self._devices[key] = (time.monotonic(), device)
        return device

    # -- configuration -------------------------------------------------------------------------

    def areas(self) -> list[ServiceArea]:
        """The service areas; cached for a few seconds (every call needs them), so a change made
        by `queue area set` from another process reaches a running service within AREAS_TTL_S."""
        cached = self._areas
        if cached is not None and time.monotonic() - cached[0] < AREAS_TTL_S:
            return list(cached[1])
        with self.db.read() as s:
            rows = s.execute(select(area_t).order_by(area_t.c.position, area_t.c.area)).all()
        areas = [_area_of(r) for r in rows]
        self._areas = (time.monotonic(), areas)
        return list(areas)

    def set_area(self, area: ServiceArea) -> None:
        """Add or change a service area (name, prefix, counters, catalog sectors)."""
        self._areas = None
        with self._write() as s:
            clash = s.scalar(
                select(area_t.c.area).where(
                    area_t.c.prefix == area.prefix, area_t.c.area != area.area
                )
            )
            if clash is not None:
                raise QueueError(f"Tiền tố {area.prefix} đã dùng cho khu vực {clash}.")
            existing = s.execute(select(area_t).where(area_t.c.area == area.area)).first()
            if existing is None:
                position = int(s.scalar(select(func.count()).select_from(area_t)) or 0)
                s.execute(area_t.insert().values(**_area_row(area, position)))
            else:
                values = _area_row(area, existing.position)
                s.execute(area_t.update().where(area_t.c.area == area.area).values(**values))

    def remove_area(self, area: str) -> None:
        self._areas = None
        with self._write() as s:
            waiting = s.scalar(
                select(func.count())
                .select_from(ticket_t)
                .where(ticket_t.c.area == area, ticket_t.c.state == TicketState.WAITING.value)
            )
            if waiting:
                raise QueueError(f"Khu vực {area} còn {waiting} số đang chờ, chưa xóa được.")
            s.execute(area_t.delete().where(area_t.c.area == area))

    def area_for_sector(self, sector: str) -> ServiceArea | None:
        """The area whose catalog sectors include `sector` (or the catch-all "*" area)."""
        areas = self.areas()
        for a in areas:
            if sector in a.sectors:
                return a
        return next((a for a in areas if "*" in a.sectors), None)

    def config(self) -> dict[str, Any]:
        """Centre name, priority categories and the public page's base address."""
        with self.db.read() as s:
            found = s.execute(
                select(meta_t.c.key, meta_t.c.value).where(meta_t.c.key.in_(CONFIG_KEYS))
            ).all()
        rows = {r.key: r.value for r in found}
        categories = (
            json.loads(rows["priority_categories"])
            if "priority_categories" in rows
            else [list(c) for c in DEFAULT_PRIORITY_CATEGORIES]
        )
        return {
            "centre_name": rows.get("centre_name", "Trung tâm Phục vụ hành chính công"),
            "priority_categories": [{"code": c, "label": lbl} for c, lbl in categories],
            "public_url": rows.get("public_url", ""),
        }

    def set_config(self, key: str, value: str) -> None:
        """`priority_categories` is written `code=Nhãn,code=Nhãn`."""
        if key not in CONFIG_KEYS:
            raise QueueError(
                f"Không có thiết lập «{key}». Các thiết lập: {', '.join(CONFIG_KEYS)}."
            )
        if key == "priority_categories":
            pairs = []
            for part in value.split(","):
                code, _, label = part.partition("=")
                if not code.strip() or not label.strip():
                    raise QueueError("Đối tượng ưu tiên viết dạng mã=Nhãn, cách nhau dấu phẩy.")
                pairs.append([code.strip(), label.strip()])
            value = json.dumps(pairs, ensure_ascii=False)
        with self._write() as s:
            s.execute(meta_t.delete().where(meta_t.c.key == key))
            s.execute(meta_t.insert().values(key=key, value=value))

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
            seq = _next_seq(s, day, area)
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
            before = _waiting_before(s, day, area, priority, ticket_id)
            _event(s, day, "issue", number, area, None, now)
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
                _event(s, day, "call", row.number, row.area, counter, now)
                result = _ticket_of(
                    s.execute(select(ticket_t).where(ticket_t.c.id == row.id)).one()
                )
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
            _event(s, day, "done", r.number, r.area, counter, now)
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

    def serve(self, number: str, dossier_code: str = "") -> Ticket:
        """The citizen is at the counter; a received dossier's code is linked to the ticket."""
        return self._change(
            number,
            "serve",
            ACTIVE_STATES,
            state=TicketState.SERVING,
            stamp="serving_at",
            dossier_code=dossier_code.strip()[:64],
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
        new_area: str = "",
    ) -> Ticket:
        now = self.clock()
        day = now.date()
        number = number.strip().upper()
        allowed = tuple(allowed)
        with self._write() as s:
            row = s.execute(
                select(ticket_t).where(ticket_t.c.day == day, ticket_t.c.number == number)
            ).first()
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
            if new_area:
                values.update(area=new_area, counter=None, transfers=ticket_t.c.transfers + 1)
            s.execute(ticket_t.update().where(ticket_t.c.id == row.id).values(**values))
            _event(s, day, kind, number, new_area or row.area, row.counter, now)
            found = s.execute(select(ticket_t).where(ticket_t.c.id == row.id)).one()
        self._changed()
        return _ticket_of(found)

    def ticket(self, number: str, day: date | None = None) -> Ticket | None:
        day = day or self.clock().date()
        with self.db.read() as s:
            row = s.execute(
                select(ticket_t).where(
                    ticket_t.c.day == day, ticket_t.c.number == number.strip().upper()
                )
            ).first()
        return _ticket_of(row) if row is not None else None

    def position(self, number: str, day: date | None = None) -> dict[str, Any] | None:
        """A ticket's public view: state, counter, how many are served before it."""
        day = day or self.clock().date()
        with self.db.read() as s:
            row = s.execute(
                select(ticket_t).where(
                    ticket_t.c.day == day, ticket_t.c.number == number.strip().upper()
                )
            ).first()
            if row is None:
                return None
            before = (
                _waiting_before(s, day, row.area, row.priority, row.id, row.issued_at)
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
            "last_calls": [_event_of(r).to_json() for r in calls],
            "seq": last_seq,
        }

    def events(self, since: int, limit: int = 100) -> list[QueueEvent]:
        with self.db.read() as s:
            rows = s.execute(
                select(event_t).where(event_t.c.seq > since).order_by(event_t.c.seq).limit(limit)
            ).all()
        return [_event_of(r) for r in rows]

    def last_seq(self) -> int:
        with self.db.read() as s:
            return int(s.scalar(select(func.max(event_t.c.seq))) or 0)

    def stats(self, start: date, end: date) -> dict[str, Any]:
        """Tickets, served, no-shows, wait (issued → first call) and service (call → done) times,
        overall, per counter, per area and per hour of issue (median and 90th percentile)."""
        if end < start:
            raise QueueError("Ngày kết thúc (--to) phải sau hoặc bằng ngày bắt đầu (--from).")
        with self.db.read() as s:
            rows = s.execute(
                select(ticket_t).where(ticket_t.c.day >= start, ticket_t.c.day <= end)
            ).all()
        names = {a.area: a.name for a in self.areas()}
        now = self.clock()
        waiting = [r for r in rows if r.state == TicketState.WAITING.value]
        result = _figures(rows)
        result.update(
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "waiting_now": len(waiting) if start <= now.date() <= end else 0,
                "longest_wait_s": (
                    max(int((now - r.issued_at).total_seconds()) for r in waiting)
                    if waiting and start <= now.date() <= end
                    else 0
                ),
                "by_counter": [
                    {"counter": c, **_figures(group)}
                    for c, group in _group(rows, lambda r: r.counter)
                    if c is not None
                ],
                "by_area": [
                    {"area": a, "name": names.get(a, a), **_figures(group)}
                    for a, group in _group(rows, lambda r: r.area)
                ],
                "by_hour": [
                    {"hour": h, **_figures(group)}
                    for h, group in _group(rows, lambda r: r.issued_at.hour)
                ],
            }
        )
        return result


def _figures(rows: Sequence[Row[Any]]) -> dict[str, Any]:
    waits = [(r.first_called_at - r.issued_at).total_seconds() for r in rows if r.first_called_at]
    services = [
        (r.done_at - r.called_at).total_seconds()
        for r in rows
        if r.state == TicketState.DONE.value and r.done_at and r.called_at
    ]
    return {
        "tickets": len(rows),
        "served": sum(1 for r in rows if r.state == TicketState.DONE.value),
        "no_shows": sum(1 for r in rows if r.state == TicketState.SKIPPED.value),
        "wait_s_p50": percentile(waits, 50),
        "wait_s_p90": percentile(waits, 90),
        "service_s_p50": percentile(services, 50),
        "service_s_p90": percentile(services, 90),
    }


def _group(
    rows: Sequence[Row[Any]], key: Callable[[Row[Any]], Any]
) -> list[tuple[Any, list[Row[Any]]]]:
    groups: dict[Any, list[Row[Any]]] = {}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    return sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0]))


def _next_seq(s: Session, day: date, area: str) -> int:
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


def _waiting_before(
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


def _event(
    s: Session, day: date, kind: str, number: str, area: str, counter: int | None, at: datetime
) -> None:
    s.execute(
        event_t.insert().values(
            day=day, kind=kind, number=number, area=area, counter=counter, at=at
        )
    )


def _area_row(area: ServiceArea, position: int) -> dict[str, Any]:
    return {
        "area": area.area,
        "name": area.name,
        "prefix": area.prefix,
        "counters": list(area.counters),
        "sectors": list(area.sectors),
        "position": position,
    }


def _area_of(row: Row[Any]) -> ServiceArea:
    return ServiceArea(
        area=row.area,
        name=row.name,
        prefix=row.prefix,
        counters=tuple(int(c) for c in cast(list[int], row.counters)),
        sectors=tuple(cast(list[str], row.sectors)),
    )


def _ticket_of(row: Row[Any]) -> Ticket:
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
    )


def _event_of(row: Row[Any]) -> QueueEvent:
    return QueueEvent(row.seq, row.kind, row.number, row.area, row.counter, row.at)
