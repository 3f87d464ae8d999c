"""The client engine: push the outbox, pull the change feed, never lose or double a record.

Safety rests on four facts: a change and its outbox row commit together (outbox.enqueue); the server
claims each (entity, uuid, version) once and answers a resend with "duplicate"; a row is marked
synced only after the server's reply, in one local transaction; only the lease holder sends.
A crash anywhere therefore leads at worst to a resend, which the server recognises.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import time
import uuid as uuidlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Row, Table, Text, bindparam, func, select, update
from sqlalchemy import cast as sa_cast
from sqlalchemy.orm import Session

from counter_app.calendar import DayKind
from counter_app.catalog import CatalogError, parse_catalog, upsert_procedures
from counter_app.centre import set_exception_in
from counter_app.db.engine import Database
from counter_app.db.models import Dossier, DossierEvent, OutboxEntry
from counter_app.domain import DossierStatus, local_now
from counter_app.settings import SyncSettings
from counter_app.sync import state as st
from counter_app.sync.protocol import (
    ACCEPTED,
    CALENDAR,
    CATALOG,
    CONFLICT,
    DEFAULT_PAGE,
    DOSSIER_STATUS,
    DUPLICATE,
    PROTOCOL_VERSION,
    ChangePage,
    ProtocolError,
    PushResult,
)
from counter_app.sync.transport import (
    MAX_RETRY_AFTER_S,
    AuthError,
    HttpTransport,
    RequestRejected,
    TransientError,
)

UNSENT = ("pending", "sending", "retry")
_Verdicts = tuple[Sequence[Row[Any]], dict[tuple[str, str, int], PushResult]]
#: Test hook: "after_push_2xx" kills this process after the server's 2xx, before the local commit.
CRASH_ENV = "COUNTER_APP_SYNC_TEST_CRASH"


@dataclass
class CycleReport:
    """What one sync run did; `error` is Vietnamese, for the status bar."""

    pushed: int = 0
    pulled: int = 0
    rejected: int = 0
    conflicts: int = 0
    error: str = ""
    paused: bool = False
    busy: bool = False
    configured: bool = True
    reached_server: bool = False
    retry_in: float | None = None
    warnings: list[str] = field(default_factory=list)

    def add(self, other: CycleReport) -> None:
        self.pushed += other.pushed
        self.pulled += other.pulled
        self.rejected += other.rejected
        self.conflicts += other.conflicts
        self.error, self.paused, self.busy = other.error, other.paused, other.busy
        self.configured = other.configured
        self.reached_server = self.reached_server or other.reached_server
        self.retry_in = other.retry_in


@dataclass(frozen=True)
class QueueCounts:
    """Outbox rows per state."""

    pending: int = 0
    sending: int = 0
    retry: int = 0
    synced: int = 0
    rejected: int = 0
    conflict: int = 0

    @property
    def waiting(self) -> int:
        """Records that still have to reach the server."""
        return self.pending + self.sending + self.retry


def queue_counts(db: Database) -> QueueCounts:
    with db.read() as s:
        rows = s.execute(select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)).all()
    known = {f for f in QueueCounts.__dataclass_fields__}
    return QueueCounts(**{str(k): int(v) for k, v in rows if k in known})


def token_fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


class SyncEngine:
    """Runs sync cycles against one server for one counter database (no Qt; any thread)."""

    def __init__(
        self,
        db: Database,
        sync: SyncSettings,
        *,
        clock: Callable[[], datetime] = local_now,
        on_catalog: Callable[[], None] | None = None,
        on_calendar: Callable[[], None] | None = None,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 300.0,
        lease_s: float = 60.0,
        page_size: int = DEFAULT_PAGE,
        max_pages: int = 100,
        rng: Callable[[], float] = random.random,
        transport: HttpTransport | None = None,
    ) -> None:
        self.db = db
        self.sync = sync
        self.clock = clock
        self.on_catalog = on_catalog
        self.on_calendar = on_calendar
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.page_size = page_size
        self.max_pages = max_pages
        self.rng = rng
        self.lease = st.Lease(db, st.owner_id(uuidlib.uuid4().hex[:12]), lease_s)
        self.configured = bool(sync.server_url and sync.token)
        self.transport = transport or (
            HttpTransport(
                sync.server_url,
                sync.token,
                connect_timeout_s=sync.connect_timeout_s,
                read_timeout_s=sync.read_timeout_s,
                ca_bundle=sync.ca_bundle,
            )
            if self.configured
            else None
        )
        self._failures = 0

    @classmethod
    def for_services(cls, services: Any, **kwargs: Any) -> SyncEngine:
        """An engine wired to CounterServices: its db, settings, clock and caches."""
        return cls(
            services.db,
            services.settings.sync,
            clock=services.clock,
            on_catalog=services.catalog.invalidate,
            on_calendar=services.reload_centre,
            **kwargs,
        )

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def counts(self) -> QueueCounts:
        return queue_counts(self.db)

    # -- cycles --------------------------------------------------------------------------------

    def run_once(self, *, manual: bool = False) -> CycleReport:
        """Push everything due, then pull the feed. `manual` ignores backoff and a pause."""
        report = CycleReport()
        if self.transport is None:
            report.configured = False
            report.error = "Chưa cấu hình máy chủ đồng bộ (sync.server_url và sync.token)."
            return report
        if self.transport.warning:
            report.warnings.append(self.transport.warning)
        if not self.lease.claim():
            report.busy = True
            report.error = "Một tiến trình khác đang đồng bộ."
            return report
        try:
            values = st.read_values(self.db)
            fingerprint = token_fingerprint(self.sync.token)
            if values.get(st.PAUSED) and values.get(st.PAUSED_TOKEN) == fingerprint and not manual:
                report.paused = True
                report.error = values[st.PAUSED]
                return report
            self._requeue_sending()
            pushed = self._push(report, manual)
            # The feed is read even when sending failed: the kiosk still learns of results.
            pulled = not report.paused and self._pull(report)
            self._record(report, pushed and pulled)
        finally:
            self.lease.release()
        return report

    def run_until_done(
        self, max_seconds: float | None = None, sleep: Callable[[float], None] = time.sleep
    ) -> CycleReport:
        """Cycle with backoff until nothing waits and the feed is read, or the time is up."""
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        total = CycleReport()
        while True:
            report = self.run_once(manual=True)
            total.add(report)
            if not report.configured or report.paused:
                return total
            if not report.error and self.counts().waiting == 0:
                return total
            delay = report.retry_in
            if delay is None:
                delay = 0.0 if not report.error else self._delay(self._failures)
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return total
                delay = min(delay, remaining)
            if delay > 0:
                sleep(delay)

    def requeue(self, states: tuple[str, ...] = ("rejected", "conflict")) -> int:
        """Send rejected/conflicting records again (after the cause was fixed); returns how many."""
        with self.db.write() as s:
            result: Any = s.execute(
                update(OutboxEntry)
                .where(OutboxEntry.state.in_(states))
                .values(state="pending", next_attempt_at=None, attempts=0)
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount)

    # -- push ----------------------------------------------------------------------------------

    def _requeue_sending(self) -> None:
        """Rows left "sending" by a crashed sender go back to the queue (we hold the lease)."""
        with self.db.write() as s:
            s.execute(
                update(OutboxEntry)
                .where(OutboxEntry.state == "sending")
                .values(state="retry", next_attempt_at=None)
                .execution_options(synchronize_session=False)
            )

    def _push(self, report: CycleReport, manual: bool) -> bool:
        batch_size = max(1, self.sync.batch_size)
        # Verdicts of the last batch, written in the same transaction that takes the next one.
        carry: _Verdicts | None = None
        while True:
            rows = self._take_batch(batch_size, manual, report, carry)
            carry = None
            if rows is None:  # lost the lease (we were too slow): stop sending
                report.error = "Mất quyền gửi (tiến trình khác đã tiếp quản)."
                return False
            if not rows:
                return True
            ids = [r.id for r in rows]
            assert self.transport is not None
            try:
                reply = self.transport.post_raw("/push", self._body(rows))
                results = _parse_results(reply)
            except TransientError as exc:
                if exc.shrink:
                    batch_size = max(1, batch_size // 2)
                self._fail(rows, str(exc), exc.retry_after, report)
                return False
            except AuthError as exc:
                self._release(ids)
                self._pause(str(exc), report)
                return False
            except RequestRejected as exc:
                if not exc.about_records:
                    # Wrong URL or protocol: no record is at fault, so none may be rejected.
                    self._fail(rows, f"{exc} Kiểm tra sync.server_url.", None, report)
                    return False
                if len(rows) > 1:
                    # One bad record must not block the others: halve until it stands alone.
                    self._release(ids)
                    batch_size = max(1, len(rows) // 2)
                    continue
                self._settle(rows, {}, report, whole_error=exc)
                continue
            report.reached_server = True
            if os.environ.get(CRASH_ENV) == "after_push_2xx":
                _die()
            carry = (rows, {r.key: r for r in results})
            self._failures = 0
            if len(rows) < batch_size:
                self._settle(*carry, report)
                return True

    def _body(self, rows: Sequence[Row[Any]]) -> bytes:
        """The push request, with each payload's stored JSON text spliced in unparsed."""
        parts = []
        for r in rows:
            head = json.dumps(
                {"entity": r.entity, "uuid": r.entity_uuid, "version": r.version, "hash": r.hash},
                ensure_ascii=False,
            )
            parts.append(f'{head[:-1]}, "payload": {r.payload_text}}}')
        stamp = json.dumps(self.clock().isoformat())
        return (
            f'{{"protocol": {PROTOCOL_VERSION}, "counter_time": {stamp}, '
            f'"items": [{", ".join(parts)}]}}'
        ).encode()

    def _take_batch(
        self,
        batch_size: int,
        manual: bool,
        report: CycleReport,
        settle: _Verdicts | None = None,
    ) -> Sequence[Row[Any]] | None:
        """Record `settle`, claim the lease and the next batch, all in one transaction (one
        commit, not three, per batch); None if the lease is lost."""
        now = self.clock()
        with self.db.write() as s:
            if settle is not None:
                self._settle_in(s, settle[0], settle[1], report)
            if not self.lease.claim_in(s):
                return None
            rows = s.execute(
                select(
                    OutboxEntry.id,
                    OutboxEntry.entity,
                    OutboxEntry.entity_uuid,
                    OutboxEntry.version,
                    OutboxEntry.content_hash.label("hash"),
                    sa_cast(OutboxEntry.payload, Text).label("payload_text"),
                    OutboxEntry.attempts,
                    OutboxEntry.next_attempt_at,
                )
                .where(OutboxEntry.state.in_(("pending", "retry")))
                .order_by(OutboxEntry.id)
                .limit(batch_size)
            ).all()
            if not rows:
                return []
            due = rows[0].next_attempt_at
            # A due time further away than the cap means the clock was turned back: send now.
            horizon = now + timedelta(seconds=max(self.backoff_cap_s, MAX_RETRY_AFTER_S) * 1.5)
            if not manual and due is not None and now < due <= horizon:
                report.retry_in = (due - now).total_seconds()
                return []
            s.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id.in_([r.id for r in rows]))
                .values(state="sending", updated_at=now)
                .execution_options(synchronize_session=False)
            )
            return cast(Sequence[Row[Any]], rows)

    def _release(self, ids: list[int]) -> None:
        with self.db.write() as s:
            s.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id.in_(ids), OutboxEntry.state == "sending")
                .values(state="pending")
                .execution_options(synchronize_session=False)
            )

    def _delay(self, attempts: int, retry_after: float | None = None) -> float:
        """Full-jitter exponential backoff, capped; never sooner than the server asked."""
        ceiling: float = min(self.backoff_cap_s, self.backoff_base_s * 2.0 ** min(attempts, 30))
        delay = float(self.rng()) * ceiling
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def _fail(
        self, rows: Sequence[Row[Any]], message: str, retry_after: float | None, report: CycleReport
    ) -> None:
        self._failures += 1
        attempts = max(r.attempts for r in rows) + 1
        delay = self._delay(attempts, retry_after)
        report.retry_in = delay
        report.error = message
        now = self.clock()
        with self.db.write() as s:
            s.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id.in_([r.id for r in rows]), OutboxEntry.state == "sending")
                .values(
                    state="retry",
                    attempts=OutboxEntry.attempts + 1,
                    next_attempt_at=now + timedelta(seconds=delay),
                    last_error=message,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )

    def _settle(
        self,
        rows: Sequence[Row[Any]],
        results: dict[tuple[str, str, int], PushResult],
        report: CycleReport,
        whole_error: RequestRejected | None = None,
    ) -> None:
        """Record the server's verdicts in one local transaction."""
        with self.db.write() as s:
            self._settle_in(s, rows, results, report, whole_error)

    def _settle_in(
        self,
        s: Session,
        rows: Sequence[Row[Any]],
        results: dict[tuple[str, str, int], PushResult],
        report: CycleReport,
        whole_error: RequestRejected | None = None,
    ) -> None:
        now = self.clock()
        synced: list[int] = []
        refs: list[dict[str, str]] = []
        other: list[dict[str, Any]] = []
        for r in rows:
            result = results.get((r.entity, r.entity_uuid, r.version))
            if whole_error is not None:
                other.append({"i": r.id, "st": "rejected", "msg": str(whole_error)})
                report.rejected += 1
            elif result is None:
                other.append(
                    {"i": r.id, "st": "retry", "msg": "Máy chủ không trả lời bản ghi này."}
                )
            elif result.status in (ACCEPTED, DUPLICATE):
                synced.append(r.id)
                report.pushed += 1
                if result.ref and r.entity == "dossier":
                    refs.append({"u": r.entity_uuid, "r": result.ref})
            elif result.status == CONFLICT:
                other.append({"i": r.id, "st": "conflict", "msg": result.message})
                report.conflicts += 1
            else:
                other.append({"i": r.id, "st": "rejected", "msg": result.message})
                report.rejected += 1
        if synced:
            s.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id.in_(synced), OutboxEntry.state == "sending")
                .values(state="synced", last_error="", next_attempt_at=None, updated_at=now)
                .execution_options(synchronize_session=False)
            )
        if other:
            t = cast(Table, OutboxEntry.__table__)
            s.execute(
                t.update()
                .where(t.c.id == bindparam("i"), t.c.state == "sending")
                .values(state=bindparam("st"), last_error=bindparam("msg"), updated_at=now),
                other,
            )
        if refs:
            # The provincial reference is the server's field: it always wins.
            d = cast(Table, Dossier.__table__)
            s.execute(
                d.update().where(d.c.uuid == bindparam("u")).values(provincial_ref=bindparam("r")),
                refs,
            )

    def _pause(self, message: str, report: CycleReport) -> None:
        report.paused = True
        report.error = message
        with self.db.write() as s:
            st.set_value(s, st.PAUSED, message)
            st.set_value(s, st.PAUSED_TOKEN, token_fingerprint(self.sync.token))

    # -- pull ----------------------------------------------------------------------------------

    def _pull(self, report: CycleReport) -> bool:
        limit = self.page_size
        assert self.transport is not None
        for _ in range(self.max_pages):
            with self.db.read() as s:
                since = int(st.get_value(s, st.CURSOR, "0") or 0)
            try:
                raw = self.transport.get("/changes", {"since": since, "limit": limit})
                page = ChangePage.from_json(raw, since)
            except ProtocolError:
                limit = max(1, limit // 2)
                report.error = "Trang thay đổi từ máy chủ không hợp lệ."
                report.retry_in = self._delay(self._failures + 1)
                return False
            except TransientError as exc:
                self._failures += 1
                report.error = str(exc)
                report.retry_in = self._delay(self._failures, exc.retry_after)
                return False
            except AuthError as exc:
                self._pause(str(exc), report)
                return False
            except RequestRejected as exc:
                report.error = str(exc)
                return False
            report.reached_server = True
            report.pulled += self._apply_page(since, page)
            if not page.more:
                return True
        return True

    def _apply_page(self, since: int, page: ChangePage) -> int:
        """Apply a page and advance the cursor in one transaction: all of it or nothing."""
        catalog = calendar = False
        applied = 0
        with self.db.write() as s:
            if int(st.get_value(s, st.CURSOR, "0") or 0) != since:
                return 0  # applied meanwhile by another sender; the next read starts after it
            for change in page.changes:
                if change.kind == DOSSIER_STATUS:
                    applied += self._apply_status(s, change.data)
                elif change.kind == CATALOG:
                    try:
                        upsert_procedures(s, parse_catalog(change.data))
                    except CatalogError:
                        continue
                    catalog = True
                    applied += 1
                elif change.kind == CALENDAR:
                    applied += _apply_calendar(s, change.data)
                    calendar = True
            st.set_value(s, st.CURSOR, str(page.next))
        if catalog and self.on_catalog:
            self.on_catalog()
        if calendar and self.on_calendar:
            self.on_calendar()
        return applied

    def _apply_status(self, s: Session, data: dict[str, Any]) -> int:
        d = s.scalar(select(Dossier).where(Dossier.uuid == str(data.get("dossier_uuid"))))
        if d is None:
            return 0
        try:
            status = DossierStatus(int(data.get("status", 0)))
        except (TypeError, ValueError):
            return 0
        event_uuid = str(data.get("event_uuid") or "")
        if (
            event_uuid
            and s.scalar(select(DossierEvent.id).where(DossierEvent.uuid == event_uuid)) is None
        ):
            s.add(
                DossierEvent(
                    uuid=event_uuid,
                    dossier_id=d.id,
                    status=int(status),
                    at=_parse_dt(data.get("at")) or self.clock(),
                    actor=str(data.get("actor", ""))[:255],
                    note=str(data.get("note", "")),
                    source="server",
                )
            )
        ref = data.get("provincial_ref")
        if isinstance(ref, str) and ref:
            d.provincial_ref = ref[:64]
        # A status change made here and not yet sent stays: the server will echo it once it has it.
        if not _has_unsent_status_change(s, d.id) and d.status != int(status):
            d.status = int(status)
            d.updated_at = self.clock()
        return 1

    def _record(self, report: CycleReport, ok: bool) -> None:
        with self.db.write() as s:
            st.set_value(s, st.ONLINE, "1" if report.reached_server else "0")
            st.set_value(s, st.LAST_ERROR, report.error)
            if report.reached_server:
                st.set_value(s, st.PAUSED, "")
            if ok:
                st.set_value(s, st.LAST_SUCCESS, self.clock().isoformat())


def _has_unsent_status_change(s: Session, dossier_id: int) -> bool:
    local_events = select(DossierEvent.uuid).where(
        DossierEvent.dossier_id == dossier_id, DossierEvent.source == "counter"
    )
    found = s.scalar(
        select(OutboxEntry.id)
        .where(
            OutboxEntry.entity == "event",
            OutboxEntry.state.in_(UNSENT),
            OutboxEntry.entity_uuid.in_(local_events),
        )
        .limit(1)
    )
    return found is not None


def _apply_calendar(s: Session, data: dict[str, Any]) -> int:
    try:
        day = date.fromisoformat(str(data["day"]))
        kind = DayKind(data["kind"]) if data.get("kind") else None
    except (KeyError, ValueError):
        return 0
    set_exception_in(s, day, kind, str(data.get("note", "")))
    return 1


def _parse_dt(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)).replace(tzinfo=None)
    except ValueError:
        return None


def _parse_results(reply: Any) -> list[PushResult]:
    raw = reply.get("results") if isinstance(reply, dict) else None
    if not isinstance(raw, list):
        raise TransientError("Phản hồi của máy chủ thiếu kết quả.", shrink=True)
    try:
        return [PushResult.from_json(r) for r in raw]
    except ProtocolError as exc:
        raise TransientError(f"Phản hồi của máy chủ không hợp lệ: {exc}.", shrink=True) from exc


def _die() -> None:
    """The crash test's hook: vanish like a killed process, without any cleanup."""
    kill = getattr(signal, "SIGKILL", None)
    if kill is not None:
        os.kill(os.getpid(), kill)
    os._exit(137)
