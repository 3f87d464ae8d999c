"""digitised papers: one row per file attached to a dossier's paper

The bytes live in the file store (a folder per receiving unit, named by SHA-256); this table holds
what the counter and the server need to know about them: paper, page count, size, hash, who
digitised it and when. Attaching the same file to the same paper twice is one row.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dossier_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("paper_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("mime", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("digitised_by", sa.String(length=255), nullable=False),
        sa.Column("digitised_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossier.id"],
            name=op.f("fk_dossier_file_dossier_id_dossier"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_file")),
        sa.UniqueConstraint("uuid", name=op.f("uq_dossier_file_uuid")),
        sa.UniqueConstraint(
            "dossier_id", "paper_code", "sha256", name=op.f("uq_dossier_file_dossier_id")
        ),
    )
    op.create_index(op.f("ix_dossier_file_dossier_id"), "dossier_file", ["dossier_id"])
    op.create_index(op.f("ix_dossier_file_sha256"), "dossier_file", ["sha256"])
    op.create_table(
        "online_dossier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("procedure_code", sa.String(length=32), nullable=False),
        sa.Column("applicant", sa.JSON(), nullable=False),
        sa.Column("papers", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("wanted", sa.String(length=16), nullable=False),
        sa.Column("wanted_detail", sa.JSON(), nullable=False),
        sa.Column("dossier_code", sa.String(length=64), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_online_dossier")),
        sa.UniqueConstraint("uuid", name=op.f("uq_online_dossier_uuid")),
    )
    op.create_index(op.f("ix_online_dossier_procedure_code"), "online_dossier", ["procedure_code"])
    op.create_index(op.f("ix_online_dossier_state"), "online_dossier", ["state"])


def downgrade() -> None:
    op.drop_index(op.f("ix_online_dossier_state"), table_name="online_dossier")
    op.drop_index(op.f("ix_online_dossier_procedure_code"), table_name="online_dossier")
    op.drop_table("online_dossier")
    op.drop_index(op.f("ix_dossier_file_sha256"), table_name="dossier_file")
    op.drop_index(op.f("ix_dossier_file_dossier_id"), table_name="dossier_file")
    op.drop_table("dossier_file")
