"""The queue's set-up behind the store: devices and their tokens, service areas, settings.

`QueueSetup` holds the database, the clock, the write lock and the change listeners the ticket
operations of `counter_app.queue.store.QueueStore` (its subclass) share.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.db.engine import Database
from counter_app.domain import local_now
from counter_app.queue.domain import (
    DEFAULT_AREAS,
    DEFAULT_PRIORITY_CATEGORIES,
    ROLES,
    QueueError,
    ServiceArea,
    TicketState,
)
from counter_app.queue.records import Device, area_of, area_row, hash_token
from counter_app.queue.schema import area_t, device_t, meta_t, ticket_t, upgrade

Clock = Callable[[], datetime]

#: Settings of the whole queue kept in `queue_meta` (`queue config set KEY VALUE`).
CONFIG_KEYS = ("centre_name", "priority_categories", "public_url")
AREAS_TTL_S = 5.0
TOKEN_TTL_S = 5.0


class QueueSetup:
    """Devices, areas and settings of the queue, on SQLite (default) or PostgreSQL."""

    def __init__(self, db: Database, *, clock: Clock = local_now) -> None:
        self.db = db
        self.clock = clock
        self._listeners: list[Callable[[], None]] = []
        # The service's threads queue for SQLite's write lock here, woken at once, rather than
        # in SQLite's busy handler, which sleeps up to 100 ms between tries.
        self._write_lock = threading.Lock()
        self._areas: tuple[float, list[ServiceArea]] | None = None
        self._devices: dict[str, tuple[float, Device | None]] = {}

    def close(self) -> None:
        self.db.dispose()

    def create_schema(self) -> None:
        """Create or upgrade the tables (`schema.upgrade`) and seed the default areas once."""
        with self._write() as s:
            upgrade(s)
            if not s.execute(select(area_t.c.area).limit(1)).first():
                for position, area in enumerate(DEFAULT_AREAS):
                    s.execute(area_t.insert().values(**area_row(area, position)))

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
        areas = [area_of(r) for r in rows]
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
                s.execute(area_t.insert().values(**area_row(area, position)))
            else:
                values = area_row(area, existing.position)
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
