"""Alembic environment of the provincial server's schema (its own history, apart from the
counter's): always driven from counter_app.server.migrate with a live connection."""

from __future__ import annotations

from alembic import context

from counter_app.server.schema import metadata

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
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    compare_type=True,
    # Its own version table: never mistaken for the counter's history on a shared server.
    version_table="server_schema_version",
)
with context.begin_transaction():
    context.run_migrations()
