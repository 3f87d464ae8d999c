"""Sending the outbox: batches out, verdicts in, each batch's bookkeeping in one transaction.

A row is marked synced only in the local transaction that records the server's reply; rows left
"sending" by a crash are re-queued by the next sender and answered "duplicate" by the server.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence
from datetime import timedelta
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Row, Table, Text, bindparam, select, update
from sqlalchemy import cast as sa_cast
from sqlalchemy.orm import Session

from counter_app.db.models import Dossier, OutboxEntry
from counter_app.sync.protocol import (
    ACCEPTED,
    CONFLICT,
    DUPLICATE,
    PROTOCOL_VERSION,
    ProtocolError,
    PushResult,
)
from counter_app.sync.transport import (
    MAX_RETRY_AFTER_S,
    AuthError,
    RequestRejected,
    TransientError,
)

if TYPE_CHECKING:
    from counter_app.sync.engine import CycleReport, SyncEngine

_Key = tuple[str, str, int]
_Verdicts = tuple[Sequence[Row[Any]], dict[_Key, PushResult]]
#: Test hook: "after_push_2xx" kills this process after the server's 2xx, before the local commit.
CRASH_ENV = "COUNTER_APP_SYNC_TEST_CRASH"
# What json.dumps(ensure_ascii=False) does to one string (quote, escape), without its overhead.
_json_str = encode_basestring


def requeue_sending(eng: SyncEngine) -> None:
    """Rows left "sending" by a crashed sender go back to the queue (we hold the lease)."""
    with eng.db.write() as s:
        s.execute(
            update(OutboxEntry)
            .where(OutboxEntry.state == "sending")
            .values(state="retry", next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )


def push(eng: SyncEngine, report: CycleReport, manual: bool) -> bool:
    """Send every due row, batch by batch; False when sending stopped on an error."""
    batch_size = max(1, eng.sync.batch_size)
    # Verdicts of the last batch, written in the same transaction that takes the next one.
    carry: _Verdicts | None = None
    while True:
        rows = _take_batch(eng, batch_size, manual, report, carry)
        carry = None
        if rows is None:  # lost the lease (we were too slow): stop sending
            report.error = "Mất quyền gửi (tiến trình khác đã tiếp quản)."
            return False
        if not rows:
            return True
        ids = [r.id for r in rows]
        assert eng.transport is not None
        try:
            reply = eng.transport.post_raw("/push", _body(eng, rows))
            results = _parse_results(reply)
        except TransientError as exc:
            if exc.shrink:
                batch_size = max(1, batch_size // 2)
            _fail(eng, rows, str(exc), exc.retry_after, report)
            return False
        except AuthError as exc:
            _release(eng, ids)
            eng._pause(exc, report)
            return False
        except RequestRejected as exc:
            if not exc.about_records:
                # Wrong URL or protocol: no record is at fault, so none may be rejected.
                _fail(eng, rows, f"{exc} Kiểm tra sync.server_url.", None, report)
                return False
            if len(rows) > 1:
                # One bad record must not block the others: halve until it stands alone.
                _release(eng, ids)
                batch_size = max(1, len(rows) // 2)
                continue
            with eng.db.write() as s:
                _settle_in(eng, s, rows, {}, report, whole_error=exc)
            continue
        report.reached_server = True
        if os.environ.get(CRASH_ENV) == "after_push_2xx":
            _die()
        carry = (rows, {r.key: r for r in results})
        eng._failures = 0
        if len(rows) < batch_size:
            with eng.db.write() as s:
                _settle_in(eng, s, *carry, report)
            return True


def _body(eng: SyncEngine, rows: Sequence[Row[Any]]) -> bytes:
    """The push request, with each payload's stored JSON text spliced in unparsed."""
    parts = [
        f'{{"entity": {_json_str(r.entity)}, "uuid": {_json_str(r.entity_uuid)}, '
        f'"version": {int(r.version)}, "hash": {_json_str(r.hash)}, "payload": {r.payload_text}}}'
        for r in rows
    ]
    stamp = _json_str(eng.clock().isoformat())
    return (
        f'{{"protocol": {PROTOCOL_VERSION}, "counter_time": {stamp}, '
        f'"items": [{", ".join(parts)}]}}'
    ).encode()


def _take_batch(
    eng: SyncEngine,
    batch_size: int,
    manual: bool,
    report: CycleReport,
    settle: _Verdicts | None = None,
) -> Sequence[Row[Any]] | None:
    """Record `settle`, claim the lease and the next batch, all in one transaction (one commit,
    not three, per batch); None if the lease is lost."""
    now = eng.clock()
    with eng.db.write() as s:
        if settle is not None:
            _settle_in(eng, s, settle[0], settle[1], report)
        if not eng.lease.claim_in(s):
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
        horizon = now + timedelta(seconds=max(eng.backoff_cap_s, MAX_RETRY_AFTER_S) * 1.5)
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


def _release(eng: SyncEngine, ids: list[int]) -> None:
    with eng.db.write() as s:
        s.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id.in_(ids), OutboxEntry.state == "sending")
            .values(state="pending")
            .execution_options(synchronize_session=False)
        )


def _fail(
    eng: SyncEngine,
    rows: Sequence[Row[Any]],
    message: str,
    retry_after: float | None,
    report: CycleReport,
) -> None:
    eng._failures += 1
    attempts = max(r.attempts for r in rows) + 1
    delay = eng._delay(attempts, retry_after)
    report.retry_in = delay
    report.error = message
    now = eng.clock()
    with eng.db.write() as s:
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


def _settle_in(
    eng: SyncEngine,
    s: Session,
    rows: Sequence[Row[Any]],
    results: dict[_Key, PushResult],
    report: CycleReport,
    whole_error: RequestRejected | None = None,
) -> None:
    """Record the server's verdicts in the caller's transaction: one UPDATE for the synced rows,
    one executemany for the rest, one for the provincial references."""
    now = eng.clock()
    synced: list[int] = []
    refs: list[dict[str, str]] = []
    other: list[dict[str, Any]] = []
    for r in rows:
        result = results.get((r.entity, r.entity_uuid, r.version))
        if whole_error is not None:
            other.append({"i": r.id, "st": "rejected", "msg": str(whole_error)})
            report.rejected += 1
        elif result is None:
            other.append({"i": r.id, "st": "retry", "msg": "Máy chủ không trả lời bản ghi này."})
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
        # The provincial reference is the server's field: it always wins. Rows that already
        # hold it (a resend answered "duplicate") are left alone rather than rewritten.
        d = cast(Table, Dossier.__table__)
        s.execute(
            d.update()
            .where(d.c.uuid == bindparam("u"), d.c.provincial_ref.is_distinct_from(bindparam("r")))
            .values(provincial_ref=bindparam("r")),
            refs,
        )


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
