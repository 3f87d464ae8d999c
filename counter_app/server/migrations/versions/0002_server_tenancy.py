"""tenancy: tokens bound to a unit, dossiers owned by their code's unit, feed addressed by unit,
high-water columns, appointment changes on events, the back-office audit log

An existing server keeps its data: each old token gets the unit its dossiers' codes name (the
first token to claim a unit keeps it), each dossier the unit, day and number of its code, each
stored record and feed entry the unit of the token that sent it.

Revision ID: s0002
Revises: s0001
Create Date: 2026-12-01 22:00:00
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "s0002"
down_revision: str | None = "s0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVE_UNIT = "revoked_at IS NULL AND unit IS NOT NULL"


def _code_parts(code: str) -> tuple[str, datetime | None, int | None]:
    parts = code.rsplit("-", 2)
    if len(parts) != 3:
        return code, None, None
    unit, day_text, number = parts
    try:
        return unit, datetime.strptime(day_text, "%y%m%d"), int(number)
    except ValueError:
        return unit, None, None


def upgrade() -> None:
    with op.batch_alter_table("counter") as batch:
        batch.add_column(sa.Column("unit", sa.String(48), nullable=True))
        batch.add_column(sa.Column("centre", sa.String(48), nullable=True))
        batch.add_column(sa.Column("role", sa.String(16), nullable=False, server_default="counter"))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("record") as batch:
        batch.add_column(sa.Column("unit", sa.String(48), nullable=True))
        batch.create_index("ix_record_unit_id", ["unit", "id"])
        batch.create_index("ix_record_counter_received", ["counter_id", "received_at"])
    with op.batch_alter_table("dossier") as batch:
        batch.add_column(sa.Column("unit", sa.String(48), nullable=False, server_default=""))
        batch.add_column(sa.Column("code_day", sa.Date(), nullable=True))
        batch.add_column(sa.Column("code_no", sa.Integer(), nullable=True))
        batch.create_index("ix_dossier_unit_day", ["unit", "code_day"])
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("appointment_change", sa.JSON(), nullable=True))
    with op.batch_alter_table("change") as batch:
        batch.add_column(sa.Column("unit", sa.String(48), nullable=True))
        batch.create_index("ix_change_unit", ["unit"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_at", "audit", ["at"])
    _backfill()
    with op.batch_alter_table("change") as batch:
        batch.drop_index("ix_change_counter_id")
        batch.drop_column("counter_id")
    op.create_index(
        "uq_counter_active_unit",
        "counter",
        ["unit"],
        unique=True,
        sqlite_where=sa.text(_ACTIVE_UNIT),
        postgresql_where=sa.text(_ACTIVE_UNIT),
    )


def _backfill() -> None:
    conn = op.get_bind()
    units: dict[int, Counter[str]] = {}
    for row in conn.execute(sa.text("SELECT id, code, counter_id FROM dossier")).all():
        unit, day, number = _code_parts(row.code)
        units.setdefault(row.counter_id, Counter())[unit] += 1
        conn.execute(
            sa.text("UPDATE dossier SET unit = :u, code_day = :d, code_no = :n WHERE id = :i"),
            {"u": unit, "d": day.date() if day else None, "n": number, "i": row.id},
        )
    taken: set[str] = set()
    for counter_id in sorted(units):
        unit = units[counter_id].most_common(1)[0][0]
        if unit in taken:
            continue  # a second token for one unit: left without one, to be re-created
        taken.add(unit)
        conn.execute(
            sa.text("UPDATE counter SET unit = :u WHERE id = :i"), {"u": unit, "i": counter_id}
        )
    conn.execute(
        sa.text(
            "UPDATE record SET unit ="
            " (SELECT unit FROM counter WHERE counter.id = record.counter_id)"
        )
    )
    conn.execute(
        sa.text(
            "UPDATE change SET unit ="
            " (SELECT unit FROM counter WHERE counter.id = change.counter_id)"
            " WHERE counter_id IS NOT NULL"
        )
    )


def downgrade() -> None:
    op.drop_index("uq_counter_active_unit", "counter")
    with op.batch_alter_table("change") as batch:
        batch.add_column(sa.Column("counter_id", sa.Integer(), nullable=True))
        batch.drop_index("ix_change_unit")
        batch.drop_column("unit")
        batch.create_index("ix_change_counter_id", ["counter_id"])
    op.drop_table("audit")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("appointment_change")
    with op.batch_alter_table("dossier") as batch:
        batch.drop_index("ix_dossier_unit_day")
        for column in ("code_no", "code_day", "unit"):
            batch.drop_column(column)
    with op.batch_alter_table("record") as batch:
        batch.drop_index("ix_record_counter_received")
        batch.drop_index("ix_record_unit_id")
        batch.drop_column("unit")
    with op.batch_alter_table("counter") as batch:
        for column in ("revoked_at", "role", "centre", "unit"):
            batch.drop_column(column)
