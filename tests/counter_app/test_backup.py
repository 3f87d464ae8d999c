"""Backups and restore (the daily backup: test_backup_daily.py)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from counter_app.auth import system_actor
from counter_app.backup import (
    BackupError,
    PendingSyncError,
    create_backup,
    pending_sync,
    restore_backup,
)
from counter_app.backup_daily import auto_backup_if_due
from counter_app.cli import main
from counter_app.db.migrate import head_revision
from counter_app.db.models import OutboxEntry
from counter_app.intake import ApplicantDraft, DossierDraft

APPLICANT = ApplicantDraft(
    name="Trần Thị Thuỷ", id_number="001190012345", phone="0912345678", birth_date="05/03/1990"
)

# Who the tests act as: the command line's system actor (an admin).
ACTOR = system_actor()


def receive(services: Any, name: str = "Trần Thị Thuỷ") -> str:
    draft = DossierDraft(procedure_code="2.000908", applicant=replace(APPLICANT, name=name))
    return str(services.intake.receive(draft, clerk=ACTOR).code)


def dossier_codes(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT code FROM dossier ORDER BY id")]
    finally:
        conn.close()


# ---------------------------------------------------------------------------------- backup


def test_backup_command_writes_a_checked_copy(
    services: Any, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = receive(services)
    out = tmp_path / "usb" / "quay1.sqlite3"
    assert main(["--db", sqlite_url, "backup", "--out", str(out)]) == 0
    assert "Đã sao lưu CSDL vào" in capsys.readouterr().out
    assert dossier_codes(out) == [code]
    assert out.stat().st_mode & 0o077 == 0  # personal data: readable by this user only
    assert not Path(str(out) + "-wal").exists()


def test_backup_without_out_goes_to_the_backup_dir(services: Any) -> None:
    receive(services)
    made = create_backup(services.db, backup_dir=services.settings.paths.backup_dir, by=ACTOR)
    assert made.parent == services.settings.paths.backup_dir
    assert "-manual-" in made.name and len(dossier_codes(made)) == 1


def test_backup_refuses_to_overwrite_the_live_database(services: Any) -> None:
    assert services.db.file is not None
    with pytest.raises(BackupError, match="trùng"):
        create_backup(services.db, backup_dir=Path("unused"), out=services.db.file, by=ACTOR)


# ---------------------------------------------------------------------------------- restore


def _mark_all_synced(services: Any) -> None:
    with services.db.write() as session:
        session.execute(update(OutboxEntry).values(state="synced"))


def test_restore_refuses_while_records_wait_for_sync(
    services: Any, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = receive(services, "Nguyễn Văn An")
    backup = create_backup(services.db, backup_dir=tmp_path, by=ACTOR)
    receive(services, "Lê Thị Bích")
    assert sum(pending_sync(services.db).values()) > 0

    with pytest.raises(PendingSyncError) as caught:
        restore_backup(services, backup, by=ACTOR)
    assert "chưa đồng bộ" in str(caught.value) and "--force" in str(caught.value)

    assert main(["--db", sqlite_url, "restore", str(backup)]) != 0
    assert "chưa đồng bộ" in capsys.readouterr().err
    assert services.db.file is not None
    assert len(dossier_codes(services.db.file)) == 2  # nothing was replaced

    assert main(["--db", sqlite_url, "restore", str(backup), "--force"]) == 0
    out = capsys.readouterr().out
    assert "Đã khôi phục CSDL" in out
    assert dossier_codes(services.db.file) == [first]
    # The database that was replaced is kept, with the dossier the restore dropped.
    saved = sorted(services.settings.paths.backup_dir.glob("*-before-restore-*.sqlite3"))
    assert len(saved) == 1 and len(dossier_codes(saved[0])) == 2


def test_restore_after_everything_synced_needs_no_force(services: Any, tmp_path: Path) -> None:
    code = receive(services)
    backup = create_backup(services.db, backup_dir=tmp_path, by=ACTOR)
    receive(services, "Phạm Đức Long")
    _mark_all_synced(services)
    result = restore_backup(services, backup, by=ACTOR)
    assert result.backup_revision == head_revision()
    assert result.upgrade.to_revision == head_revision()
    # The services keep working on the restored file.
    assert services.dossiers.lookup(code, by=ACTOR) is not None
    assert len(services.dossiers.search("Long", by=ACTOR)) == 0


def test_restore_rejects_files_that_are_not_our_database(services: Any, tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError, match="không phải"):
        restore_backup(services, junk, by=ACTOR)

    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(BackupError, match="không phải CSDL của phần mềm quầy"):
        restore_backup(services, other, by=ACTOR)

    with pytest.raises(BackupError, match="Không tìm thấy"):
        restore_backup(services, tmp_path / "missing.sqlite3", by=ACTOR)


def test_restore_rejects_a_backup_from_a_newer_version(services: Any, tmp_path: Path) -> None:
    backup = create_backup(services.db, backup_dir=tmp_path, by=ACTOR)
    conn = sqlite3.connect(backup)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    with pytest.raises(BackupError, match="phiên bản phần mềm mới hơn"):
        restore_backup(services, backup, by=ACTOR)


# ---------------------------------------------------------------------------------- PostgreSQL


@pytest.mark.postgres
def test_postgres_backup_is_a_pg_dump_and_restore_is_left_to_the_admin(
    pg_url: str, tmp_path: Path, app_home: Path
) -> None:
    from tests.conftest import make_services

    services = make_services(pg_url)
    try:
        receive(services)
        target = create_backup(
            services.db, backup_dir=tmp_path, out=tmp_path / "centre.dump", by=ACTOR
        )
        assert target.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
        assert auto_backup_if_due(services, by=ACTOR) is None  # the server's admin backs it up
        with pytest.raises(BackupError, match="pg_restore"):
            restore_backup(services, target, by=ACTOR)
    finally:
        services.close()
