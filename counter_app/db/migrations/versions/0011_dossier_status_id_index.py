"""dossier (status, id) index: the list filtered by status alone walks its newest rows

The dossier list with a status and no search words ("Mọi ngày") asked for
`WHERE status IN (…) ORDER BY id DESC LIMIT n`; with the only status index led by
(status, appointment_at) SQLite walked the whole table backwards for a rare status
(0.25 s for a status with no dossier, seconds for a rare one, at 1,000,000 dossiers).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_dossier_status_id", "dossier", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_dossier_status_id", table_name="dossier")
