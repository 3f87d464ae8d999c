"""The daily backup and its retention: once a day, old copies deleted, and with them the files
only they referenced; the file store swept of staged files no dossier was saved with."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from counter_app.attachment_backup import FILES_DIR_NAME, prune_backup_files
from counter_app.attachments import FileStore
from counter_app.backup import AUTO_DIR_NAME, create_backup, verify_backup
from counter_app.backup_daily import DEFAULT_KEEP_DAYS, auto_backup_if_due, keep_days
from counter_app.db.engine import Database
from counter_app.file_sweep import GRACE
from counter_app.settings import Settings
from tests.counter_app.sync.test_files import scan_pdf
from tests.counter_app.test_backup import ACTOR, dossier_codes, receive


def scan_pdf_bytes() -> bytes:
    from tests.counter_app.test_intake_files import pdf_bytes

    return pdf_bytes(1, "Giấy đề nghị")


def test_daily_backup_once_a_day_with_retention(services: Any, clock: Any) -> None:
    receive(services)
    folder = services.settings.paths.backup_dir / AUTO_DIR_NAME
    first = auto_backup_if_due(services, days=3, by=ACTOR)
    assert first is not None and first.parent == folder
    assert "20261127" in first.name and len(dossier_codes(first)) == 1
    clock.now = clock.now + timedelta(hours=5)
    assert auto_backup_if_due(services, days=3, by=ACTOR) is None  # already done today

    made = [first]
    for _ in range(6):
        clock.now = clock.now + timedelta(days=1)
        path = auto_backup_if_due(services, days=3, by=ACTOR)
        assert path is not None
        made.append(path)
    kept = sorted(folder.iterdir())
    assert kept == sorted(made[-3:])  # today and the two days before
    assert [p.name.split("-auto-")[1][:8] for p in kept] == ["20261201", "20261202", "20261203"]


def test_daily_backup_default_retention_and_no_file_no_backup(tmp_path: Path) -> None:
    settings = Settings.load(db_url=f"sqlite:///{tmp_path / 'none.sqlite3'}")
    assert keep_days(settings) == DEFAULT_KEEP_DAYS
    from counter_app.services import CounterServices

    db = Database("sqlite://")  # in memory: nothing to copy
    services = CounterServices(settings, db=db, clock=lambda: datetime(2026, 11, 27, 8))
    assert auto_backup_if_due(services, by=ACTOR) is None
    db.dispose()


def _attach(services: Any, tmp_path: Path, n: int) -> str:
    """A new dossier with one scanned paper; returns the file's SHA-256."""
    code = receive(services)
    path = scan_pdf(tmp_path, f"trang-{n}.pdf", 50_000, n)
    [f] = services.attachments.attach(code, "GDN", [path], by=ACTOR)
    return str(f.sha256)


def test_old_backups_pruned_take_the_files_only_they_referenced(
    services: Any, clock: Any, tmp_path: Path
) -> None:
    backup_dir = services.settings.paths.backup_dir
    unit = services.intake.unit_identifier()

    def in_backups(sha: str) -> bool:
        return FileStore(backup_dir / FILES_DIR_NAME).path(unit, sha).exists()

    first = _attach(services, tmp_path, 1)
    assert auto_backup_if_due(services, days=2, by=ACTOR) is not None
    manual = create_backup(services.db, backup_dir=backup_dir, by=ACTOR)  # lists `first` too
    assert in_backups(first)
    # The live database stops listing it (as after restoring an older backup).
    with sqlite3.connect(services.db.file) as conn:
        conn.execute("DELETE FROM dossier_file WHERE sha256 = ?", (first,))
    second = _attach(services, tmp_path, 2)
    for _ in range(2):
        clock.now = clock.now + timedelta(days=1)
        assert auto_backup_if_due(services, days=2, by=ACTOR) is not None
    # The first daily copy is gone, but the manual backup still needs `first`: kept.
    assert len(list((backup_dir / AUTO_DIR_NAME).iterdir())) == 2
    assert in_backups(first) and in_backups(second)

    manual.unlink()
    clock.now = clock.now + timedelta(days=1)
    newest = auto_backup_if_due(services, days=2, by=ACTOR)
    assert newest is not None
    assert not in_backups(first) and in_backups(second)
    check = verify_backup(newest, backup_dir)
    assert check.ok and check.files == 1
    for kept in (backup_dir / AUTO_DIR_NAME).iterdir():
        assert verify_backup(kept, backup_dir).ok


def test_an_unreadable_backup_keeps_every_file(services: Any, tmp_path: Path) -> None:
    backup_dir = services.settings.paths.backup_dir
    sha = _attach(services, tmp_path, 1)
    made = create_backup(services.db, backup_dir=backup_dir, by=ACTOR)
    from counter_app.attachment_backup import backup_attachments

    backup_attachments(made, services.settings.paths.files_dir, backup_dir / FILES_DIR_NAME)
    (backup_dir / "counter-backup-20261101-090000.sqlite3").write_bytes(b"hong" * 1000)
    made.unlink()  # nothing readable lists the file any more, but one backup cannot be read
    report = prune_backup_files(backup_dir)
    assert (report.removed, report.skipped) == (0, "unreadable backup")
    unit = services.intake.unit_identifier()
    assert FileStore(backup_dir / FILES_DIR_NAME).path(unit, sha).exists()


def test_the_daily_run_sweeps_staged_files_never_saved(services: Any, clock: Any) -> None:
    staged = services.attachments.stage("GDN", "Giấy đề nghị", scan_pdf_bytes(), "bo-do.pdf")
    path = services.attachments.store.path(services.intake.unit_identifier(), staged.sha256)
    old = time.time() - GRACE.total_seconds() - 60
    os.utime(path, (old, old))
    assert auto_backup_if_due(services, by=ACTOR) is not None
    assert not path.exists()
