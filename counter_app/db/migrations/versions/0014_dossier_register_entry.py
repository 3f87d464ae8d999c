"""dossier.register_month, register_no: the dossier's entry in "Sổ theo dõi hồ sơ" (Mẫu 07)

The receipt printed "Quyển số: MM/YYYY, Số thứ tự: N" with N the code's daily number, so every
day of a month restarted at 1 in the same book, and the register printed its own running STT.
Each dossier now gets a stable entry at intake: the book of its receiving unit and month, a
running number in it (`counter_app.dossier_codes.register_key`), counted in `code_sequence` like
the codes, so the code ledger protects it after a restore.

Existing dossiers are numbered within their book in the order (received_at, id), and each book's
counter row is raised to its last number. Added in place (no batch recreate: see 0013).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 05:20:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept here, not imported: a migration must not change when the app's helpers do.
_SUFFIX = "#SO"

_dossier = sa.table(
    "dossier",
    sa.column("id", sa.Integer()),
    sa.column("unit_identifier", sa.String()),
    sa.column("received_at", sa.DateTime()),
    sa.column("register_month", sa.Date()),
    sa.column("register_no", sa.Integer()),
)
_sequence = sa.table(
    "code_sequence",
    sa.column("unit_identifier", sa.String()),
    sa.column("day", sa.Date()),
    sa.column("last_value", sa.Integer()),
)


def upgrade() -> None:
    op.add_column("dossier", sa.Column("register_month", sa.Date(), nullable=True))
    op.add_column("dossier", sa.Column("register_no", sa.Integer(), nullable=True))
    conn = op.get_bind()
    last: dict[tuple[str, date], int] = {}
    updates: list[dict[str, object]] = []
    rows = conn.execute(
        sa.select(_dossier.c.id, _dossier.c.unit_identifier, _dossier.c.received_at).order_by(
            _dossier.c.received_at, _dossier.c.id
        )
    )
    for dossier_id, unit, received_at in rows:
        at = (
            received_at
            if isinstance(received_at, datetime)
            else datetime.fromisoformat(received_at)
        )
        key = (str(unit), at.date().replace(day=1))
        last[key] = last.get(key, 0) + 1
        updates.append({"b_id": dossier_id, "b_month": key[1], "b_no": last[key]})
    if updates:
        conn.execute(
            sa.update(_dossier)
            .where(_dossier.c.id == sa.bindparam("b_id"))
            .values(register_month=sa.bindparam("b_month"), register_no=sa.bindparam("b_no")),
            updates,
        )
    for (unit, month), number in sorted(last.items()):
        key_unit = f"{unit}{_SUFFIX}"
        found = conn.execute(
            sa.select(_sequence.c.last_value).where(
                _sequence.c.unit_identifier == key_unit, _sequence.c.day == month
            )
        ).scalar()
        if found is None:
            conn.execute(
                sa.insert(_sequence).values(unit_identifier=key_unit, day=month, last_value=number)
            )
        elif int(found) < number:
            conn.execute(
                sa.update(_sequence)
                .where(_sequence.c.unit_identifier == key_unit, _sequence.c.day == month)
                .values(last_value=number)
            )
    op.create_index(
        "ux_dossier_register",
        "dossier",
        ["unit_identifier", "register_month", "register_no"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ux_dossier_register", table_name="dossier")
    with op.batch_alter_table("dossier") as batch:
        batch.drop_column("register_no")
        batch.drop_column("register_month")
    op.execute(sa.delete(_sequence).where(_sequence.c.unit_identifier.like(f"%{_SUFFIX}")))
