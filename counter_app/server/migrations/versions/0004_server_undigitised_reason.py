"""dossier.undigitised_reason: why a walk-in dossier's must-digitise papers came without a scan

Sent by the counter with the dossier (empty once the missing scans are attached), so the back
office sees it and a rebuilt counter gets it back.

Revision ID: s0004
Revises: s0003
Create Date: 2026-12-02 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "s0004"
down_revision: str | None = "s0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        batch.add_column(
            sa.Column("undigitised_reason", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        batch.drop_column("undigitised_reason")
