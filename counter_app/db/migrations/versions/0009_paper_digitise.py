"""which papers must be digitised at intake; why a dossier was saved without them

The catalog says, per paper of a procedure, whether the counter must scan it when it is handed in
(Nghị định 118/2025/NĐ-CP). When the scanner is down the counter keeps working: the dossier is
saved with the clerk's reason, which the supervisor sees until the papers are attached. Both
columns are added in place (no batch recreate: that would drop the FTS triggers).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "procedure_paper",
        sa.Column("digitise", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "dossier",
        sa.Column("undigitised_reason", sa.Text(), nullable=False, server_default=""),
    )


def downgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        batch.drop_column("undigitised_reason")
    with op.batch_alter_table("procedure_paper") as batch:
        batch.drop_column("digitise")
