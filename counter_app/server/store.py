"""The server's state behind one facade: tokens, back-office commands and reads. Claiming pushed
records lives in `claims`, the change feed in `feed`, the tables in `schema`."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from counter_app.catalog import parse_catalog
from counter_app.centre import AGENCY_IDENTIFIER
from counter_app.db.engine import Database
from counter_app.domain import DossierStatus, local_now
from counter_app.errors import UserError
from counter_app.identity import InvalidValue, normalize_text
from counter_app.server.claims import claim_batch, writer
from counter_app.server.feed import add_change, read_changes, status_change
from counter_app.server.schema import (
    ROLE_COUNTER,
    ROLES,
    CounterIdentity,
    audit_t,
    change_t,
    counter_t,
    dossier_t,
    event_t,
    metadata,
    record_t,
)
from counter_app.server.validate import LONG_MAX_CHARS
from counter_app.server.web.lookup import find_dossier
from counter_app.sync.protocol import (
    ACCEPTED,
    CALENDAR,
    CATALOG,
    DOSSIER_STATUS,
    REJECTED,
    UUID_RE,
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


class ServerError(UserError, ValueError):
    """A back-office command cannot be done; str(exc) is Vietnamese."""


class QuotaExceeded(ServerError):
    """A counter sent more records today than its daily quota (HTTP 429)."""


#: Records one counter may push a day: ~650 dossiers a day is a whole provincial centre's intake,
#: so this only stops a runaway or hostile PC from filling the server.
DEFAULT_DAILY_QUOTA = 50_000


def _audit(
    s: Session,
    actor: str,
    action: str,
    ref: str,
    detail: dict[str, Any],
    *,
    at: datetime | None = None,
) -> None:
    s.execute(
        audit_t.insert().values(
            at=at or local_now(),
            actor=(actor or "máy chủ")[:255],
            action=action,
            ref=ref[:64],
            detail=detail,
        )
    )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ServerStore:
    """All server-side state, on SQLite (default) or PostgreSQL (production)."""

    def __init__(self, db: Database, *, daily_quota: int | None = DEFAULT_DAILY_QUOTA) -> None:
        self.db = db
        self.daily_quota = daily_quota
        self._quota: dict[int, tuple[date, int, float]] = {}
        self._quota_lock = threading.Lock()
        # Set by the app when it serves uploads: a file record is taken only once its bytes are.
        self.files: ServerFiles | None = None

    @classmethod
    def open(cls, url: str, *, daily_quota: int | None = DEFAULT_DAILY_QUOTA) -> ServerStore:
        store = cls(Database(url), daily_quota=daily_quota)
        store.create_schema()
        return store

    def create_schema(self) -> None:
        """Create or upgrade the schema through the server's own alembic history."""
        from counter_app.server.migrate import upgrade

        upgrade(self.db)

    def close(self) -> None:
        self.db.dispose()

    # -- tokens --------------------------------------------------------------------------------

    def create_token(
        self,
        name: str,
        unit: str | None = None,
        *,
        centre: str | None = None,
        role: str = ROLE_COUNTER,
        actor: str = "",
    ) -> str:
        """A new token for counter `name`, bound to one receiving unit (and centre); only its
        hash is stored. Creating one again for the same name and unit replaces the old token."""
        name = name.strip()
        if not name or len(name) > 100:
            raise ServerError("Tên quầy phải từ 1 đến 100 ký tự.")
        if role not in ROLES:
            raise ServerError("Vai trò phải là counter, back-office hoặc portal.")
        unit = (unit or "").strip().upper() or None
        centre = (centre or "").strip().upper() or None
        if role == ROLE_COUNTER and unit is None:
            raise ServerError("Mã truy cập của quầy phải gắn với một đơn vị tiếp nhận (--unit).")
        if role != ROLE_COUNTER and unit is not None:
            raise ServerError(
                "Mã truy cập của bộ phận xử lý hoặc cổng dịch vụ công không gắn với đơn vị "
                "(bỏ --unit)."
            )
        for value, what in ((unit, "đơn vị"), (centre, "trung tâm")):
            if value is not None and (len(value) > 35 or not AGENCY_IDENTIFIER.match(value)):
                raise ServerError(
                    f"Mã {what} «{value}» không đúng định dạng (nhóm chữ số và chữ in hoa "
                    "cách nhau bởi dấu chấm, tối đa 35 ký tự)."
                )
        if (
            unit is not None
            and centre is not None
            and not (unit == centre or unit.startswith(centre + "."))
        ):
            raise ServerError(f"Đơn vị {unit} không thuộc trung tâm {centre}.")
        token = "ctr_" + secrets.token_urlsafe(32)
        now = local_now()
        with self.db.write() as s:
            row = s.execute(select(counter_t).where(counter_t.c.name == name)).first()
            # A token the tenancy migration left without a unit may be bound now, once.
            unbound = row is not None and row.unit is None and row.role == ROLE_COUNTER
            if row is not None and not unbound and (row.unit != unit or row.role != role):
                raise ServerError(
                    f"Quầy «{name}» đã gắn với đơn vị {row.unit or '(bộ phận xử lý)'}; "
                    "không đổi được. Hãy đặt tên khác."
                )
            if unit is not None:
                other = s.execute(
                    select(counter_t.c.name).where(
                        counter_t.c.unit == unit,
                        counter_t.c.revoked_at.is_(None),
                        counter_t.c.name != name,
                    )
                ).first()
                if other is not None:
                    raise ServerError(
                        f"Đơn vị {unit} đã có mã truy cập đang dùng (quầy «{other.name}»). "
                        f"Thu hồi trước: counter-app server token revoke «{other.name}»."
                    )
            # A new secret is a new hand-over: the first installation that uses it binds it.
            values: dict[str, Any] = {
                "token_hash": hash_token(token),
                "revoked_at": None,
                "install_id": None,
                "install_bound_at": None,
            }
            if row is None:
                s.execute(
                    counter_t.insert().values(
                        name=name, unit=unit, centre=centre, role=role, created_at=now, **values
                    )
                )
            else:
                if unbound:
                    values.update(unit=unit, centre=centre, role=role)
                s.execute(counter_t.update().where(counter_t.c.id == row.id).values(**values))
            _audit(s, actor, "token.create", name, {"unit": unit, "centre": centre, "role": role})
        return token

    def revoke_token(self, name: str, *, actor: str = "") -> None:
        with self.db.write() as s:
            row = s.execute(select(counter_t).where(counter_t.c.name == name.strip())).first()
            if row is None:
                raise ServerError(f"Không có quầy tên «{name}».")
            if row.revoked_at is not None:
                raise ServerError(f"Mã truy cập của quầy «{name}» đã bị thu hồi trước đó.")
            s.execute(
                counter_t.update().where(counter_t.c.id == row.id).values(revoked_at=local_now())
            )
            _audit(s, actor, "token.revoke", row.name, {"unit": row.unit})

    def bind_install(self, counter: CounterIdentity, install_id: str) -> str | None:
        """Bind an unbound counter token to `install_id` (the first installation that uses it);
        returns None when the token is now this installation's, else the id it is bound to."""
        if counter.install_id is not None:
            return None if counter.install_id == install_id else counter.install_id
        with self.db.write() as s:
            done: Any = s.execute(
                counter_t.update()
                .where(counter_t.c.id == counter.id, counter_t.c.install_id.is_(None))
                .values(install_id=install_id, install_bound_at=local_now())
            )
            if done.rowcount:
                _audit(s, "máy chủ", "token.bind", counter.name, {"install_id": install_id})
                return None
            bound = s.scalar(select(counter_t.c.install_id).where(counter_t.c.id == counter.id))
        # Another request bound it first (two PCs starting at once): only one of them wins.
        return None if bound == install_id else str(bound)

    def move_token(self, name: str, install_id: str, *, actor: str = "") -> str | None:
        """`server token move`: the counter token of `name` works from `install_id` from now on
        (a replacement PC); the installation it was bound to is refused. Returns that one."""
        install_id = install_id.strip().lower()
        if not UUID_RE.match(install_id):
            raise ServerError(
                f"Mã cài đặt «{install_id}» không đúng dạng (36 ký tự, như "
                "1b4e28ba-2fa1-41d2-883f-0016d3cca427): chép đúng mã máy quầy hiển thị."
            )
        with self.db.write() as s:
            row = s.execute(select(counter_t).where(counter_t.c.name == name.strip())).first()
            if row is None:
                raise ServerError(f"Không có quầy tên «{name}».")
            if row.role != ROLE_COUNTER:
                raise ServerError("Chỉ mã truy cập của quầy tiếp nhận gắn với một máy cài đặt.")
            if row.revoked_at is not None:
                raise ServerError(
                    f"Mã truy cập của quầy «{row.name}» đã bị thu hồi; cấp mã mới bằng "
                    "`counter-app server token create`."
                )
            s.execute(
                counter_t.update()
                .where(counter_t.c.id == row.id)
                .values(install_id=install_id, install_bound_at=local_now())
            )
            _audit(
                s,
                actor,
                "token.move",
                row.name,
                {"unit": row.unit, "from": row.install_id, "to": install_id},
            )
        return str(row.install_id) if row.install_id else None

    def tokens(self) -> list[dict[str, Any]]:
        """Every token's name, unit, centre, role and state (never the token itself)."""
        with self.db.read() as s:
            rows = s.execute(select(counter_t).order_by(counter_t.c.name)).all()
        return [
            {
                "name": r.name,
                "unit": r.unit,
                "centre": r.centre,
                "role": r.role,
                "created_at": r.created_at.isoformat(),
                "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
                "active": r.revoked_at is None,
                "install_id": r.install_id,
                "install_bound_at": r.install_bound_at.isoformat() if r.install_bound_at else None,
            }
            for r in rows
        ]

    def authenticate(self, token: str) -> CounterIdentity | None:
        if not token or len(token) > 200:
            return None
        with self.db.read() as s:
            row = s.execute(
                select(counter_t).where(
                    counter_t.c.token_hash == hash_token(token), counter_t.c.revoked_at.is_(None)
                )
            ).first()
        if row is None:
            return None
        return CounterIdentity(row.id, row.name, row.unit, row.centre, row.role, row.install_id)

    def counter_info(self, counter: CounterIdentity, day: date | None = None) -> dict[str, Any]:
        """The identity contract of `GET /api/v1/counter`, with the unit's high-water marks."""
        return {
            "name": counter.name,
            "unit": counter.unit,
            "centre": counter.centre,
            "server_time": local_now().isoformat(),
            "high_water": self.high_water(counter.unit, day) if counter.unit else {},
            "register_high_water": self.register_high_water(counter.unit) if counter.unit else {},
        }

    def register_high_water(self, unit: str) -> dict[str, int]:
        """The largest register entry ("Số thứ tự" of "Sổ theo dõi hồ sơ") the unit's dossiers
        carry per book month, for the month of its newest code and the one before (a counter
        may backdate into it): a replaced PC that starts without `sync --rebuild` never numbers
        an entry twice. Reads only those months' payloads (the unit-and-day index)."""
        found: dict[str, int] = {}
        with self.db.read() as s:
            newest = s.scalar(
                select(func.max(dossier_t.c.code_day)).where(dossier_t.c.unit == unit)
            )
            if newest is None:
                return {}
            since = (newest.replace(day=1) - timedelta(days=1)).replace(day=1)
            rows = s.execute(
                select(record_t.c.payload)
                .join(dossier_t, dossier_t.c.uuid == record_t.c.uuid)
                .where(
                    record_t.c.entity == "dossier",
                    dossier_t.c.unit == unit,
                    dossier_t.c.code_day >= since,
                )
            ).scalars()
            for payload in rows:
                data = json.loads(payload)
                month, number = data.get("register_month"), data.get("register_no")
                if isinstance(month, str) and isinstance(number, int) and number > 0:
                    found[month] = max(found.get(month, 0), number)
        return dict(sorted(found.items()))

    def high_water(self, unit: str, day: date | None = None) -> dict[str, int]:
        """The largest number NNNN of the unit's codes per day the server holds."""
        with self.db.read() as s:
            query = (
                select(dossier_t.c.code_day, func.max(dossier_t.c.code_no))
                .where(dossier_t.c.unit == unit, dossier_t.c.code_day.is_not(None))
                .group_by(dossier_t.c.code_day)
                .order_by(dossier_t.c.code_day)
            )
            if day is not None:
                query = query.where(dossier_t.c.code_day == day)
            return {d.isoformat(): int(n) for d, n in s.execute(query).all()}

    # -- push ----------------------------------------------------------------------------------

    def push(self, counter: CounterIdentity, items: Sequence[PushItem]) -> list[PushResult]:
        """Claim each record atomically: new → accepted, same hash → duplicate, else conflict."""
        if counter.unit is None:
            raise ServerError("Chỉ quầy tiếp nhận mới gửi hồ sơ lên máy chủ.")
        if self.daily_quota is None:
            return self._claim(counter, items)
        used = self._used_today(counter)
        if used + len(items) > self.daily_quota:
            raise QuotaExceeded(
                f"Quầy «{counter.name}» đã gửi {used} bản ghi hôm nay; hạn mức là "
                f"{self.daily_quota} bản ghi một ngày. Liên hệ quản trị máy chủ tỉnh."
            )
        results = self._claim(counter, items)
        accepted = sum(1 for r in results if r.status == ACCEPTED)
        with self._quota_lock:
            day, count, stamp = self._quota[counter.id]
            self._quota[counter.id] = (day, count + accepted, stamp)
        return results

    def _used_today(self, counter: CounterIdentity) -> int:
        """Records the counter sent today: counted in the database at most every 30 s (a count
        per push would grow with the day), between counts from what this process accepted.
        Several processes each add their own share, so the quota holds within a batch or so."""
        today, now = local_now().date(), monotonic()
        with self._quota_lock:
            cached = self._quota.get(counter.id)
        if cached is not None and cached[0] == today and now - cached[2] < 30:
            return cached[1]
        count = self.records_today(counter)
        with self._quota_lock:
            self._quota[counter.id] = (today, count, now)
        return count

    def records_today(self, counter: CounterIdentity) -> int:
        start = datetime.combine(local_now().date(), time())
        with self.db.read() as s:
            return int(
                s.scalar(
                    select(func.count())
                    .select_from(record_t)
                    .where(record_t.c.counter_id == counter.id, record_t.c.received_at >= start)
                )
                or 0
            )

    def records(
        self, counter: CounterIdentity, after: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """The unit's stored records after id `after`, in the order they arrived (rebuild)."""
        with self.db.read() as s:
            rows = s.execute(
                select(
                    record_t.c.id,
                    record_t.c.entity,
                    record_t.c.uuid,
                    record_t.c.version,
                    record_t.c.content_hash,
                    record_t.c.payload,
                )
                .where(record_t.c.unit == counter.unit, record_t.c.id > after)
                .order_by(record_t.c.id)
                .limit(limit)
            ).all()
            dossier_uuids = sorted({r.uuid for r in rows if r.entity == "dossier"})
            refs = dict(
                s.execute(
                    select(dossier_t.c.uuid, dossier_t.c.provincial_ref).where(
                        dossier_t.c.uuid.in_(dossier_uuids)
                    )
                ).all()
            )
        out = []
        for r in rows:
            record = {
                "id": r.id,
                "entity": r.entity,
                "uuid": r.uuid,
                "version": r.version,
                "hash": r.content_hash,
                "payload": json.loads(r.payload),
            }
            if r.entity == "dossier":
                record["ref"] = refs.get(r.uuid)
            out.append(record)
        return out, (rows[-1].id if rows else after)

    def _claim(self, counter: CounterIdentity, items: Sequence[PushItem]) -> list[PushResult]:
        """claim_batch, except a file record whose bytes the server does not hold yet."""
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

    def advance(
        self,
        code: str,
        status: int,
        note: str = "",
        actor: str = "",
        *,
        by: CounterIdentity | None = None,
    ) -> int:
        """The back office moves a dossier on; returns the feed sequence number of the change.

        `actor` names who did it (the OS user for `server advance`, the token's name for a
        back-office token); the change is audited with who and when.
        """
        try:
            new = DossierStatus(status)
        except ValueError as exc:
            raise ServerError(f"Trạng thái {status} không hợp lệ (1–10).") from exc
        if by is not None and not by.is_back_office:
            raise ServerError("Chỉ bộ phận xử lý mới chuyển trạng thái hồ sơ.")
        try:
            note = normalize_text(note, max_length=LONG_MAX_CHARS, multiline=True)
        except InvalidValue as exc:
            raise ServerError(f"Ghi chú: {exc}") from exc
        now = local_now()
        with writer(self.db), self.db.write() as s:
            row = s.execute(select(dossier_t).where(dossier_t.c.code == code.strip())).first()
            if row is None:
                raise ServerError(f"Không có hồ sơ mã {code} trên máy chủ.")
            if (
                by is not None
                and by.centre
                and not (row.unit == by.centre or row.unit.startswith(by.centre + "."))
            ):
                raise ServerError(f"Hồ sơ {row.code} không thuộc trung tâm {by.centre}.")
            event_uuid = str(uuidlib.uuid4())
            who = (by.name if by is not None else actor) or "Bộ phận xử lý"
            s.execute(
                event_t.insert().values(
                    uuid=event_uuid,
                    dossier_uuid=row.uuid,
                    status=int(new),
                    at=now,
                    actor=who[:255],
                    note=note,
                    source="server",
                )
            )
            s.execute(
                dossier_t.update()
                .where(dossier_t.c.id == row.id)
                .values(status=int(new), updated_at=now)
            )
            _audit(
                s,
                who,
                "dossier.advance",
                row.code,
                {"from": row.status, "to": int(new), "event": event_uuid},
                at=now,
            )
            return add_change(
                s,
                self.db,
                DOSSIER_STATUS,
                row.unit,
                status_change(
                    row.uuid, row.code, int(new), event_uuid, now, note, who, row.provincial_ref
                ),
            )

    def audit_log(self) -> list[dict[str, Any]]:
        with self.db.read() as s:
            rows = s.execute(select(audit_t).order_by(audit_t.c.id)).all()
        return [{**r._mapping, "at": r.at.isoformat()} for r in rows]

    def load_catalog(self, document: dict[str, Any]) -> int:
        """Publish a catalog document (procedures.json format) to every counter."""
        procedures = parse_catalog(document)
        with self.db.write() as s:
            add_change(s, self.db, CATALOG, None, {"procedures": document["procedures"]})
        return len(procedures)

    def set_calendar(self, day: date, kind: str | None, note: str = "", reference: str = "") -> int:
        """Publish one day off / make-up day (kind None: back to normal) to every counter."""
        if kind not in ("off", "work", None):
            raise ServerError("Loại ngày phải là off hoặc work.")
        data: dict[str, Any] = {"day": day.isoformat(), "kind": kind, "note": note}
        if reference:
            data["reference"] = reference  # the announcing document, shown by `calendar show`
        with self.db.write() as s:
            return add_change(s, self.db, CALENDAR, None, data)

    def announce_calendar_year(self, year: int, title: str = "") -> int:
        """Publish that `year`'s whole announcement is out (after its days): the counters drop
        their estimated Tết and 2/9 days for that year and stop warning about it."""
        with self.db.write() as s:
            return add_change(s, self.db, CALENDAR, None, {"year": year, "title": title})

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

    def public(self, code: str, value: str | None = None) -> dict[str, Any] | None:
        """The public projection (the same one the kiosk and the citizen's page use): nothing
        personal; the masked name only when `value` is the dossier's verification value."""
        found = find_dossier(self.db, code, value)
        return found.view.to_json() if found is not None else None
