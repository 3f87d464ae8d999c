"""pages of each paper handed in; a per-page or per-copy fee rule per procedure

A certified copy's fee depends on how many copies and how many pages (Thông tư 226/2016/TT-BTC):
the counter records pages per paper of a dossier, and the catalog's rule is kept with the
procedure so the fee is computed at intake from what was handed in. Both columns are added in
place (no batch recreate: that would drop the FTS triggers on dossier's neighbours).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "dossier_paper",
        sa.Column("pages", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("procedure", sa.Column("fee_rule", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("procedure") as batch:
        batch.drop_column("fee_rule")
    with op.batch_alter_table("dossier_paper") as batch:
        batch.drop_column("pages")
