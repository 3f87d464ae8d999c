"""The server schema's own alembic history: create or upgrade a server database.

A server database made before this history existed (by `create_all`, revision s0001's shape, with
no version table) is recognised and stamped s0001 first, then upgraded like any other.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from counter_app.db import migrate as history  # how an alembic history is configured and read
from counter_app.db.engine import Database, DatabaseError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "server_schema_version"
FIRST = "s0001"


def alembic_config(connection: Connection | None = None) -> Config:
    return history.alembic_config(connection, directory=MIGRATIONS_DIR)


def head_revision() -> str:
    return history.head_revision(MIGRATIONS_DIR)


def current_revision(db: Database) -> str | None:
    return history.current_revision(db, version_table=VERSION_TABLE)


#: Server processes starting together on one PostgreSQL upgrade one at a time.
MIGRATION_LOCK = 7_340_002


def upgrade(db: Database, to: str = "head") -> tuple[str | None, str]:
    """Bring the server schema to `to`; returns (revision before, revision after)."""
    target = head_revision() if to == "head" else to
    try:
        with db.engine.begin() as conn:
            if db.is_postgres:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
            context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            before = context.get_current_revision()
            if before == target:
                return before, target
            cfg = alembic_config(conn)
            if before is None and "counter" in inspect(conn).get_table_names():
                command.stamp(cfg, FIRST)  # made by create_all before the history existed
                before = FIRST
            command.upgrade(cfg, to)
    except DatabaseError:
        raise
    except Exception as exc:
        raise DatabaseError(
            f"Nâng cấp cơ sở dữ liệu máy chủ thất bại: {exc}. "
            "Hãy khôi phục bản sao lưu (pg_dump) trước khi thử lại."
        ) from exc
    return before, target
