"""Upgrades never lose data: a failed one puts the backup back, a good one keeps every row."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect, text

from counter_app.cli import main
from counter_app.db.engine import Database, DatabaseError
from counter_app.db.migrate import alembic_config, current_revision, head_revision, upgrade


def revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


# ---------------------------------------------------------------------------------- failed upgrade


def _prepare_failing_upgrade(path: Path, backup_dir: Path) -> None:
    """An older database whose upgrade will fail at the very end (alembic's version row is
    locked by a trigger), after the migrations have run."""
    revs = revisions()
    db = Database(f"sqlite:///{path}")
    if len(revs) >= 2:
        upgrade(db, backup_dir=backup_dir, to=revs[0])
    db.dispose()
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE IF NOT EXISTS alembic_version (
            version_num VARCHAR(32) NOT NULL PRIMARY KEY);
        CREATE TABLE ghi_chu (id INTEGER PRIMARY KEY, noi_dung TEXT);
        INSERT INTO ghi_chu (noi_dung) VALUES ('Hồ sơ quan trọng — không được mất');
        CREATE TRIGGER lock_insert BEFORE INSERT ON alembic_version
            BEGIN SELECT RAISE(ABORT, 'locked by test'); END;
        CREATE TRIGGER lock_update BEFORE UPDATE ON alembic_version
            BEGIN SELECT RAISE(ABORT, 'locked by test'); END;
        """
    )
    conn.commit()
    conn.close()


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_failed_migration_puts_the_original_file_back_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "counter.sqlite3"
    backup_dir = tmp_path / "backups"
    _prepare_failing_upgrade(path, backup_dir)
    before = _dump(path)
    inode = path.stat().st_ino

    db = Database(f"sqlite:///{path}")
    with pytest.raises(DatabaseError) as caught:
        upgrade(db, backup_dir=backup_dir)
    db.dispose()
    message = str(caught.value)
    assert message.startswith("Nâng cấp cơ sở dữ liệu thất bại; đã khôi phục bản sao lưu")
    backups = sorted(backup_dir.glob(f"*-before-{head_revision()}-*.sqlite3"))
    assert len(backups) == 1 and str(backups[0]) in message
    # The file was replaced by the backup (new inode), and holds exactly what it held before.
    assert path.stat().st_ino != inode
    assert _dump(path) == before
    assert not Path(str(path) + "-wal").exists() or Path(str(path) + "-wal").stat().st_size == 0


def test_failed_migration_reaches_the_user_in_vietnamese(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "counter.sqlite3"
    _prepare_failing_upgrade(path, tmp_path / "home" / "backups")
    before = _dump(path)
    assert main(["--db", f"sqlite:///{path}", "init"]) != 0
    err = capsys.readouterr().err
    assert "Lỗi: Nâng cấp cơ sở dữ liệu thất bại; đã khôi phục bản sao lưu" in err
    assert _dump(path) == before


@pytest.mark.postgres
def test_failed_postgres_migration_points_to_pg_dump(pg_url: str, tmp_path: Path) -> None:
    db = Database(pg_url)
    with db.engine.begin() as conn:  # a table in the way of the first migration
        conn.execute(text("CREATE TABLE app_user (id integer primary key, ghi_chu text)"))
        conn.execute(text("INSERT INTO app_user VALUES (1, 'dữ liệu cũ')"))
    with pytest.raises(DatabaseError, match="pg_dump"):
        upgrade(db, backup_dir=tmp_path)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT ghi_chu FROM app_user")).scalar() == "dữ liệu cũ"
    db.dispose()


# ---------------------------------------------------------------------------------- upgrades keep data

T0 = datetime(2026, 11, 27, 8, 15, 0)

# Realistic rows for every table of the first revision. The first revision never changes, so
# these stay valid; later revisions are checked against them by `test_upgrade_keeps_every_row`.
FIRST_REVISION_ROWS: dict[str, list[dict[str, Any]]] = {
    "app_user": [
        {
            "id": 1,
            "username": "admin",
            "full_name": "Quản Trị Viên",
            "role": "admin",
            "password_hash": "pbkdf2:sha256:600000$abc$def",
            "active": True,
            "created_at": T0,
        },
        {
            "id": 2,
            "username": "lan.nguyen",
            "full_name": "Nguyễn Thị Lan",
            "role": "clerk",
            "password_hash": "pbkdf2:sha256:600000$ghi$jkl",
            "active": True,
            "created_at": T0,
        },
    ],
    "applicant": [
        {
            "id": 1,
            "kind": 1,
            "id_kind": "cccd",
            "id_number": "001190012345",
            "name": "Trần Thị Thuỷ",
            "birth_date": date(1990, 3, 5),
            "phone": "0912345678",
            "email": "thuy@example.vn",
            "address": "Số 5 ngõ 12 phố Huế, Hai Bà Trưng, Hà Nội",
            "updated_at": T0,
        },
        {
            "id": 2,
            "kind": 3,
            "id_kind": "enterprise",
            "id_number": "0101234567",
            "name": "Công ty TNHH Ánh Dương",
            "birth_date": None,
            "phone": "02438251234",
            "email": "",
            "address": "",
            "updated_at": T0,
        },
    ],
    "calendar_exception": [
        {"day": date(2026, 8, 22), "kind": "work", "note": "Làm bù ngày 31/8"},
        {"day": date(2026, 12, 31), "kind": "off", "note": "Nghỉ theo quyết định của tỉnh"},
    ],
    "centre_setting": [
        {
            "key": "centre",
            "value": {"agency_identifier": "000.00.00.H49", "agency_name": "UBND phường Bến Thành"},
        },
    ],
    "code_sequence": [
        {"unit_identifier": "000.00.00.H49.Q01", "day": date(2026, 11, 27), "last_value": 2},
    ],
    "outbox": [
        {
            "id": 1,
            "entity": "dossier",
            "entity_uuid": "6f1f8a0e-9a47-4d0e-8a55-1d2c3b4a5f60",
            "version": 1,
            "payload": {"code": "000.00.00.H49.Q01-261127-0001", "status": 2},
            "content_hash": "a" * 64,
            "state": "synced",
            "attempts": 1,
            "next_attempt_at": None,
            "last_error": "",
            "created_at": T0,
            "updated_at": T0,
        },
        {
            "id": 2,
            "entity": "event",
            "entity_uuid": "0b7c7c1e-4f6b-4b8e-9b59-3b8f3d2a1c11",
            "version": 1,
            "payload": {"status": 2},
            "content_hash": "b" * 64,
            "state": "retry",
            "attempts": 3,
            "next_attempt_at": T0 + timedelta(minutes=5),
            "last_error": "Máy chủ không phản hồi",
            "created_at": T0,
            "updated_at": T0,
        },
    ],
    "procedure": [
        {
            "id": 1,
            "code": "2.000908",
            "name": "Chứng thực bản sao từ bản chính",
            "name_folded": "chung thuc ban sao tu ban chinh",
            "sector": "Chứng thực",
            "sector_code": "CT",
            "level": "commune",
            "processing_amount": 3.0,
            "processing_unit": "working_days",
            "cutoff": "15:00",
            "fee": 100000,
            "fee_note": "2.000 đồng/trang",
            "result": "Bản sao được chứng thực",
            "verified": True,
            "source_note": "CSDL quốc gia về TTHC",
            "active": True,
            "updated_at": T0,
        },
    ],
    "sync_state": [{"key": "pull_cursor", "value": "2026-11-27T08:00:00"}],
    "audit_log": [
        {
            "id": 1,
            "at": T0,
            "user_id": 2,
            "username": "lan.nguyen",
            "action": "dossier.receive",
            "entity": "dossier",
            "entity_ref": "000.00.00.H49.Q01-261127-0001",
            "detail": {"procedure": "2.000908"},
        },
    ],
    "dossier": [
        {
            "id": 1,
            "uuid": "6f1f8a0e-9a47-4d0e-8a55-1d2c3b4a5f60",
            "code": "000.00.00.H49.Q01-261127-0001",
            "unit_identifier": "000.00.00.H49.Q01",
            "procedure_id": 1,
            "applicant_id": 1,
            "applicant_name": "Trần Thị Thuỷ",
            "applicant_snapshot": {"name": "Trần Thị Thuỷ", "id_number": "001190012345"},
            "channel": 1,
            "status": 2,
            "received_at": T0,
            "appointment_at": datetime(2026, 12, 2, 8),
            "counter_no": 1,
            "clerk_id": 2,
            "clerk_name": "Nguyễn Thị Lan",
            "fee": 100000,
            "dossier_sets": 1,
            "summary": "Chứng thực 3 bản sao",
            "notes": "",
            "missing_papers_reason": "",
            "result_delivery": "counter",
            "delivery_address": "",
            "handed_back_at": None,
            "provincial_ref": None,
            "version": 1,
            "search_text": "000.00.00.h49.q01-261127-0001 tran thi thuy 001190012345",
            "updated_at": T0,
        },
        {
            "id": 2,
            "uuid": "9d0c1b2a-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
            "code": "000.00.00.H49.Q01-261127-0002",
            "unit_identifier": "000.00.00.H49.Q01",
            "procedure_id": 1,
            "applicant_id": 2,
            "applicant_name": "Công ty TNHH Ánh Dương",
            "applicant_snapshot": {"name": "Công ty TNHH Ánh Dương"},
            "channel": 1,
            "status": 10,
            "received_at": T0,
            "appointment_at": datetime(2026, 12, 2, 8),
            "counter_no": 1,
            "clerk_id": None,
            "clerk_name": "",
            "fee": 0,
            "dossier_sets": 2,
            "summary": "",
            "notes": "Trả tận nơi",
            "missing_papers_reason": "",
            "result_delivery": "post",
            "delivery_address": "12 Lê Lợi, Quận 1",
            "handed_back_at": T0 + timedelta(days=5),
            "provincial_ref": "HCM-2026-000123",
            "version": 4,
            "search_text": "cong ty tnhh anh duong 0101234567",
            "updated_at": T0,
        },
    ],
    "procedure_paper": [
        {
            "id": 1,
            "procedure_id": 1,
            "code": "GDN",
            "name": "Giấy đề nghị chứng thực",
            "originals": 1,
            "copies": 0,
            "required": True,
            "position": 0,
        },
        {
            "id": 2,
            "procedure_id": 1,
            "code": "CCCD",
            "name": "Căn cước công dân",
            "originals": 0,
            "copies": 1,
            "required": False,
            "position": 1,
        },
    ],
    "dossier_event": [
        {
            "id": 1,
            "uuid": "0b7c7c1e-4f6b-4b8e-9b59-3b8f3d2a1c11",
            "dossier_id": 1,
            "status": 2,
            "at": T0,
            "user_id": 2,
            "actor": "Nguyễn Thị Lan",
            "note": "Tiếp nhận tại quầy 1",
            "source": "counter",
        },
    ],
    "dossier_paper": [
        {
            "id": 1,
            "dossier_id": 1,
            "code": "GDN",
            "name": "Giấy đề nghị chứng thực",
            "originals": 1,
            "copies": 0,
            "submitted": True,
            "position": 0,
        },
    ],
    "rating": [
        {
            "id": 1,
            "uuid": "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
            "dossier_id": 2,
            "score": 5,
            "comment": "Cán bộ nhiệt tình",
            "at": T0 + timedelta(days=5),
        },
    ],
    "slip": [
        {
            "id": 1,
            "uuid": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            "kind": "supplement",
            "dossier_id": None,
            "procedure_id": 1,
            "applicant_name": "Lê Văn Minh",
            "applicant_snapshot": {"name": "Lê Văn Minh"},
            "items": [{"code": "CCCD", "name": "Căn cước công dân"}],
            "reason": "Thiếu bản sao căn cước",
            "at": T0,
            "counter_no": 1,
            "clerk_id": 2,
            "clerk_name": "Nguyễn Thị Lan",
        },
    ],
}


def _user_tables(conn: Any) -> list[str]:
    names = inspect(conn).get_table_names()
    # alembic's own table, and SQLite's full-text index (virtual table and its shadow tables),
    # which is derived from dossier.search_text and checked by a search below.
    return sorted(n for n in names if n != "alembic_version" and not n.startswith("dossier_fts"))


def _snapshot(conn: Any, columns: dict[str, list[str]]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order, as the database stores it."""
    data: dict[str, list[tuple[Any, ...]]] = {}
    insp = inspect(conn)
    for table, cols in columns.items():
        pk = insp.get_pk_constraint(table)["constrained_columns"] or cols
        col_sql = ", ".join(f'"{c}"' for c in cols)
        order = ", ".join(f'"{c}"' for c in pk)
        rows = conn.execute(text(f'SELECT {col_sql} FROM "{table}" ORDER BY {order}')).all()
        data[table] = [tuple(_plain(v) for v in row) for row in rows]
    return data


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _check_upgrade_keeps_every_row(url: str, backup_dir: Path) -> None:
    revs = revisions()
    db = Database(url)
    upgrade(db, backup_dir=backup_dir, to=revs[0])
    metadata = MetaData()
    metadata.reflect(db.engine)
    with db.engine.begin() as conn:
        tables = _user_tables(conn)
        missing = sorted(set(tables) - set(FIRST_REVISION_ROWS))
        assert missing == [], f"tables of revision {revs[0]} without test rows: {missing}"
        for table in metadata.sorted_tables:
            if table.name in FIRST_REVISION_ROWS:
                conn.execute(table.insert(), FIRST_REVISION_ROWS[table.name])
        columns = {t: [c["name"] for c in inspect(conn).get_columns(t)] for t in tables}
        before = _snapshot(conn, columns)
    assert all(before[t] for t in tables)

    result = upgrade(db, backup_dir=backup_dir)
    assert result.to_revision == head_revision() == current_revision(db)
    with db.engine.connect() as conn:
        after_tables = set(_user_tables(conn))
        assert set(tables) <= after_tables, "a migration dropped a table"
        after = _snapshot(conn, columns)
        if db.is_sqlite:
            hits = conn.execute(
                text("SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH 'thuy'")
            ).all()
            assert [r[0] for r in hits] == [1]
    db.dispose()
    # 0014 adds the register book's counter ("<unit>#SO", month) beside the day's code counter.
    books = [r for r in after["code_sequence"] if str(r[0]).endswith("#SO")]
    assert [(r[0], str(r[1])[:10], r[2]) for r in books] == [
        (f"{before['code_sequence'][0][0]}#SO", "2026-11-01", 2)
    ], books
    after["code_sequence"] = [r for r in after["code_sequence"] if r not in books]
    for table in tables:
        assert after[table] == before[table], f"rows of {table} changed by the upgrade"


def test_upgrade_from_the_first_revision_keeps_every_row_sqlite(tmp_path: Path) -> None:
    _check_upgrade_keeps_every_row(f"sqlite:///{tmp_path / 'old.sqlite3'}", tmp_path / "bk")


@pytest.mark.postgres
def test_upgrade_from_the_first_revision_keeps_every_row_postgres(
    pg_url: str, tmp_path: Path
) -> None:
    _check_upgrade_keeps_every_row(pg_url, tmp_path / "bk")


def test_a_downgrade_through_batch_mode_keeps_the_rows_that_refer_to_a_rebuilt_table(
    tmp_path: Path,
) -> None:
    """Batch mode rebuilds SQLite tables (copy, DROP, rename): with foreign keys on, the DROP
    would cascade into a dossier's papers and events. Migrations run with them off."""
    from counter_app.db.migrate import downgrade

    revs = revisions()
    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(db, backup_dir=tmp_path / "bk", to=revs[0])
    metadata = MetaData()
    metadata.reflect(db.engine)
    with db.engine.begin() as conn:
        tables = _user_tables(conn)
        for table in metadata.sorted_tables:
            if table.name in FIRST_REVISION_ROWS:
                conn.execute(table.insert(), FIRST_REVISION_ROWS[table.name])
        columns = {t: [c["name"] for c in inspect(conn).get_columns(t)] for t in tables}
        before = _snapshot(conn, columns)
    upgrade(db, backup_dir=tmp_path / "bk")
    downgrade(db, revs[0])  # every later revision's downgrade, several in batch mode
    with db.engine.connect() as conn:
        after = _snapshot(conn, columns)
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()
    for table in tables:
        assert after[table] == before[table], f"rows of {table} lost by the downgrade"
