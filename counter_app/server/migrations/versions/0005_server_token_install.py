"""counter.install_id: the one counter installation a counter token works from

Two PCs set up with one token issued the same dossier codes while both were online; the server
now binds a token to the first installation id it sees and refuses it from any other until an
admin runs `server token move`.

Revision ID: s0005
Revises: s0004
Create Date: 2026-12-02 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "s0005"
down_revision: str | None = "s0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("counter") as batch:
        batch.add_column(sa.Column("install_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("install_bound_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("counter") as batch:
        batch.drop_column("install_bound_at")
        batch.drop_column("install_id")
