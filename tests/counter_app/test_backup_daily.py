"""The daily backup and its retention: once a day, old copies deleted, and with them the files
only they referenced; the file store swept of staged files no dossier was saved with."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from counter_app.backup import AUTO_DIR_NAME
from counter_app.backup_daily import DEFAULT_KEEP_DAYS, auto_backup_if_due, keep_days
from counter_app.db.engine import Database
from counter_app.settings import Settings
from tests.counter_app.test_backup import ACTOR, dossier_codes, receive


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
