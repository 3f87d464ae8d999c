"""The queue service's own tables, created by a versioned create (no alembic history yet).

`queue_meta.schema_version` records the version of the tables; `upgrade` creates missing tables,
runs the steps from the recorded version up to SCHEMA_VERSION and refuses a database written by
a newer version. Steps: 1 → 2 adds `queue_ticket.procedure_code` (figures per procedure).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.orm import Session

from counter_app.queue.domain import QueueError

SCHEMA_VERSION = 2

metadata = MetaData()

meta_t = Table(
    "queue_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
device_t = Table(
    "queue_device",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
)
area_t = Table(
    "queue_area",
    metadata,
    Column("area", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("prefix", String(2), nullable=False, unique=True),
    Column("counters", JSON, nullable=False),
    Column("sectors", JSON, nullable=False),
    Column("position", Integer, nullable=False),
)
# One row per area and day, incremented inside the issuing transaction (like CodeSequence).
sequence_t = Table(
    "queue_sequence",
    metadata,
    Column("day", Date, nullable=False),
    Column("area", String(16), nullable=False),
    Column("last_value", Integer, nullable=False),
    PrimaryKeyConstraint("day", "area", name="pk_queue_sequence"),
)
ticket_t = Table(
    "queue_ticket",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False),
    # Where the ticket waits now (a transfer changes it); issue_area keeps where it began.
    Column("area", String(16), nullable=False),
    Column("issue_area", String(16), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("number", String(16), nullable=False),
    Column("priority", Boolean, nullable=False),
    Column("category", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("issued_at", DateTime, nullable=False),
    Column("first_called_at", DateTime, nullable=True),
    Column("called_at", DateTime, nullable=True),
    Column("serving_at", DateTime, nullable=True),
    Column("done_at", DateTime, nullable=True),
    Column("counter", Integer, nullable=True),
    Column("calls", Integer, nullable=False),
    Column("transfers", Integer, nullable=False),
    Column("dossier_code", String(64), nullable=False),
    # Procedure codes of the linked dossiers, comma-separated like dossier_code (version 2).
    Column("procedure_code", String(200), nullable=False, server_default=""),
    Column("kiosk", String(100), nullable=False),
    UniqueConstraint("day", "number", name="uq_queue_ticket_number"),
    Index("ix_queue_ticket_waiting", "day", "state", "area", "priority", "id"),
)
# Every call, recall and change, in order: the push channel replays it from a cursor.
event_t = Table(
    "queue_event",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("day", Date, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("number", String(16), nullable=False),
    Column("area", String(16), nullable=False),
    Column("counter", Integer, nullable=True),
    Column("at", DateTime, nullable=False),
    sqlite_autoincrement=True,
)


# Each step takes the tables from version N to N + 1, inside the caller's transaction.
_STEPS: dict[int, str] = {
    1: "ALTER TABLE queue_ticket ADD COLUMN procedure_code VARCHAR(200) DEFAULT '' NOT NULL",
}


def upgrade(s: Session) -> None:
    """Create missing tables and bring an older database up to SCHEMA_VERSION."""
    metadata.create_all(s.connection())
    found = s.scalar(select(meta_t.c.value).where(meta_t.c.key == "schema_version"))
    if found is None:  # tables just created at this version
        s.execute(meta_t.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
        return
    version = int(found)
    if version > SCHEMA_VERSION:
        raise QueueError(f"CSDL hàng đợi thuộc phiên bản mới hơn ({found}); hãy cập nhật phần mềm.")
    for step in range(version, SCHEMA_VERSION):
        s.execute(text(_STEPS[step]))
    if version < SCHEMA_VERSION:
        s.execute(
            meta_t.update()
            .where(meta_t.c.key == "schema_version")
            .values(value=str(SCHEMA_VERSION))
        )
