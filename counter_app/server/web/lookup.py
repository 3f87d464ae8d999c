"""Reading one dossier's public facts from the server's tables: the dossier row, its stored events
(with the appointment change kept in each pushed event's record) and whether it was rated."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select
from sqlalchemy.orm import Session

from counter_app.db.engine import Database
from counter_app.public import APPOINTMENT_CHANGE_KEY, PublicDossier, PublicEvent, public_view
from counter_app.ratings import rating_uuid
from counter_app.server.schema import dossier_t, event_t, record_t
from counter_app.verification import check_value


@dataclass(frozen=True)
class ServerDossier:
    """A dossier as the public page needs it: the view, plus what the server checks behind it."""

    uuid: str
    counter_id: int
    view: PublicDossier
    rated: bool


def has_rating(s: Session | Connection, dossier_uuid: str, *, legacy: bool = False) -> bool:
    """Whether the dossier has a rating: given on the web or at its counter's kiosk (both under
    `rating_uuid`). `legacy` also looks for kiosk ratings pushed before rating UUIDs were derived
    from the dossier's: a scan of the rating records, for the rating form's POST only."""
    found = s.scalar(
        select(record_t.c.id).where(
            record_t.c.uuid == rating_uuid(dossier_uuid), record_t.c.entity == "rating"
        )
    )
    if found is not None or not legacy:
        return found is not None
    # Pushed payloads are canonical JSON (sorted keys, no spaces): the UUID appears in this form.
    needle = f'%"dossier_uuid":"{dossier_uuid}"%'
    pushed = s.scalar(
        select(record_t.c.id)
        .where(record_t.c.entity == "rating", record_t.c.payload.like(needle))
        .limit(1)
    )
    return pushed is not None


# One round trip for the page: the dossier and each of its events with the event's pushed record
# (where the appointment change is kept); built once, bound per request.
_DOSSIER_WITH_EVENTS = (
    select(
        dossier_t.c.uuid,
        dossier_t.c.code,
        dossier_t.c.counter_id,
        dossier_t.c.status,
        dossier_t.c.procedure_name,
        dossier_t.c.applicant_name,
        dossier_t.c.appointment_at,
        dossier_t.c.result_delivery,
        event_t.c.status.label("event_status"),
        event_t.c.at.label("event_at"),
        record_t.c.payload,
    )
    .select_from(dossier_t)
    .outerjoin(event_t, event_t.c.dossier_uuid == dossier_t.c.uuid)
    .outerjoin(
        record_t,
        and_(
            record_t.c.uuid == event_t.c.uuid,
            record_t.c.entity == "event",
            record_t.c.version == 1,
        ),
    )
    .where(dossier_t.c.code == bindparam("code"))
    .order_by(event_t.c.at, event_t.c.id)
)


def _change_in(payload: str | None) -> Any:
    # Most events carry no change: skip parsing those.
    if payload is None or APPOINTMENT_CHANGE_KEY not in payload:
        return None
    try:
        return json.loads(payload).get(APPOINTMENT_CHANGE_KEY)
    except (ValueError, AttributeError):
        return None


def find_dossier(db: Database, code: str, value: str | None) -> ServerDossier | None:
    """The public view of `code` (masked name only when `value` checks); None when unknown."""
    # A Core connection, not an ORM session: half the cost of the page's read, which is most of
    # the page's cost. Deferred on SQLite, as Database.read(): a reader never takes the write lock.
    engine = db.engine.execution_options(sqlite_begin="DEFERRED") if db.is_sqlite else db.engine
    with engine.connect() as conn:
        rows = conn.execute(_DOSSIER_WITH_EVENTS, {"code": code}).all()
        if not rows:
            return None
        row = rows[0]
        rated = row.status == 10 and has_rating(conn, row.uuid)
    events = [
        PublicEvent(r.event_status, r.event_at, _change_in(r.payload))
        for r in rows
        if r.event_status is not None
    ]
    view = public_view(
        code=row.code,
        procedure_name=row.procedure_name,
        applicant_name=row.applicant_name,
        status=row.status,
        appointment_at=row.appointment_at,
        result_delivery=row.result_delivery,
        events=events,
        verified=check_value(row.uuid, row.code, value),
    )
    return ServerDossier(row.uuid, row.counter_id, view, rated)
