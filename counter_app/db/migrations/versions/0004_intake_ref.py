"""intake refs: the caller's key for a draft, so a re-run batch returns what was received

A batch file (or any caller) may give each draft a "ref"; receiving the same ref again returns the
dossier already received instead of issuing a second code. One row per ref, pointing at its
dossier; a table of its own so the dossier table (and its FTS triggers) stays untouched.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_ref",
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossier.id"],
            name=op.f("fk_intake_ref_dossier_id_dossier"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ref", name=op.f("pk_intake_ref")),
    )
    op.create_index("ix_intake_ref_dossier_id", "intake_ref", ["dossier_id"])


def downgrade() -> None:
    op.drop_index("ix_intake_ref_dossier_id", table_name="intake_ref")
    op.drop_table("intake_ref")
