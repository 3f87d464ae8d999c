"""Alembic environment: always driven from counter_app.db.migrate with a live connection."""

from __future__ import annotations

from alembic import context

from counter_app.db.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    from sqlalchemy import create_engine

    engine = create_engine(
        config.get_main_option("sqlalchemy.url") or "sqlite://", hide_parameters=True
    )
    connection = engine.connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
