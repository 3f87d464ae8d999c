"""The applicant at intake: the validated person or organisation, and its one row per ID number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import Table, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from counter_app.db.models import Applicant
from counter_app.domain import ApplicantKind
from counter_app.identity import IdKind


@dataclass(frozen=True)
class CleanApplicant:
    kind: ApplicantKind
    id_kind: IdKind
    id_number: str
    name: str
    birth_date: date | None
    phone: str
    email: str
    address: str

    def snapshot(self) -> dict[str, str | int | None]:
        return {
            "kind": int(self.kind),
            "id_kind": self.id_kind.value,
            "id_number": self.id_number,
            "name": self.name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
        }


def upsert_applicant(s: Session, a: CleanApplicant, now: datetime) -> Applicant:
    """One row per identity number, updated to the latest visit (blank fields keep old values).

    An INSERT .. ON CONFLICT, not a check-then-insert: two counters receiving the same person at
    the same moment must not fail on the unique constraint.
    """
    table = cast(Table, Applicant.__table__)
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = insert(table).values(
        kind=int(a.kind),
        id_kind=a.id_kind.value,
        id_number=a.id_number,
        name=a.name,
        birth_date=a.birth_date,
        phone=a.phone,
        email=a.email,
        address=a.address,
        updated_at=now,
    )
    new = values.excluded
    stmt = values.on_conflict_do_update(
        index_elements=["id_number"],
        set_={
            "kind": new.kind,
            "id_kind": new.id_kind,
            "name": new.name,
            "birth_date": func.coalesce(new.birth_date, table.c.birth_date),
            "phone": func.coalesce(func.nullif(new.phone, ""), table.c.phone),
            "email": func.coalesce(func.nullif(new.email, ""), table.c.email),
            "address": func.coalesce(func.nullif(new.address, ""), table.c.address),
            "updated_at": new.updated_at,
        },
    ).returning(table.c.id)
    applicant_id = int(s.execute(stmt).scalar_one())
    applicant = s.get(Applicant, applicant_id, populate_existing=True)
    assert applicant is not None
    return applicant
