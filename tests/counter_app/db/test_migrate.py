"""Migrations: every revision upgrades a database made by the one before, keeping its data."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from counter_app.db.engine import Database
from counter_app.db.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    upgrade,
)


def revisions() -> list[str]:
    """Revision ids from the first to the head."""
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_single_linear_history() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert revisions()[-1] == head_revision()


def test_fresh_database_reaches_head(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    result = upgrade(db, backup_dir=tmp_path / "bk")
    assert result.created and result.backup is None
    assert current_revision(db) == head_revision()
    assert {"dossier", "outbox", "procedure", "code_sequence"} <= set(
        inspect(db.engine).get_table_names()
    )
    again = upgrade(db, backup_dir=tmp_path / "bk")
    assert again.from_revision == again.to_revision and again.backup is None
    db.dispose()


def _seed(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO procedure (code, name, name_folded, sector, level, processing_amount,"
                " processing_unit, fee, fee_note, result, verified, source_note, active, updated_at)"
                " VALUES ('1.001193', 'Đăng ký khai sinh', 'dang ky khai sinh', 'Hộ tịch',"
                " 'commune', 0, 'working_days', 0, '', '', 1, '', 1, '2026-01-05 08:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO code_sequence (unit_identifier, day, last_value)"
                " VALUES ('H49', '2026-01-05', 17)"
            )
        )


@pytest.mark.parametrize("index", range(1, len(revisions())))
def test_each_revision_upgrades_the_previous_one(tmp_path: Path, index: int) -> None:
    revs = revisions()
    previous, target = revs[index - 1], revs[index]
    db = Database(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    upgrade(db, backup_dir=tmp_path / "bk", to=previous)
    _seed(db)
    result = upgrade(db, backup_dir=tmp_path / "bk", to=target)
    assert result.from_revision == previous
    assert result.backup is not None and result.backup.exists()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM procedure")).scalar() == "Đăng ký khai sinh"
        assert conn.execute(text("SELECT last_value FROM code_sequence")).scalar() == 17
    db.dispose()


def test_there_is_a_previous_revision_to_upgrade_from() -> None:
    # The upgrade path is only proven once a second revision exists.
    assert len(revisions()) >= 2


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from counter_app.db.models import Base

    db = Database(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    upgrade(db, backup_dir=tmp_path / "bk")
    with db.engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # The FTS5 tables and their shadow tables are created by hand (0001, 0008, 0012), outside
    # the ORM.
    fts = ("dossier_fts", "dossier_word_pairs")
    assert [d for d in drift if not any(name in str(d) for name in fts)] == []
    db.dispose()
