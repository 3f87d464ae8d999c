"""The outbox: every local change the provincial server must learn, written in the change's own
transaction so a change and its outbox row commit (or vanish) together."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from counter_app.db.models import Dossier, DossierEvent, OutboxEntry, Rating, Slip
from counter_app.domain import local_now

PROTOCOL_VERSION = 1


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def canonical_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON: the server compares it to tell a retry from a conflict."""
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def dossier_payload(d: Dossier) -> dict[str, Any]:
    """Everything the provincial server stores about a dossier received here."""
    return {
        "uuid": d.uuid,
        "code": d.code,
        "unit_identifier": d.unit_identifier,
        "procedure_code": d.procedure.code,
        "procedure_name": d.procedure.name,
        "sector": d.procedure.sector,
        "applicant": dict(d.applicant_snapshot),
        "channel": d.channel,
        "status": d.status,
        "received_at": _iso(d.received_at),
        "appointment_at": _iso(d.appointment_at),
        "counter_no": d.counter_no,
        "register_month": _iso(d.register_month),
        "register_no": d.register_no,
        "clerk_name": d.clerk_name,
        "fee": d.fee,
        "dossier_sets": d.dossier_sets,
        "summary": d.summary,
        "notes": d.notes,
        "missing_papers_reason": d.missing_papers_reason,
        "undigitised_reason": d.undigitised_reason,
        "result_delivery": d.result_delivery,
        "delivery_address": d.delivery_address,
        "handed_back_at": _iso(d.handed_back_at),
        "papers": [
            {
                "code": p.code,
                "name": p.name,
                "originals": p.originals,
                "copies": p.copies,
                "pages": p.pages,
                "submitted": p.submitted,
                "required": p.required,
            }
            for p in d.papers
        ],
        "version": d.version,
    }


def event_payload(e: DossierEvent, dossier: Dossier) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "uuid": e.uuid,
        "dossier_uuid": dossier.uuid,
        "dossier_code": dossier.code,
        "status": e.status,
        "at": _iso(e.at),
        "actor": e.actor,
        "note": e.note,
        "source": e.source,
    }
    if e.appointment_change:
        # BRIEF's appointment-change contract: {"previous", "new", "reason", "apology"}.
        payload["appointment_change"] = dict(e.appointment_change)
    return payload


def slip_payload(slip: Slip, procedure_code: str, dossier_uuid: str | None) -> dict[str, Any]:
    return {
        "uuid": slip.uuid,
        "kind": slip.kind,
        "dossier_uuid": dossier_uuid,
        "procedure_code": procedure_code,
        "applicant": dict(slip.applicant_snapshot),
        "items": list(slip.items),
        "reason": slip.reason,
        "at": _iso(slip.at),
        "counter_no": slip.counter_no,
        "clerk_name": slip.clerk_name,
    }


def rating_payload(r: Rating, dossier_uuid: str) -> dict[str, Any]:
    return {
        "uuid": r.uuid,
        "dossier_uuid": dossier_uuid,
        "score": r.score,
        "comment": r.comment,
        "at": _iso(r.at),
    }


def enqueue(
    session: Session, entity: str, uuid: str, payload: dict[str, Any], *, version: int = 1
) -> OutboxEntry:
    """Add an outbox row for one change to the caller's transaction."""
    now = local_now()
    entry = OutboxEntry(
        entity=entity,
        entity_uuid=uuid,
        version=version,
        payload=payload,
        content_hash=content_hash(payload),
        state="pending",
        attempts=0,
        next_attempt_at=None,
        last_error="",
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    return entry
