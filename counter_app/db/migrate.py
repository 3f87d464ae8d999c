"""Create or upgrade a database to the newest schema, backing an older one up first."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from counter_app.atomic import atomic_path, write_with
from counter_app.db.engine import Database, DatabaseError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True)
class UpgradeResult:
    """What `upgrade` did: revisions before/after and the backup it took, if any."""

    from_revision: str | None
    to_revision: str
    backup: Path | None
    created: bool


def alembic_config(
    connection: Connection | None = None, *, directory: Path = MIGRATIONS_DIR
) -> Config:
    """The alembic configuration of a history (the counter's; the server passes its own), on
    `connection` when given (env.py then migrates inside the caller's transaction)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(directory))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision(directory: Path = MIGRATIONS_DIR) -> str:
    head = ScriptDirectory.from_config(alembic_config(directory=directory)).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database, *, version_table: str = "alembic_version") -> str | None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": version_table})
        return context.get_current_revision()


def backup_sqlite(db: Database, backup_dir: Path, *, label: str = "backup") -> Path:
    """A consistent copy of a live SQLite database (online backup API), readable by us only."""
    if db.file is None:
        raise DatabaseError("Chỉ sao lưu trực tiếp được cơ sở dữ liệu SQLite.")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    source = db.file
    target = backup_dir / f"{source.stem}-{label}-{stamp}.sqlite3"

    def copy(tmp: Path) -> None:
        src = sqlite3.connect(source)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()

    return write_with(target, copy)


def checkpoint_sqlite(path: Path) -> None:
    """Fold the WAL into the main file and empty it (only safe with nobody else writing)."""
    conn = sqlite3.connect(path, timeout=30)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def restore_sqlite_file(backup: Path, target: Path, *, checkpoint: bool = True) -> None:
    """Put a backup file in place of a database file, so that a crash at any moment leaves the
    old database or the new one whole: the copy is made and synced under a temporary name, the
    old WAL is folded in and removed (a stale WAL must never meet the new file), then one rename.
    """
    with atomic_path(target) as tmp:
        shutil.copyfile(backup, tmp)
        if checkpoint and target.exists():
            try:
                checkpoint_sqlite(target)
            except sqlite3.Error as exc:  # a damaged file: its copy was kept aside by the caller
                log.warning("could not checkpoint %s before replacing it: %s", target.name, exc)
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)


def upgrade(db: Database, *, backup_dir: Path, to: str = "head") -> UpgradeResult:
    """Bring the schema to `to`; an existing older SQLite file is backed up first and put back
    if the migration fails."""
    before = current_revision(db)
    head = head_revision() if to == "head" else to
    if before == head:
        return UpgradeResult(before, head, None, created=False)
    with db.engine.connect() as conn:
        has_tables = bool(inspect(conn).get_table_names())
    backup: Path | None = None
    if has_tables and db.file is not None:
        backup = backup_sqlite(db, backup_dir, label=f"before-{head}")
        log.info("database backed up before migration to %s", backup.name)
    try:
        with _migration_connection(db) as conn:
            command.upgrade(alembic_config(conn), to)
    except Exception as exc:
        if backup is not None and db.file is not None:
            db.dispose()
            restore_sqlite_file(backup, db.file)
            raise DatabaseError(
                "Nâng cấp cơ sở dữ liệu thất bại; đã khôi phục bản sao lưu "
                f"{backup}. Chi tiết: {exc}"
            ) from exc
        hint = " Hãy khôi phục từ bản pg_dump trước khi nâng cấp." if db.is_postgres else ""
        raise DatabaseError(f"Nâng cấp cơ sở dữ liệu thất bại: {exc}.{hint}") from exc
    return UpgradeResult(before, head, backup, created=not has_tables)


def downgrade(db: Database, to: str) -> None:
    """Take the schema back to `to` (tests and support only; the app never downgrades)."""
    with _migration_connection(db) as conn:
        command.downgrade(alembic_config(conn), to)


@contextmanager
def _migration_connection(db: Database) -> Iterator[Connection]:
    """A transaction to migrate in; on SQLite with foreign keys off while it runs.

    Batch mode rebuilds a SQLite table by copying it and dropping the old one, and with foreign
    keys on that DROP would delete (ON DELETE CASCADE) every row that refers to it: a dossier's
    papers, events and files. The pragma only works outside a transaction, so it is set on the
    raw connection before SQLAlchemy begins one; the keys are checked before commit.
    """
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        if not db.is_sqlite or raw is None:
            with conn.begin():
                yield conn
            return
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                yield conn
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise DatabaseError(
                        f"Sau khi nâng cấp còn {len(broken)} dòng tham chiếu tới dữ liệu không "
                        f"có (bảng {broken[0][0]}); chưa ghi gì."
                    )
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
