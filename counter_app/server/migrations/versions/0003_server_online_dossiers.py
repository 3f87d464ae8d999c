"""online dossiers: what citizens filed on the portal, until one counter is granted each

The grant is the conditional UPDATE of `claimed_by` (see counter_app/server/online.py). Tokens
may now also have the `portal` role (the column exists since s0002).

Revision ID: s0003
Revises: s0002
Create Date: 2026-12-02 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "s0003"
down_revision: str | None = "s0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "online_dossier",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(length=36), nullable=False, unique=True),
        sa.Column("procedure_code", sa.String(length=32), nullable=False),
        sa.Column("applicant", sa.JSON(), nullable=False),
        sa.Column("papers", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("dossier_code", sa.String(length=64), nullable=True),
        sa.Column("decision", sa.JSON(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("online_dossier")
