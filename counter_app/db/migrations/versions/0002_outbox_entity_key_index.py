"""outbox: index on the sync key (entity, entity_uuid, version)

The sync engine looks rows up by their idempotency key: the per-dossier sync badge, and the pull's
check for local status changes not yet sent (which must never be overwritten).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 07:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_entity_key", ["entity", "entity_uuid", "version"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_entity_key")
