"""The server's tables: stored records (the idempotency claims), dossiers, events, counters and
the change feed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

counter_t = Table(
    "counter",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    # "counter", or "portal" for the national/provincial portal that files online dossiers.
    Column("role", String(16), nullable=False, server_default="counter"),
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
    # uuid first: lookups by a batch's uuids use this index directly.
    UniqueConstraint("uuid", "entity", "version", name="uq_record_key"),
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
)
# The pull feed. seq orders it; writers serialise (see _lock_feed) so seq order is commit order.
change_t = Table(
    "change",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("counter_id", Integer, nullable=True, index=True),
    Column("data", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    sqlite_autoincrement=True,
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
    """An authenticated counter (a row of `counter`)."""

    id: int
    name: str
    role: str = "counter"
