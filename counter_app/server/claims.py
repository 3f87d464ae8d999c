"""Claiming pushed records: insert-or-compare on (entity, uuid, version), and folding the new
ones into the server's dossiers and events, one batch per transaction."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from counter_app.db.engine import Database
from counter_app.domain import DossierStatus, local_now
from counter_app.outbox import canonical_json
from counter_app.server.feed import add_changes, status_change
from counter_app.server.schema import CounterIdentity, dossier_t, event_t, record_t
from counter_app.server.validate import (
    MAX_RECORD_CHARS,
    Invalid,
    appointment_change,
    check_dossier_content,
    check_event_time,
    check_first_status,
    check_payload,
    code_parts,
)
from counter_app.server.validate import parse_dt as _parse_dt
from counter_app.sync.protocol import (
    ACCEPTED,
    CODE_TAKEN_TEXT,
    CONFLICT,
    DOSSIER_STATUS,
    DUPLICATE,
    REJECTED,
    PushItem,
    PushResult,
)


def claim_batch(
    db: Database, counter: CounterIdentity, items: Sequence[PushItem]
) -> list[PushResult]:
    """Claim each record atomically: new → accepted, same hash → duplicate, else conflict."""
    # The CPU work (text rules, canonical JSON, hash) is done before the write transaction, so
    # concurrent counters hold the database's write lock only for the queries and inserts.
    now, unit = local_now(), str(counter.unit)
    prepared = {item.key: _prepare(item, unit, now) for item in items}
    for attempt in range(3):
        try:
            with writer(db), db.write() as s:
                return _Push(s, counter, db).run(items, prepared)
        except IntegrityError:
            # A concurrent batch claimed one of the same keys or codes first; run ours again
            # so it compares against what that batch committed.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


_STATUSES = frozenset(s.value for s in DossierStatus)
#: Statuses a counter may set with an event: intake, refusal, supplement slip, withdrawal,
#: hand-back. The rest (processing, payment, stop, result ready) belong to the back office.
COUNTER_STATUSES = frozenset(
    {
        DossierStatus.RECEIVED,
        DossierStatus.REFUSED,
        DossierStatus.SUPPLEMENT_REQUESTED,
        DossierStatus.WITHDRAWN,
        DossierStatus.RETURNED,
    }
)
OTHER_UNIT = "Hồ sơ {code} thuộc đơn vị {owner}, không phải của quầy này ({unit})."


def _check_dossier(p: dict[str, Any], unit: str) -> str:
    """Why a dossier payload cannot be stored ('' when it can)."""
    for key in ("code", "procedure_code", "procedure_name"):
        if not isinstance(p.get(key), str) or not p[key]:
            return f"Thiếu trường {key}."
    if code_parts(p["code"], unit) is None:
        return (
            f"Mã hồ sơ {p['code'][:64]} không phải mã của đơn vị {unit} (dạng {unit}-YYMMDD-NNNN)."
        )
    if p.get("unit_identifier", unit) != unit:
        return f"Trường unit_identifier phải là {unit}."
    if _parse_dt(p.get("appointment_at")) is None or _parse_dt(p.get("received_at")) is None:
        return "Thời điểm tiếp nhận hoặc hẹn trả không hợp lệ."
    if not isinstance(p.get("applicant"), dict):
        return "Thiếu thông tin người nộp."
    status = p.get("status")
    if not isinstance(status, int) or status not in _STATUSES:
        return "Trạng thái hồ sơ không hợp lệ."
    if not isinstance(p.get("undigitised_reason", ""), str):
        return "Trường undigitised_reason phải là văn bản."
    return ""


def _check_event(p: dict[str, Any]) -> str:
    status = p.get("status")
    if not isinstance(status, int) or status not in _STATUSES:
        return "Trạng thái không hợp lệ."
    if not isinstance(p.get("dossier_uuid"), str) or _parse_dt(p.get("at")) is None:
        return "Thiếu hồ sơ hoặc thời điểm của sự kiện."
    return ""


def _fresh_refs(count: int) -> Iterator[str]:
    """Provincial references for a batch's new dossiers: one call for the randomness, not one
    system call per dossier."""
    pool = os.urandom(6 * count).hex().upper()
    return (f"QN-{pool[i : i + 12]}" for i in range(0, len(pool), 12))


class _Push:
    """One push batch inside one transaction."""

    def __init__(self, s: Session, counter: CounterIdentity, db: Database) -> None:
        self.s = s
        self.counter = counter
        self.db = db
        self.now = local_now()
        self.dossiers: dict[str, dict[str, Any]] = {}
        self.refs: Iterator[str] = iter(())

    def run(
        self, items: Sequence[PushItem], prepared: dict[tuple[str, str, int], tuple[str, str]]
    ) -> list[PushResult]:
        s = self.s
        self.order = {i.uuid: n for n, i in enumerate(items)}
        self.refs = _fresh_refs(sum(1 for i in items if i.entity == "dossier"))
        stored = self._stored_hashes([i.key for i in items])
        self._load_dossiers(items)
        results: dict[tuple[str, str, int], PushResult] = {}
        fresh: list[tuple[PushItem, str]] = []
        batch: dict[tuple[str, str, int], tuple[str, str | None]] = {}
        for item in items:
            known = stored.get(item.key) or batch.get(item.key)
            if known is not None:
                results[item.key] = self._verdict(item, known)
                continue
            problem, canonical = prepared[item.key]
            if problem:
                results[item.key] = PushResult(*item.key, REJECTED, problem)
                continue
            problem = self._apply(item)
            if problem:
                results[item.key] = PushResult(*item.key, REJECTED, problem)
                continue
            batch[item.key] = (item.hash, self.counter.unit)
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
                    "unit": self.counter.unit,
                }
                for i, text in fresh
            ]
            # The claim: keys were checked above in this transaction; a concurrent transaction
            # claiming one of them first makes this INSERT fail on the unique constraint, the
            # whole batch rolls back, and push() runs it again to compare against that claim.
            s.execute(record_t.insert(), rows)
            self._flush()
        return [results[i.key] for i in items]

    def _verdict(self, item: PushItem, known: tuple[str, str | None]) -> PushResult:
        digest, unit = known
        if unit != self.counter.unit:
            # Another unit's record: neither a retry of ours nor something we may overwrite.
            return PushResult(
                *item.key, REJECTED, "Bản ghi này do quầy của đơn vị khác gửi; không được sửa."
            )
        if digest == item.hash:
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

    def _stored_hashes(
        self, keys: list[tuple[str, str, int]]
    ) -> dict[tuple[str, str, int], tuple[str, str | None]]:
        """Hash and unit of each key already stored."""
        out: dict[tuple[str, str, int], tuple[str, str | None]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = self.s.execute(
                select(
                    record_t.c.entity,
                    record_t.c.uuid,
                    record_t.c.version,
                    record_t.c.content_hash,
                    record_t.c.unit,
                ).where(record_t.c.uuid.in_(sorted({k[1] for k in chunk})))
            )
            wanted = set(chunk)
            for r in rows:
                if (r.entity, r.uuid, r.version) in wanted:
                    out[(r.entity, r.uuid, r.version)] = (r.content_hash, r.unit)
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
        dossier_uuid = p.get("dossier_uuid")
        if dossier_uuid is not None:
            d = self.dossiers.get(str(dossier_uuid))
            if d is None and item.entity == "rating":
                return "Máy chủ chưa có hồ sơ của đánh giá này."
            if d is not None and d["unit"] != self.counter.unit:
                return self._other_unit(d)
        return ""  # slips and ratings are stored as records only

    def _other_unit(self, d: dict[str, Any]) -> str:
        return OTHER_UNIT.format(code=d["code"], owner=d["unit"], unit=self.counter.unit)

    def _apply_dossier(self, item: PushItem, p: dict[str, Any]) -> str:
        current = self.dossiers.get(item.uuid)
        if current is not None and current["unit"] != self.counter.unit:
            return self._other_unit(current)
        unit = str(self.counter.unit)
        problem = _check_dossier(p, unit)
        if problem:
            return problem
        if p.get("uuid") != item.uuid:
            return "Mã định danh trong nội dung không khớp."
        owner = self.by_code.get(p["code"])
        if owner is not None and owner != item.uuid:
            return f"Mã hồ sơ {p['code']} {CODE_TAKEN_TEXT}."
        day, number = code_parts(p["code"], unit) or (None, None)
        if current is None and p["status"] not in COUNTER_STATUSES:
            return (
                f"Hồ sơ mới không thể ở trạng thái {p['status']}; "
                "trạng thái này do bộ phận xử lý chuyển."
            )
        try:
            check_first_status(p, item.version)
        except Invalid as exc:
            return str(exc)
        fields = {
            "code": p["code"],
            "procedure_code": p["procedure_code"][:32],
            "procedure_name": p["procedure_name"][:500],
            "applicant_name": str(p["applicant"].get("name", ""))[:255],
            "result_delivery": str(p.get("result_delivery", "counter"))[:16],
            "appointment_at": _parse_dt(p["appointment_at"]),
            # Length checked with the payload (validate.FIELD_MAX_CHARS); '' once scans are in.
            "undigitised_reason": p.get("undigitised_reason", ""),
            "version": item.version,
            "updated_at": self.now,
        }
        if current is None:
            self.dossiers[item.uuid] = {
                **fields,
                "uuid": item.uuid,
                "counter_id": self.counter.id,
                "unit": unit,
                "code_day": day,
                "code_no": number,
                # Status belongs to the server after intake: only the first version sets it.
                "status": p["status"],
                "provincial_ref": next(self.refs),
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
        if d["unit"] != self.counter.unit:
            return self._other_unit(d)
        if p["status"] != d["status"] and p["status"] not in COUNTER_STATUSES:
            return (
                f"Quầy không được chuyển hồ sơ sang trạng thái {p['status']}; "
                "việc này do bộ phận xử lý thực hiện."
            )
        try:
            check_event_time(p, self.now)
            change = appointment_change(p)
        except Invalid as exc:
            return str(exc)
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
                "appointment_change": change,
            }
        )
        # The intake event only repeats the creation; later counter events (hand-back, supplement
        # slip) move the dossier and are echoed in the feed in server order.
        # An appointment change (Mẫu 04) repeats the status the counter saw, which may be older
        # than the server's: it never moves the status (BRIEF's appointment-change contract).
        moves = not isinstance(p.get("appointment_change"), dict)
        if moves and p["status"] != DossierStatus.RECEIVED and p["status"] != d["status"]:
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
        echoes: list[tuple[str | None, dict[str, Any]]] = []
        for d in self.dossiers.values():
            for event_uuid, at, p in d.get("_echo", []):
                data = status_change(
                    d["uuid"],
                    d["code"],
                    p["status"],
                    event_uuid,
                    at,
                    str(p.get("note", "")),
                    str(p.get("actor", "")),
                    d["provincial_ref"],
                )
                echoes.append((d["unit"], data))
        # In the order the events came (feed order is the order the counter made them).
        echoes.sort(key=lambda e: self.order[e[1]["event_uuid"]])
        add_changes(s, self.db, DOSSIER_STATUS, echoes)


def _prepare(item: PushItem, unit: str, now: datetime) -> tuple[str, str]:
    """(why the record cannot be stored or '', its canonical JSON): the core's text rules and
    size limits over the whole payload, what intake would refuse in a dossier, and the hash
    check. Used only for records the server does not hold yet (a retry stays `duplicate`)."""
    p = item.payload
    try:
        check_payload(p)
        if item.entity == "dossier" and not _check_dossier(p, unit):
            day = code_parts(p["code"], unit)
            assert day is not None  # _check_dossier refused any other code
            # Dates, fee, applicant, text as intake leaves them, field by field.
            check_dossier_content(p, code_day=day[0], now=now)
    except Invalid as exc:
        return str(exc), ""
    canonical = canonical_json(item.payload)
    if len(canonical) > MAX_RECORD_CHARS:
        return f"Bản ghi quá lớn (tối đa {MAX_RECORD_CHARS} ký tự).", ""
    if hashlib.sha256(canonical.encode()).hexdigest() != item.hash:
        return "Mã băm không khớp nội dung bản ghi.", ""
    return "", canonical


_SQLITE_WRITERS: dict[int, threading.Lock] = {}
_SQLITE_WRITERS_GUARD = threading.Lock()


def writer(db: Database) -> contextlib.AbstractContextManager[object]:
    """On SQLite, the server's writer threads take turns on a lock rather than through SQLite's
    busy handler, whose sleeps (up to 100 ms) leave the database idle under contention. PostgreSQL
    needs none: its row locks and the feed lock order the writers."""
    if not db.is_sqlite:
        return contextlib.nullcontext()
    with _SQLITE_WRITERS_GUARD:
        return _SQLITE_WRITERS.setdefault(id(db), threading.Lock())
