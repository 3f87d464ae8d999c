"""The server's own database: stored records, dossiers, events, tokens and the change feed."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from counter_app.catalog import parse_catalog
from counter_app.db.engine import Database
from counter_app.db.models import Dossier as DossierModel
from counter_app.db.models import Procedure as ProcedureModel
from counter_app.domain import DossierStatus, local_now
from counter_app.dossiers import public_view
from counter_app.outbox import canonical_json
from counter_app.sync.protocol import (
    ACCEPTED,
    CALENDAR,
    CATALOG,
    CONFLICT,
    DOSSIER_STATUS,
    DUPLICATE,
    MAX_RESPONSE_BYTES,
    REJECTED,
    Change,
    PushItem,
    PushResult,
)

metadata = MetaData()

counter_t = Table(
    "counter",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
)
# Every record ever accepted, keyed for idempotency: the unique constraint is the claim.
record_t = Table(
    "record",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entity", String(16), nullable=False),
    Column("uuid", String(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    # Canonical JSON text: the exact bytes the hash was computed from.
    Column("payload", Text, nullable=False),
    Column("counter_id", Integer, nullable=False),
    Column("received_at", DateTime, nullable=False),
    # uuid first: lookups by a batch's uuids use this index directly.
    UniqueConstraint("uuid", "entity", "version", name="uq_record_key"),
)
dossier_t = Table(
    "dossier",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("counter_id", Integer, nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("status", Integer, nullable=False),
    Column("provincial_ref", String(64), nullable=False),
    Column("procedure_code", String(32), nullable=False),
    Column("procedure_name", String(500), nullable=False),
    Column("applicant_name", String(255), nullable=False),
    Column("result_delivery", String(16), nullable=False),
    Column("appointment_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)
event_t = Table(
    "event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("dossier_uuid", String(36), nullable=False, index=True),
    Column("status", Integer, nullable=False),
    Column("at", DateTime, nullable=False),
    Column("actor", String(255), nullable=False),
    Column("note", Text, nullable=False),
    Column("source", String(16), nullable=False),
)
# The pull feed. seq orders it; writers serialise (see _lock_feed) so seq order is commit order.
change_t = Table(
    "change",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("counter_id", Integer, nullable=True, index=True),
    Column("data", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    sqlite_autoincrement=True,
)

_FEED_LOCK = 7_340_001


class ServerError(ValueError):
    """A back-office command cannot be done; str(exc) is Vietnamese."""


@dataclass(frozen=True)
class CounterIdentity:
    id: int
    name: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _parse_dt(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        return None


_STATUSES = frozenset(s.value for s in DossierStatus)


def _check_dossier(p: dict[str, Any]) -> str:
    """Why a dossier payload cannot be stored ('' when it can)."""
    for key in ("code", "procedure_code", "procedure_name"):
        if not isinstance(p.get(key), str) or not p[key]:
            return f"Thiếu trường {key}."
    if len(p["code"]) > 64:
        return "Mã hồ sơ quá dài."
    if _parse_dt(p.get("appointment_at")) is None or _parse_dt(p.get("received_at")) is None:
        return "Thời điểm tiếp nhận hoặc hẹn trả không hợp lệ."
    if not isinstance(p.get("applicant"), dict):
        return "Thiếu thông tin người nộp."
    status = p.get("status")
    if not isinstance(status, int) or status not in _STATUSES:
        return "Trạng thái hồ sơ không hợp lệ."
    return ""


def _check_event(p: dict[str, Any]) -> str:
    status = p.get("status")
    if not isinstance(status, int) or status not in _STATUSES:
        return "Trạng thái không hợp lệ."
    if not isinstance(p.get("dossier_uuid"), str) or _parse_dt(p.get("at")) is None:
        return "Thiếu hồ sơ hoặc thời điểm của sự kiện."
    return ""


class ServerStore:
    """All server-side state, on SQLite (default) or PostgreSQL (production)."""

    def __init__(self, db: Database) -> None:
        self.db = db

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

    def create_token(self, name: str) -> str:
        """A new token for counter `name` (replacing its old one); only its hash is stored."""
        name = name.strip()
        if not name or len(name) > 100:
            raise ServerError("Tên quầy phải từ 1 đến 100 ký tự.")
        token = "ctr_" + secrets.token_urlsafe(32)
        with self.db.write() as s:
            row = s.execute(select(counter_t.c.id).where(counter_t.c.name == name)).first()
            if row is None:
                s.execute(
                    counter_t.insert().values(
                        name=name, token_hash=hash_token(token), created_at=local_now()
                    )
                )
            else:
                s.execute(
                    counter_t.update()
                    .where(counter_t.c.id == row.id)
                    .values(token_hash=hash_token(token))
                )
        return token

    def authenticate(self, token: str) -> CounterIdentity | None:
        if not token:
            return None
        with self.db.read() as s:
            row = s.execute(
                select(counter_t.c.id, counter_t.c.name).where(
                    counter_t.c.token_hash == hash_token(token)
                )
            ).first()
        return CounterIdentity(row.id, row.name) if row is not None else None

    # -- push ----------------------------------------------------------------------------------

    def push(self, counter: CounterIdentity, items: Sequence[PushItem]) -> list[PushResult]:
        """Claim each record atomically: new → accepted, same hash → duplicate, else conflict."""
        for attempt in range(3):
            try:
                with self.db.write() as s:
                    return _Push(s, counter, self.db).run(items)
            except IntegrityError:
                # A concurrent batch claimed one of the same keys or codes first; run ours again
                # so it compares against what that batch committed.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    # -- pull ----------------------------------------------------------------------------------

    def changes(self, counter: CounterIdentity, since: int, limit: int) -> tuple[list[Change], int]:
        """Feed entries after `since` for this counter (and broadcasts); also the next cursor."""
        with self.db.read() as s:
            rows = s.execute(
                select(change_t.c.seq, change_t.c.kind, change_t.c.data)
                .where(change_t.c.seq > since)
                .where((change_t.c.counter_id.is_(None)) | (change_t.c.counter_id == counter.id))
                .order_by(change_t.c.seq)
                .limit(limit)
            ).all()
        out: list[Change] = []
        budget = MAX_RESPONSE_BYTES // 2
        for r in rows:
            size = len(json.dumps(r.data, ensure_ascii=False))
            if out and size > budget:
                break
            budget -= size
            out.append(Change(r.seq, r.kind, r.data))
        nxt = out[-1].seq if out else since
        return out, nxt

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
            return _add_change(
                s,
                self.db,
                DOSSIER_STATUS,
                row.counter_id,
                _status_change(row.uuid, row.code, int(new), event_uuid, now, note, actor, row),
            )

    def load_catalog(self, document: dict[str, Any]) -> int:
        """Publish a catalog document (procedures.json format) to every counter."""
        procedures = parse_catalog(document)
        with self.db.write() as s:
            _add_change(s, self.db, CATALOG, None, {"procedures": document["procedures"]})
        return len(procedures)

    def set_calendar(self, day: date, kind: str | None, note: str = "") -> int:
        if kind not in ("off", "work", None):
            raise ServerError("Loại ngày phải là off hoặc work.")
        with self.db.write() as s:
            return _add_change(
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


def _status_change(
    uuid: str,
    code: str,
    status: int,
    event_uuid: str,
    at: datetime,
    note: str,
    actor: str,
    row: Any,
) -> dict[str, Any]:
    return {
        "dossier_uuid": uuid,
        "code": code,
        "status": status,
        "event_uuid": event_uuid,
        "at": at.isoformat(),
        "note": note,
        "actor": actor,
        "provincial_ref": row.provincial_ref,
    }


def _add_change(
    s: Session, db: Database, kind: str, counter_id: int | None, data: dict[str, Any]
) -> int:
    if db.is_postgres:
        # Sequence values are handed out before commit; holding one lock until commit makes
        # seq order equal commit order, so a reader past seq N can never miss a later commit < N.
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _FEED_LOCK})
    result = s.execute(
        change_t.insert()
        .values(kind=kind, counter_id=counter_id, data=data, created_at=local_now())
        .returning(change_t.c.seq)
    )
    return int(result.scalar_one())


class _Push:
    """One push batch inside one transaction."""

    def __init__(self, s: Session, counter: CounterIdentity, db: Database) -> None:
        self.s = s
        self.counter = counter
        self.db = db
        self.now = local_now()
        self.dossiers: dict[str, dict[str, Any]] = {}

    def run(self, items: Sequence[PushItem]) -> list[PushResult]:
        s = self.s
        stored = self._stored_hashes([i.key for i in items])
        self._load_dossiers(items)
        results: dict[tuple[str, str, int], PushResult] = {}
        fresh: list[tuple[PushItem, str]] = []
        batch: dict[tuple[str, str, int], str] = {}
        for item in items:
            known = stored.get(item.key) or batch.get(item.key)
            if known is not None:
                results[item.key] = self._verdict(item, known)
                continue
            canonical = canonical_json(item.payload)
            if hashlib.sha256(canonical.encode()).hexdigest() != item.hash:
                results[item.key] = PushResult(
                    *item.key, REJECTED, "Mã băm không khớp nội dung bản ghi."
                )
                continue
            problem = self._apply(item)
            if problem:
                results[item.key] = PushResult(*item.key, REJECTED, problem)
                continue
            batch[item.key] = item.hash
            fresh.append((item, canonical))
            results[item.key] = PushResult(*item.key, ACCEPTED, ref=self._ref(item))
        if fresh:
            rows = [
                {
                    "entity": i.entity,
                    "uuid": i.uuid,
                    "version": i.version,
                    "content_hash": i.hash,
                    "payload": text,
                    "counter_id": self.counter.id,
                    "received_at": self.now,
                }
                for i, text in fresh
            ]
            # The claim: keys were checked above in this transaction; a concurrent transaction
            # claiming one of them first makes this INSERT fail on the unique constraint, the
            # whole batch rolls back, and push() runs it again to compare against that claim.
            s.execute(record_t.insert(), rows)
            self._flush()
        return [results[i.key] for i in items]

    def _verdict(self, item: PushItem, known: str) -> PushResult:
        if known == item.hash:
            return PushResult(*item.key, DUPLICATE, ref=self._ref(item))
        return PushResult(
            *item.key,
            CONFLICT,
            "Máy chủ đã có bản ghi cùng khóa với nội dung khác.",
        )

    def _ref(self, item: PushItem) -> str | None:
        if item.entity != "dossier":
            return None
        d = self.dossiers.get(item.uuid)
        return str(d["provincial_ref"]) if d else None

    def _stored_hashes(self, keys: list[tuple[str, str, int]]) -> dict[tuple[str, str, int], str]:
        out: dict[tuple[str, str, int], str] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = self.s.execute(
                select(
                    record_t.c.entity, record_t.c.uuid, record_t.c.version, record_t.c.content_hash
                ).where(record_t.c.uuid.in_(sorted({k[1] for k in chunk})))
            )
            wanted = set(chunk)
            for r in rows:
                if (r.entity, r.uuid, r.version) in wanted:
                    out[(r.entity, r.uuid, r.version)] = r.content_hash
        return out

    def _load_dossiers(self, items: Sequence[PushItem]) -> None:
        wanted = {i.uuid for i in items if i.entity == "dossier"} | {
            str(i.payload.get("dossier_uuid"))
            for i in items
            if i.entity != "dossier" and i.payload.get("dossier_uuid")
        }
        codes = {str(i.payload.get("code")) for i in items if i.entity == "dossier"}
        wanted_list, code_list = sorted(wanted), sorted(codes)
        self.by_code: dict[str, str] = {}
        for start in range(0, max(len(wanted_list), len(code_list)), 500):
            rows = self.s.execute(
                select(dossier_t).where(
                    dossier_t.c.uuid.in_(wanted_list[start : start + 500])
                    | dossier_t.c.code.in_(code_list[start : start + 500])
                )
            )
            for r in rows:
                self.dossiers[r.uuid] = {**r._mapping, "_new": False, "_dirty": False}
                self.by_code[r.code] = r.uuid
        self.new_events: list[dict[str, Any]] = []

    def _apply(self, item: PushItem) -> str:
        """Fold one new record into the server's tables; returns why not ('' when applied)."""
        p = item.payload
        if item.entity == "dossier":
            return self._apply_dossier(item, p)
        if item.entity == "event":
            return self._apply_event(item, p)
        if not isinstance(p.get("uuid"), str) or p["uuid"] != item.uuid:
            return "Mã định danh trong nội dung không khớp."
        return ""  # slips and ratings are stored as records only

    def _apply_dossier(self, item: PushItem, p: dict[str, Any]) -> str:
        problem = _check_dossier(p)
        if problem:
            return problem
        if p.get("uuid") != item.uuid:
            return "Mã định danh trong nội dung không khớp."
        owner = self.by_code.get(p["code"])
        if owner is not None and owner != item.uuid:
            return f"Mã hồ sơ {p['code']} đã được dùng cho một hồ sơ khác."
        current = self.dossiers.get(item.uuid)
        fields = {
            "code": p["code"],
            "procedure_code": p["procedure_code"][:32],
            "procedure_name": p["procedure_name"][:500],
            "applicant_name": str(p["applicant"].get("name", ""))[:255],
            "result_delivery": str(p.get("result_delivery", "counter"))[:16],
            "appointment_at": _parse_dt(p["appointment_at"]),
            "version": item.version,
            "updated_at": self.now,
        }
        if current is None:
            self.dossiers[item.uuid] = {
                **fields,
                "uuid": item.uuid,
                "counter_id": self.counter.id,
                # Status belongs to the server after intake: only the first version sets it.
                "status": p["status"],
                "provincial_ref": "QN-" + uuidlib.uuid4().hex[:12].upper(),
                "_new": True,
                "_dirty": False,
            }
            self.by_code[p["code"]] = item.uuid
        elif current["code"] != p["code"]:
            return "Không được đổi mã hồ sơ đã gửi."
        elif item.version > current["version"]:
            current.update(fields)
            current["_dirty"] = True
        return ""

    def _apply_event(self, item: PushItem, p: dict[str, Any]) -> str:
        problem = _check_event(p)
        if problem:
            return problem
        if p.get("uuid") != item.uuid or item.version != 1:
            return "Mã định danh hoặc phiên bản của sự kiện không hợp lệ."
        d = self.dossiers.get(p["dossier_uuid"])
        if d is None:
            return "Máy chủ chưa có hồ sơ của sự kiện này."
        at = _parse_dt(p["at"])
        self.new_events.append(
            {
                "uuid": item.uuid,
                "dossier_uuid": d["uuid"],
                "status": p["status"],
                "at": at,
                "actor": str(p.get("actor", ""))[:255],
                "note": str(p.get("note", "")),
                "source": "counter",
            }
        )
        # The intake event only repeats the creation; later counter events (hand-back, supplement
        # slip) move the dossier and are echoed in the feed in server order.
        if p["status"] != DossierStatus.RECEIVED and p["status"] != d["status"]:
            d["status"] = p["status"]
            d["_dirty"] = True
            d.setdefault("_echo", []).append((item.uuid, at, p))
        return ""

    def _flush(self) -> None:
        s = self.s
        new = [
            {k: v for k, v in d.items() if not k.startswith("_")}
            for d in self.dossiers.values()
            if d["_new"]
        ]
        if new:
            s.execute(dossier_t.insert(), new)
        for d in self.dossiers.values():
            if d["_dirty"] and not d["_new"]:
                values = {k: v for k, v in d.items() if not k.startswith("_") and k != "id"}
                s.execute(dossier_t.update().where(dossier_t.c.uuid == d["uuid"]).values(values))
        if self.new_events:
            s.execute(event_t.insert(), self.new_events)
        for d in self.dossiers.values():
            for event_uuid, at, p in d.get("_echo", []):
                row = _Row(d["provincial_ref"])
                data = _status_change(
                    d["uuid"],
                    d["code"],
                    p["status"],
                    event_uuid,
                    at,
                    str(p.get("note", "")),
                    str(p.get("actor", "")),
                    row,
                )
                _add_change(s, self.db, DOSSIER_STATUS, d["counter_id"], data)


@dataclass(frozen=True)
class _Row:
    provincial_ref: str
