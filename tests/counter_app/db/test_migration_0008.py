"""Migration 0008: the dossier FTS table rebuilt with prefix indexes keeps finding every dossier,
and its triggers keep it in step afterwards (and after a downgrade)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Connection, text

from counter_app.db.engine import Database
from counter_app.db.migrate import alembic_config, upgrade
from counter_app.db.models import DOSSIER_FTS_PREFIX
from tests.counter_app.db.test_migrate import _seed


def _add_dossier(conn: Connection, n: int, name_folded: str) -> None:
    conn.execute(
        text(
            "INSERT INTO applicant (id, kind, id_kind, id_number, name, phone, email, address,"
            " updated_at) VALUES (:n, 1, 'cccd', :idn, :name, '', '', '', '2026-01-05 08:00:00')"
        ),
        {"n": n, "idn": f"0221900000{n:02d}", "name": name_folded},
    )
    conn.execute(
        text(
            "INSERT INTO dossier (id, uuid, code, unit_identifier, procedure_id, applicant_id,"
            " applicant_name, applicant_snapshot, channel, status, received_at, appointment_at,"
            " counter_no, clerk_name, fee, dossier_sets, summary, notes, missing_papers_reason,"
            " result_delivery, delivery_address, handed_back_at, version, search_text, updated_at)"
            " VALUES (:n, :uuid, :code, 'H49', 1, :n, :name, '{}', 1, 2, '2026-01-05 08:00:00',"
            " '2026-01-09 17:00:00', 1, '', 0, 1, '', '', '', 'counter', '', NULL, 1, :search,"
            " '2026-01-05 08:00:00')"
        ),
        {
            "n": n,
            "uuid": f"00000000-0000-4000-8000-{n:012d}",
            "code": f"H49-260105-{n:04d}",
            "name": name_folded,
            "search": f"{name_folded} 0221900000{n:02d} h49-260105-{n:04d}",
        },
    )


def _match(conn: Connection, query: str) -> list[int]:
    sql = "SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH :q ORDER BY rowid DESC"
    return [int(r) for r in conn.execute(text(sql), {"q": query}).scalars()]


def _fts_sql(conn: Connection) -> str:
    sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'dossier_fts'")).scalar()
    return str(sql)


def test_0008_rebuilds_the_index_with_prefixes_and_keeps_every_dossier(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    upgrade(db, backup_dir=tmp_path / "bk", to="0007")
    _seed(db)
    with db.engine.begin() as conn:
        for n, name in enumerate(["nguyen van hung", "tran thi huong", "nguyen thi hoa"], 1):
            _add_dossier(conn, n, name)
        assert "prefix=" not in _fts_sql(conn)
    # To 0008 exactly: later revisions chain after it.
    result = upgrade(db, backup_dir=tmp_path / "bk", to="0008")
    assert result.from_revision == "0007" and result.to_revision == "0008"
    with db.engine.begin() as conn:
        assert f"prefix='{DOSSIER_FTS_PREFIX}'" in _fts_sql(conn)
        config = "SELECT v FROM dossier_fts_config WHERE k = 'automerge'"
        assert conn.execute(text(config)).scalar() == 2
        assert _match(conn, '"ng"*') == [3, 1]  # rebuilt from dossier.search_text
        assert _match(conn, '"tran"* AND "thi"* AND "h"*') == [2]
        # The triggers came back with the table: insert, update and delete stay in step.
        _add_dossier(conn, 4, "nguyen van long")
        assert _match(conn, '"nguyen"* AND "van"*') == [4, 1]
        conn.execute(text("UPDATE dossier SET search_text = 'le thi hang' WHERE id = 1"))
        assert _match(conn, '"nguyen"* AND "van"*') == [4]
        assert _match(conn, '"le"*') == [1]
        conn.execute(text("DELETE FROM dossier WHERE id = 4"))
        assert _match(conn, '"nguyen"* AND "van"*') == []
        # FTS5 raises SQLITE_CORRUPT_VTAB if the index and dossier.search_text disagree.
        conn.execute(text("INSERT INTO dossier_fts(dossier_fts) VALUES ('integrity-check')"))
    db.dispose()


def test_0008_downgrades_to_the_plain_index(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    upgrade(db, backup_dir=tmp_path / "bk", to="0007")
    _seed(db)
    with db.engine.begin() as conn:
        _add_dossier(conn, 1, "nguyen van hung")
    upgrade(db, backup_dir=tmp_path / "bk", to="0008")
    with db.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0007")
    with db.engine.begin() as conn:
        assert "prefix=" not in _fts_sql(conn)
        assert _match(conn, '"ng"*') == [1]
        _add_dossier(conn, 2, "nguyen thi hoa")
        assert _match(conn, '"ng"*') == [2, 1]
    db.dispose()
