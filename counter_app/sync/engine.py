"""The client engine: push the outbox, pull the change feed, never lose or double a record.

Safety rests on four facts: a change and its outbox row commit together (outbox.enqueue); the server
claims each (entity, uuid, version) once and answers a resend with "duplicate"; a row is marked
synced only after the server's reply, in one local transaction; only the lease holder sends.
A crash anywhere therefore leads at worst to a resend, which the server recognises.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from counter_app.attachments import AttachmentError, FileStore
from counter_app.db.engine import Database
from counter_app.db.models import OutboxEntry
from counter_app.domain import local_now
from counter_app.settings import SyncSettings
from counter_app.sync import pull, push
from counter_app.sync import state as st
from counter_app.sync.files import FileUploader, UploadReport, requeue_files
from counter_app.sync.protocol import DEFAULT_PAGE
from counter_app.sync.pull import UNSENT
from counter_app.sync.push import CRASH_ENV
from counter_app.sync.rebuild import RebuildError, RebuildReport
from counter_app.sync.rebuild import rebuild as rebuild_from_server
from counter_app.sync.transport import (
    AuthError,
    HttpTransport,
    RequestRejected,
    TokenElsewhereError,
    TransientError,
)

# Re-exported: callers import these from here.
__all__ = [
    "CRASH_ENV",
    "UNSENT",
    "CycleReport",
    "QueueCounts",
    "SyncEngine",
    "queue_counts",
    "token_fingerprint",
]


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
    files_uploaded: int = 0

    def add(self, other: CycleReport) -> None:
        self.pushed += other.pushed
        self.pulled += other.pulled
        self.rejected += other.rejected
        self.conflicts += other.conflicts
        self.files_uploaded += other.files_uploaded
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
        files: FileStore | None = None,
        after_pull: Callable[[], int] | None = None,
    ) -> None:
        self.db = db
        self.files = files
        # Work that needs the server's answers first (online decisions that waited offline).
        self.after_pull = after_pull
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
                install_id=sync.install_id,
                allow_insecure_http=sync.allow_insecure_http,
            )
            if self.configured
            else None
        )
        self._failures = 0
        # Uploads after a transient failure wait (monotonic time) unless the cycle is manual.
        self._upload_not_before = 0.0
        self._upload_failures = 0

    @classmethod
    def for_services(cls, services: Any, **kwargs: Any) -> SyncEngine:
        """An engine wired to CounterServices: its db, settings, clock and caches."""
        return cls(
            services.db,
            services.settings.sync,
            clock=services.clock,
            on_catalog=services.catalog.invalidate,
            on_calendar=services.reload_centre,
            files=FileStore(services.settings.paths.files_dir),
            after_pull=services.online.process_pending,
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
        if self.transport.refusal:
            report.configured = False
            report.error = self.transport.refusal
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
            self._upload(report, manual)
            pushed = self._push(report, manual)
            # The feed is read even when sending failed: the kiosk still learns of results.
            pulled = not report.paused and self._pull(report)
            if pulled and self.after_pull is not None:
                self.after_pull()
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

    def rebuild(self, unit: str) -> RebuildReport:
        """Download this unit's history from the server (a replaced or restored PC)."""
        if self.transport is None:
            raise RebuildError("Chưa cấu hình máy chủ đồng bộ (sync.server_url và sync.token).")
        if not self.lease.claim():
            raise RebuildError("Một tiến trình khác đang đồng bộ; thử lại sau.")
        try:
            return rebuild_from_server(self, unit, CycleReport())
        finally:
            self.lease.release()

    def requeue(self, states: tuple[str, ...] = ("rejected", "conflict")) -> int:
        """Send rejected/conflicting records again (after the cause was fixed), and the files the
        server refused for good when "rejected" is among `states`; returns how many."""
        with self.db.write() as s:
            result: Any = s.execute(
                update(OutboxEntry)
                .where(OutboxEntry.state.in_(states))
                .values(state="pending", next_attempt_at=None, attempts=0)
                .execution_options(synchronize_session=False)
            )
            count = int(result.rowcount)
        if "rejected" in states:
            count += requeue_files(self.db)
            self._upload_not_before = 0.0
        return count

    # -- the parts -----------------------------------------------------------------------------

    def _requeue_sending(self) -> None:
        push.requeue_sending(self)

    def _upload(self, report: CycleReport, manual: bool) -> None:
        """Digitised files first: their metadata records are queued once their bytes are in.

        A file refused for good is set aside (counted as rejected) and the others go on; after a
        transient error the uploads back off like the push does (a manual cycle tries at once).
        """
        if self.files is None or self.transport is None:
            return
        if not manual and time.monotonic() < self._upload_not_before:
            return
        uploader = FileUploader(self.db, self.files, self.transport, clock=self.clock)
        done = UploadReport()
        try:
            uploader.upload_pending(done)
        except TransientError as exc:
            report.error = f"Chưa tải được tệp số hóa lên: {exc}"
            self._upload_failures += 1
            delay = self._delay(self._upload_failures, exc.retry_after)
            self._upload_not_before = time.monotonic() + delay
            report.retry_in = delay
        except RequestRejected as exc:  # about the server or its address, not one file
            report.error = f"Máy chủ không nhận tệp số hóa: {exc}"
        except AttachmentError as exc:
            report.error = str(exc)
        except AuthError as exc:  # a revoked token: pause like the push does (nothing may wait)
            self._pause(exc, report)
        else:
            self._upload_not_before, self._upload_failures = 0.0, 0
        report.files_uploaded += done.files
        report.rejected += done.rejected
        if done.files:
            report.reached_server = True

    def _push(self, report: CycleReport, manual: bool) -> bool:
        return push.push(self, report, manual)

    def _pull(self, report: CycleReport) -> bool:
        return pull.pull(self, report)

    # -- backoff, pause, bookkeeping -----------------------------------------------------------

    def _delay(self, attempts: int, retry_after: float | None = None) -> float:
        """Full-jitter exponential backoff, capped; never sooner than the server asked."""
        ceiling: float = min(self.backoff_cap_s, self.backoff_base_s * 2.0 ** min(attempts, 30))
        delay = float(self.rng()) * ceiling
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def _pause(self, problem: str | AuthError, report: CycleReport) -> None:
        message = str(problem)
        report.paused = True
        report.error = message
        with self.db.write() as s:
            st.set_value(s, st.PAUSED, message)
            st.set_value(s, st.PAUSED_TOKEN, token_fingerprint(self.sync.token))
            if isinstance(problem, TokenElsewhereError):
                # Kept in the database: codes stop here (and in the next process) until the
                # server takes this installation again, even if the network goes away meanwhile.
                st.set_value(s, st.TOKEN_ELSEWHERE, message)

    def _record(self, report: CycleReport, ok: bool) -> None:
        with self.db.write() as s:
            st.set_value(s, st.ONLINE, "1" if report.reached_server else "0")
            st.set_value(s, st.LAST_ERROR, report.error)
            if report.reached_server:
                st.set_value(s, st.PAUSED, "")
                st.set_value(s, st.TOKEN_ELSEWHERE, "")
            if ok:
                st.set_value(s, st.LAST_SUCCESS, self.clock().isoformat())
