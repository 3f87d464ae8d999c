"""Migration 0012: the pair index is built from every dossier already on file, its triggers keep
it in step (insert, update, delete), and a downgrade removes it without touching a dossier."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, text

from counter_app.db.engine import Database
from counter_app.db.migrate import alembic_config, upgrade
from tests.counter_app.db.test_migrate import _seed
from tests.counter_app.db.test_migration_0008 import _add_dossier


def _pairs(conn: Connection, *tokens: str) -> list[int]:
    sql = (
        "SELECT rowid FROM dossier_word_pairs WHERE dossier_word_pairs MATCH :q ORDER BY rowid DESC"
    )
    return [int(r) for r in conn.execute(text(sql), {"q": " AND ".join(tokens)}).scalars()]


def _has_table(conn: Connection, name: str) -> bool:
    sql = "SELECT count(*) FROM sqlite_master WHERE name = :n"
    return bool(conn.execute(text(sql), {"n": name}).scalar())


def test_0012_indexes_the_dossiers_on_file_and_keeps_in_step(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    upgrade(db, backup_dir=tmp_path / "bk", to="0011")
    _seed(db)
    with db.engine.begin() as conn:
        for n, name in enumerate(["hoang thanh son", "tran thi huong", "hoang van son"], 1):
            _add_dossier(conn, n, name)
        assert not _has_table(conn, "dossier_word_pairs")
    result = upgrade(db, backup_dir=tmp_path / "bk", to="0012")
    assert (result.from_revision, result.to_revision) == ("0011", "0012")
    with db.engine.begin() as conn:
        # Built from dossier.search_text: "hoang" with "son", and "thanh" with "son".
        assert _pairs(conn, "hoang0son") == [3, 1]
        assert _pairs(conn, "hoang0son", "son0thanh") == [1]
        assert _pairs(conn, "h0thi", "thi0tran") == [2]  # "tran thi h": prefixes pair too
        # Each row's own code "h49-…" starts with a letter: it pairs with the name as well.
        assert _pairs(conn, "h0tran") == [2]
        # The triggers: a new dossier, a changed search text, a deleted dossier.
        _add_dossier(conn, 4, "hoang thanh son")
        assert _pairs(conn, "hoang0son", "son0thanh") == [4, 1]
        conn.execute(text("UPDATE dossier SET search_text = 'le thi hang' WHERE id = 1"))
        assert _pairs(conn, "hoang0son", "son0thanh") == [4]
        assert _pairs(conn, "hang0le") == [1]
        conn.execute(text("DELETE FROM dossier WHERE id = 4"))
        assert _pairs(conn, "hoang0son", "son0thanh") == []
        config = "SELECT v FROM dossier_word_pairs_config WHERE k = 'automerge'"
        assert conn.execute(text(config)).scalar() == 2
    db.dispose()


def test_0012_downgrade_drops_the_pair_index_and_keeps_every_dossier(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    upgrade(db, backup_dir=tmp_path / "bk", to="0012")
    _seed(db)
    with db.engine.begin() as conn:
        _add_dossier(conn, 1, "hoang thanh son")
    with db.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0011")
    with db.engine.begin() as conn:
        assert not _has_table(conn, "dossier_word_pairs")
        triggers = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE :p"
        assert conn.execute(text(triggers), {"p": "dossier_word_pairs%"}).scalar() == 0
        _add_dossier(conn, 2, "tran thi huong")  # writes need no pair function any more
        assert conn.execute(text("SELECT count(*) FROM dossier")).scalar() == 2
    db.dispose()


def test_a_connection_without_the_pair_function_cannot_write_a_dossier(tmp_path: Path) -> None:
    """A tool that opens the file by hand cannot leave the pair index behind the dossiers: the
    write fails and nothing changes."""
    path = tmp_path / "c.sqlite3"
    db = Database(f"sqlite:///{path}")
    upgrade(db, backup_dir=tmp_path / "bk")
    _seed(db)
    with db.engine.begin() as conn:
        _add_dossier(conn, 1, "hoang thanh son")
    db.dispose()
    raw = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.OperationalError, match="dossier_word_pairs"):
            raw.execute("UPDATE dossier SET search_text = 'le thi hang' WHERE id = 1")
        raw.rollback()
        assert raw.execute("SELECT search_text FROM dossier").fetchone()[0].startswith("hoang")
    finally:
        raw.close()
