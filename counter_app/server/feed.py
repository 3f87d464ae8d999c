"""The pull feed: appending changes in commit order, and reading a counter's page of them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from counter_app.db.engine import Database
from counter_app.domain import local_now
from counter_app.server.schema import CounterIdentity, change_t
from counter_app.sync.protocol import MAX_RESPONSE_BYTES, Change

FEED_LOCK = 7_340_001


def add_change(s: Session, db: Database, kind: str, unit: str | None, data: dict[str, Any]) -> int:
    """Append one change for `unit` (None: every counter) in the caller's transaction; returns
    its sequence number."""
    if db.is_postgres:
        # Sequence values are handed out before commit; holding one lock until commit makes
        # seq order equal commit order, so a reader past seq N can never miss a later commit < N.
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FEED_LOCK})
    result = s.execute(
        change_t.insert()
        .values(kind=kind, unit=unit, data=data, created_at=local_now())
        .returning(change_t.c.seq)
    )
    return int(result.scalar_one())


def add_changes(
    s: Session, db: Database, kind: str, entries: list[tuple[str | None, dict[str, Any]]]
) -> None:
    """Append several changes of one kind in one statement (a push batch's echoes)."""
    if not entries:
        return
    if db.is_postgres:
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FEED_LOCK})
    now = local_now()
    s.execute(
        change_t.insert(),
        [{"kind": kind, "unit": unit, "data": data, "created_at": now} for unit, data in entries],
    )


def status_change(
    uuid: str,
    code: str,
    status: int,
    event_uuid: str,
    at: datetime,
    note: str,
    actor: str,
    provincial_ref: str,
) -> dict[str, Any]:
    """The data of a `dossier_status` change."""
    return {
        "dossier_uuid": uuid,
        "code": code,
        "status": status,
        "event_uuid": event_uuid,
        "at": at.isoformat(),
        "note": note,
        "actor": actor,
        "provincial_ref": provincial_ref,
    }


def read_changes(
    db: Database, counter: CounterIdentity, since: int, limit: int
) -> tuple[list[Change], int]:
    """Feed entries after `since` for this counter's unit (and broadcasts); also the next cursor."""
    with db.read() as s:
        rows = s.execute(
            select(change_t.c.seq, change_t.c.kind, change_t.c.data)
            .where(change_t.c.seq > since)
            .where((change_t.c.unit.is_(None)) | (change_t.c.unit == counter.unit))
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
