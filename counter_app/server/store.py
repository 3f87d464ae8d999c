"""The server's state behind one facade: tokens, back-office commands and reads. Claiming pushed
records lives in `claims`, the change feed in `feed`, the tables in `schema`."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, func, select

from counter_app.catalog import parse_catalog
from counter_app.db.engine import Database
from counter_app.db.models import Dossier as DossierModel
from counter_app.db.models import Procedure as ProcedureModel
from counter_app.domain import DossierStatus, local_now
from counter_app.dossiers import public_view
from counter_app.server.claims import claim_batch
from counter_app.server.feed import add_change, read_changes, status_change
from counter_app.server.schema import (
    CounterIdentity,
    change_t,
    counter_t,
    dossier_t,
    event_t,
    metadata,
    record_t,
)
from counter_app.sync.protocol import (
    CALENDAR,
    CATALOG,
    DOSSIER_STATUS,
    REJECTED,
    Change,
    PushItem,
    PushResult,
)

if TYPE_CHECKING:
    from counter_app.server.files import ServerFiles

# Re-exported: callers import these from here.
__all__ = [
    "CounterIdentity",
    "ServerError",
    "ServerStore",
    "change_t",
    "counter_t",
    "dossier_t",
    "event_t",
    "hash_token",
    "metadata",
    "record_t",
]


class ServerError(ValueError):
    """A back-office command cannot be done; str(exc) is Vietnamese."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ServerStore:
    """All server-side state, on SQLite (default) or PostgreSQL (production)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # Set by the app when it serves uploads: a file record is taken only once its bytes are.
        self.files: ServerFiles | None = None

    @classmethod
    def open(cls, url: str) -> ServerStore:
        store = cls(Database(url))
        store.create_schema()
        return store

    def create_schema(self) -> None:
        metadata.create_all(self.db.engine)

    def close(self) -> None:
        self.db.dispose()

    # -- tokens --------------------------------------------------------------------------------

    def create_token(self, name: str, role: str = "counter") -> str:
        """A new token for counter `name` (replacing its old one); only its hash is stored."""
        name = name.strip()
        if not name or len(name) > 100:
            raise ServerError("Tên quầy phải từ 1 đến 100 ký tự.")
        if role not in ("counter", "portal"):
            raise ServerError("Vai trò mã truy cập phải là counter hoặc portal.")
        token = "ctr_" + secrets.token_urlsafe(32)
        with self.db.write() as s:
            row = s.execute(select(counter_t.c.id).where(counter_t.c.name == name)).first()
            if row is None:
                s.execute(
                    counter_t.insert().values(
                        name=name, token_hash=hash_token(token), created_at=local_now(), role=role
                    )
                )
            else:
                s.execute(
                    counter_t.update()
                    .where(counter_t.c.id == row.id)
                    .values(token_hash=hash_token(token), role=role)
                )
        return token

    def authenticate(self, token: str) -> CounterIdentity | None:
        if not token:
            return None
        with self.db.read() as s:
            row = s.execute(
                select(counter_t.c.id, counter_t.c.name, counter_t.c.role).where(
                    counter_t.c.token_hash == hash_token(token)
                )
            ).first()
        return CounterIdentity(row.id, row.name, row.role) if row is not None else None

    # -- push ----------------------------------------------------------------------------------

    def push(self, counter: CounterIdentity, items: Sequence[PushItem]) -> list[PushResult]:
        """Claim each record atomically: new → accepted, same hash → duplicate, else conflict."""
        waiting = {
            i.key: i for i in items if i.entity == "file" and not self._has_bytes(counter, i)
        }
        results = claim_batch(self.db, counter, [i for i in items if i.key not in waiting])
        by_key = {r.key: r for r in results}
        refused = PushResult(
            "file", "", 0, REJECTED, "Máy chủ chưa nhận đủ nội dung tệp: cần tải tệp lên trước."
        )
        return [
            by_key[i.key] if i.key in by_key else replace(refused, uuid=i.uuid, version=i.version)
            for i in items
        ]

    def _has_bytes(self, counter: CounterIdentity, item: PushItem) -> bool:
        sha = item.payload.get("sha256")
        return (
            self.files is not None
            and isinstance(sha, str)
            and self.files.complete(counter.name, sha)
        )

    # -- pull ----------------------------------------------------------------------------------

    def changes(self, counter: CounterIdentity, since: int, limit: int) -> tuple[list[Change], int]:
        """Feed entries after `since` for this counter (and broadcasts); also the next cursor."""
        return read_changes(self.db, counter, since, limit)

    # -- back office ---------------------------------------------------------------------------

    def advance(self, code: str, status: int, note: str = "", actor: str = "") -> int:
        """The back office moves a dossier on; returns the feed sequence number of the change."""
        try:
            new = DossierStatus(status)
        except ValueError as exc:
            raise ServerError(f"Trạng thái {status} không hợp lệ (1–10).") from exc
        now = local_now()
        with self.db.write() as s:
            row = s.execute(select(dossier_t).where(dossier_t.c.code == code.strip())).first()
            if row is None:
                raise ServerError(f"Không có hồ sơ mã {code} trên máy chủ.")
            event_uuid = str(uuidlib.uuid4())
            actor = actor or "Bộ phận xử lý"
            s.execute(
                event_t.insert().values(
                    uuid=event_uuid,
                    dossier_uuid=row.uuid,
                    status=int(new),
                    at=now,
                    actor=actor,
                    note=note,
                    source="server",
                )
            )
            s.execute(
                dossier_t.update()
                .where(dossier_t.c.id == row.id)
                .values(status=int(new), updated_at=now)
            )
            return add_change(
                s,
                self.db,
                DOSSIER_STATUS,
                row.counter_id,
                status_change(
                    row.uuid, row.code, int(new), event_uuid, now, note, actor, row.provincial_ref
                ),
            )

    def load_catalog(self, document: dict[str, Any]) -> int:
        """Publish a catalog document (procedures.json format) to every counter."""
        procedures = parse_catalog(document)
        with self.db.write() as s:
            add_change(s, self.db, CATALOG, None, {"procedures": document["procedures"]})
        return len(procedures)

    def set_calendar(self, day: date, kind: str | None, note: str = "") -> int:
        if kind not in ("off", "work", None):
            raise ServerError("Loại ngày phải là off hoặc work.")
        with self.db.write() as s:
            return add_change(
                s, self.db, CALENDAR, None, {"day": day.isoformat(), "kind": kind, "note": note}
            )

    # -- reading -------------------------------------------------------------------------------

    def stats(self) -> dict[str, int]:
        with self.db.read() as s:

            def count(t: Table) -> int:
                return int(s.scalar(select(func.count()).select_from(t)) or 0)

            return {
                "dossiers": count(dossier_t),
                "events": count(event_t),
                "records": count(record_t),
                "changes": count(change_t),
                "counters": count(counter_t),
            }

    def dossier(self, code: str) -> dict[str, Any] | None:
        """The stored dossier (status, version, ref), for tests and the back office."""
        with self.db.read() as s:
            row = s.execute(select(dossier_t).where(dossier_t.c.code == code)).first()
            return dict(row._mapping) if row is not None else None

    def record(self, entity: str, uuid: str, version: int) -> dict[str, Any] | None:
        """A stored record's payload, exactly as first accepted."""
        with self.db.read() as s:
            text_ = s.scalar(
                select(record_t.c.payload).where(
                    record_t.c.entity == entity,
                    record_t.c.uuid == uuid,
                    record_t.c.version == version,
                )
            )
        return json.loads(text_) if text_ is not None else None

    def events_of(self, dossier_uuid: str) -> list[dict[str, Any]]:
        with self.db.read() as s:
            rows = s.execute(
                select(event_t).where(event_t.c.dossier_uuid == dossier_uuid).order_by(event_t.c.id)
            ).all()
            return [dict(r._mapping) for r in rows]

    def public(self, code: str) -> dict[str, Any] | None:
        """The public projection (the same one the kiosk uses): nothing personal."""
        with self.db.read() as s:
            row = s.execute(select(dossier_t).where(dossier_t.c.code == code)).first()
        if row is None:
            return None
        d = DossierModel(
            code=row.code,
            status=row.status,
            applicant_name=row.applicant_name,
            appointment_at=row.appointment_at,
            result_delivery=row.result_delivery,
            procedure=ProcedureModel(code=row.procedure_code, name=row.procedure_name),
        )
        return public_view(d).to_json()
