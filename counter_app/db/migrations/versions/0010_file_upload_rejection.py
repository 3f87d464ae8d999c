"""file upload rejections: a digitised file the server refused for good, and why

A file the server will never take as it is (too large, corrupt, hash mismatch, another lasting
4xx) or that cannot be read from the local store is recorded here once, by hash, with the reason
in Vietnamese: the uploader skips it on later cycles (no retry storm), `sync --json`, the status
bar and `doctor` show it, and `sync --retry-rejected` deletes the row to try again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "file_rejection",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=48), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rejected_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_file_rejection")),
    )


def downgrade() -> None:
    op.drop_table("file_rejection")
