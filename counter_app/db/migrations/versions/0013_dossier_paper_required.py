"""dossier_paper.required: whether the paper was required by the procedure on intake day

A dossier kept only "handed in or not" for each paper of its procedure, so every paper not
handed in read «Thiếu» (missing), optional ones included. What the law asked on the day of
intake is what counts, not a later catalog: the flag is copied from the catalog at intake and
kept with the dossier from then on.

Existing rows are filled in, in this order:
1. from the counter's catalog (`procedure_paper` of the dossier's procedure, same paper code)
   where that paper is still listed;
2. otherwise True: the old display («Thiếu»), the cautious answer for a paper nobody can vouch
   was optional;
3. then, for a paper not handed in to a dossier without a missing-papers reason: False whatever
   the catalog says now. Intake has always refused a dossier lacking a required paper unless the
   clerk wrote that reason, so such a paper was optional on intake day.
(`counter_app.intake_papers.required_when_unrecorded` is the same rule, for `sync --rebuild` of
records pushed before this revision.)

Added in place (no batch recreate on upgrade: it would drop the FTS triggers' neighbours).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 04:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_paper = sa.table(
    "dossier_paper",
    sa.column("dossier_id", sa.Integer()),
    sa.column("code", sa.String()),
    sa.column("submitted", sa.Boolean()),
    sa.column("required", sa.Boolean()),
)
_dossier = sa.table(
    "dossier",
    sa.column("id", sa.Integer()),
    sa.column("procedure_id", sa.Integer()),
    sa.column("missing_papers_reason", sa.Text()),
)
_catalog = sa.table(
    "procedure_paper",
    sa.column("procedure_id", sa.Integer()),
    sa.column("code", sa.String()),
    sa.column("required", sa.Boolean()),
)


def upgrade() -> None:
    op.add_column(
        "dossier_paper",
        sa.Column("required", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    in_catalog = (
        sa.select(_catalog.c.required)
        .select_from(_catalog.join(_dossier, _dossier.c.procedure_id == _catalog.c.procedure_id))
        .where(_dossier.c.id == _paper.c.dossier_id, _catalog.c.code == _paper.c.code)
        .limit(1)
        .scalar_subquery()
    )
    op.execute(sa.update(_paper).values(required=sa.func.coalesce(in_catalog, sa.true())))
    without_reason = sa.select(_dossier.c.id).where(
        sa.func.trim(_dossier.c.missing_papers_reason) == ""
    )
    op.execute(
        sa.update(_paper)
        .where(sa.not_(_paper.c.submitted), _paper.c.dossier_id.in_(without_reason))
        .values(required=sa.false())
    )


def downgrade() -> None:
    with op.batch_alter_table("dossier_paper") as batch:
        batch.drop_column("required")
