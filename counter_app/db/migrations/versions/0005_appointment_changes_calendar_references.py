"""appointment changes on dossier events; document references on calendar days

A late dossier's new appointment (Mẫu 04) is an event of its history: the event keeps the
previous and new appointment, the reason and whether an apology was issued, so lookup, the kiosk
and the server list every change in order. The official calendar ships as data with the document
that announced each day off or make-up day; the reference is kept beside the day.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: a batch "recreate" would drop the dossier FTS triggers'
    # neighbours and is not needed for nullable / defaulted columns.
    op.add_column("dossier_event", sa.Column("appointment_change", sa.JSON(), nullable=True))
    op.add_column(
        "calendar_exception",
        sa.Column("reference", sa.String(length=255), nullable=False, server_default=""),
    )


def downgrade() -> None:
    with op.batch_alter_table("calendar_exception") as batch:
        batch.drop_column("reference")
    with op.batch_alter_table("dossier_event") as batch:
        batch.drop_column("appointment_change")
