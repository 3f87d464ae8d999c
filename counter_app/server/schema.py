"""The server's tables: stored records (the idempotency claims), dossiers, events, tokens, the
change feed and the back-office audit log. Created and upgraded by the server's own alembic
history (`counter_app/server/migrations`), never by `create_all` on a real database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()

#: Token roles: a counter pushes and pulls for its unit; the back office moves dossiers on.
ROLE_COUNTER = "counter"
ROLE_BACK_OFFICE = "back-office"
#: The portal that files citizens' online dossiers (POST /api/v1/online).
ROLE_PORTAL = "portal"
ROLES = (ROLE_COUNTER, ROLE_BACK_OFFICE, ROLE_PORTAL)

counter_t = Table(
    "counter",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    # Bound at creation: the receiving unit whose codes this counter issues (None: back office).
    Column("unit", String(48), nullable=True),
    Column("centre", String(48), nullable=True),
    Column("role", String(16), nullable=False, server_default=ROLE_COUNTER),
    Column("revoked_at", DateTime, nullable=True),
    # The one counter installation (X-Counter-Install) this token works from: the first seen,
    # until `server token move` (s0005). Two PCs on one token would issue the same codes.
    Column("install_id", String(36), nullable=True),
    Column("install_bound_at", DateTime, nullable=True),
    # At most one active token per unit: two PCs issuing one unit's codes would collide.
    Index(
        "uq_counter_active_unit",
        "unit",
        unique=True,
        sqlite_where=text("revoked_at IS NULL AND unit IS NOT NULL"),
        postgresql_where=text("revoked_at IS NULL AND unit IS NOT NULL"),
    ),
)
# Every record ever accepted, keyed for idempotency: the unique constraint is the claim.
record_t = Table(
    "record",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entity", String(16), nullable=False),
    Column("uuid", String(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    # Canonical JSON text: the exact bytes the hash was computed from.
    Column("payload", Text, nullable=False),
    Column("counter_id", Integer, nullable=False),
    Column("received_at", DateTime, nullable=False),
    # The unit of the counter that pushed it: what a rebuilt counter downloads.
    Column("unit", String(48), nullable=True),
    # uuid first: lookups by a batch's uuids use this index directly.
    UniqueConstraint("uuid", "entity", "version", name="uq_record_key"),
    Index("ix_record_unit_id", "unit", "id"),
    Index("ix_record_counter_received", "counter_id", "received_at"),
)
dossier_t = Table(
    "dossier",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("counter_id", Integer, nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("status", Integer, nullable=False),
    Column("provincial_ref", String(64), nullable=False),
    Column("procedure_code", String(32), nullable=False),
    Column("procedure_name", String(500), nullable=False),
    Column("applicant_name", String(255), nullable=False),
    Column("result_delivery", String(16), nullable=False),
    Column("appointment_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    # The owner: the receiving unit of the code, and the code's day and number (high-water).
    Column("unit", String(48), nullable=False, server_default=""),
    Column("code_day", Date, nullable=True),
    Column("code_no", Integer, nullable=True),
    # Why must-digitise papers came without a scan ('' when none is missing; s0004).
    Column("undigitised_reason", Text, nullable=False, server_default=""),
    Index("ix_dossier_unit_day", "unit", "code_day"),
)
event_t = Table(
    "event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("dossier_uuid", String(36), nullable=False, index=True),
    Column("status", Integer, nullable=False),
    Column("at", DateTime, nullable=False),
    Column("actor", String(255), nullable=False),
    Column("note", Text, nullable=False),
    Column("source", String(16), nullable=False),
    # {"previous", "new", "reason", "apology"} when the event moved the appointment (Mẫu 04).
    Column("appointment_change", JSON(none_as_null=True), nullable=True),
)
# The pull feed. seq orders it; writers serialise (see feed.add_change) so seq order is commit
# order. `unit` addresses a change to one receiving unit's counter; None is a broadcast.
change_t = Table(
    "change",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("unit", String(48), nullable=True, index=True),
    Column("data", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    sqlite_autoincrement=True,
)
# Who did what on the server (back-office status changes, tokens): ids and codes only.
audit_t = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("actor", String(255), nullable=False),
    Column("action", String(64), nullable=False),
    Column("ref", String(64), nullable=False),
    Column("detail", JSON, nullable=False),
)

# Dossiers citizens filed online (status 1), until a counter accepts, refuses or asks for more.
online_t = Table(
    "online_dossier",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("procedure_code", String(32), nullable=False),
    Column("applicant", JSON, nullable=False),
    Column("papers", JSON, nullable=False),
    Column("submitted_at", DateTime, nullable=False),
    Column("status", Integer, nullable=False),
    # The one counter granted this dossier; the conditional UPDATE that sets it is the grant.
    Column("claimed_by", Integer, nullable=True),
    Column("claimed_at", DateTime, nullable=True),
    Column("dossier_code", String(64), nullable=True),
    Column("decision", JSON, nullable=True),
)


@dataclass(frozen=True)
class CounterIdentity:
    """An authenticated token (a row of `counter`)."""

    id: int
    name: str
    unit: str | None = None
    centre: str | None = None
    role: str = ROLE_COUNTER
    install_id: str | None = None

    @property
    def is_back_office(self) -> bool:
        return self.role == ROLE_BACK_OFFICE
