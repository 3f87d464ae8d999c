"""Reading the server's change feed: each page and the new cursor in one local transaction.

A local status change not yet sent is never overwritten: the server echoes it once it has it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.calendar import DayKind
from counter_app.catalog import CatalogError, parse_catalog, upsert_procedures
from counter_app.centre import mark_official_year_in, set_exception_in
from counter_app.db.models import Dossier, DossierEvent, OutboxEntry
from counter_app.domain import DossierStatus
from counter_app.online import apply_claimed_change, apply_online_change
from counter_app.ratings import apply_server_rating
from counter_app.sync import state as st
from counter_app.sync.protocol import (
    CALENDAR,
    CATALOG,
    DOSSIER_STATUS,
    ONLINE_CLAIMED,
    ONLINE_DOSSIER,
    RATING,
    ChangePage,
    ProtocolError,
)
from counter_app.sync.transport import AuthError, RequestRejected, TransientError

if TYPE_CHECKING:
    from counter_app.sync.engine import CycleReport, SyncEngine

UNSENT = ("pending", "sending", "retry")


def pull(eng: SyncEngine, report: CycleReport) -> bool:
    """Read and apply feed pages until none is left; False when reading stopped on an error."""
    limit = eng.page_size
    assert eng.transport is not None
    for _ in range(eng.max_pages):
        with eng.db.read() as s:
            since = int(st.get_value(s, st.CURSOR, "0") or 0)
        try:
            raw = eng.transport.get("/changes", {"since": since, "limit": limit})
            page = ChangePage.from_json(raw, since)
        except ProtocolError:
            limit = max(1, limit // 2)
            report.error = "Trang thay đổi từ máy chủ không hợp lệ."
            report.retry_in = eng._delay(eng._failures + 1)
            return False
        except TransientError as exc:
            eng._failures += 1
            report.error = str(exc)
            report.retry_in = eng._delay(eng._failures, exc.retry_after)
            return False
        except AuthError as exc:
            eng._pause(exc, report)
            return False
        except RequestRejected as exc:
            report.error = str(exc)
            return False
        report.reached_server = True
        report.pulled += _apply_page(eng, since, page)
        if not page.more:
            return True
    return True


def _apply_page(eng: SyncEngine, since: int, page: ChangePage) -> int:
    """Apply a page and advance the cursor in one transaction: all of it or nothing."""
    catalog = calendar = False
    applied = 0
    with eng.db.write() as s:
        if int(st.get_value(s, st.CURSOR, "0") or 0) != since:
            return 0  # applied meanwhile by another sender; the next read starts after it
        for change in page.changes:
            if change.kind == DOSSIER_STATUS:
                applied += _apply_status(eng, s, change.data)
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
            elif change.kind == RATING:
                applied += apply_server_rating(s, change.data)
            elif change.kind == ONLINE_DOSSIER:
                applied += apply_online_change(s, change.data, eng.clock())
            elif change.kind == ONLINE_CLAIMED:
                applied += apply_claimed_change(s, change.data, eng.clock())
        st.set_value(s, st.CURSOR, str(page.next))
    if catalog and eng.on_catalog:
        eng.on_catalog()
    if calendar and eng.on_calendar:
        eng.on_calendar()
    return applied


def _apply_status(eng: SyncEngine, s: Session, data: dict[str, Any]) -> int:
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
                at=_parse_dt(data.get("at")) or eng.clock(),
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
        d.updated_at = eng.clock()
    return 1


def _has_unsent_status_change(s: Session, dossier_id: int) -> bool:
    # An appointment change (Mẫu 04) keeps the status: it must not hold back the server's.
    local_events = select(DossierEvent.uuid).where(
        DossierEvent.dossier_id == dossier_id,
        DossierEvent.source == "counter",
        DossierEvent.appointment_change.is_(None),
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
    if "day" not in data and isinstance(data.get("year"), int):
        # A whole year announced (`server calendar load`): its days came before this.
        mark_official_year_in(s, data["year"], str(data.get("title") or ""))
        return 1
    try:
        day = date.fromisoformat(str(data["day"]))
        kind = DayKind(data["kind"]) if data.get("kind") else None
    except (KeyError, ValueError):
        return 0
    set_exception_in(s, day, kind, str(data.get("note", "")), str(data.get("reference") or ""))
    return 1


def _parse_dt(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)).replace(tzinfo=None)
    except ValueError:
        return None
