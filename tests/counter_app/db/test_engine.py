"""The database engine: SQLite tuned for a counter, private files, both dialects."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from counter_app.db.engine import Database
from counter_app.db.migrate import backup_sqlite, upgrade


def test_sqlite_pragmas(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    db.dispose()


def test_database_and_backup_files_are_private(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'data' / 'c.sqlite3'}")
    upgrade(db, backup_dir=tmp_path / "bk")
    assert db.file is not None
    assert stat.S_IMODE(db.file.stat().st_mode) == 0o600
    backup = backup_sqlite(db, tmp_path / "bk")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    db.dispose()


def test_write_rolls_back_on_error(sqlite_url: str, tmp_path: Path) -> None:
    db = Database(sqlite_url)
    upgrade(db, backup_dir=tmp_path / "bk")
    with pytest.raises(RuntimeError), db.write() as s:
        s.execute(text("INSERT INTO sync_state(key, value) VALUES ('a', 'b')"))
        raise RuntimeError("boom")
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM sync_state")).scalar() == 0
    db.dispose()


@pytest.mark.postgres
def test_postgres_schema_and_search_index(pg_url: str, tmp_path: Path) -> None:
    db = Database(pg_url)
    result = upgrade(db, backup_dir=tmp_path / "bk")
    assert result.created
    with db.engine.connect() as conn:
        indexes = conn.execute(
            text("SELECT indexname FROM pg_indexes WHERE tablename = 'dossier'")
        ).scalars()
        assert "ix_dossier_search_trgm" in set(indexes)
    db.dispose()
