"""The daily backup the window makes at start, and its retention: copies older than
`backup_keep_days` are deleted, and so are the files only they referenced."""

from __future__ import annotations

import logging
import re
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from counter_app.attachment_backup import prune_backup_files
from counter_app.backup import AUTO_DIR_NAME, backup_with_files, default_name
from counter_app.db.engine import DatabaseError
from counter_app.drafts import DRAFTS_DIR_NAME
from counter_app.file_sweep import sweep_staged_files
from counter_app.settings import Settings

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.services import CounterServices

log = logging.getLogger(__name__)

DEFAULT_KEEP_DAYS = 14
_AUTO_NAME = re.compile(r"-auto-(\d{8})-(\d{6})\.sqlite3$")


def keep_days(settings: Settings) -> int:
    """Days of daily backups to keep: `backup_keep_days` in the settings, else 14."""
    value = getattr(settings, "backup_keep_days", DEFAULT_KEEP_DAYS)
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return DEFAULT_KEEP_DAYS


def _auto_backups(folder: Path) -> list[tuple[date, Path]]:
    found: list[tuple[date, Path]] = []
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        match = _AUTO_NAME.search(path.name)
        if match is None:
            continue
        try:
            day = datetime.strptime(match.group(1), "%Y%m%d").date()
        except ValueError:
            continue
        found.append((day, path))
    return sorted(found)


def auto_backups(settings: Settings) -> list[Path]:
    """The daily automatic backups on disk, oldest first."""
    return [p for _, p in _auto_backups(settings.paths.backup_dir / AUTO_DIR_NAME)]


def prune_auto_backups(folder: Path, today: date, days: int) -> list[Path]:
    """Delete daily backups older than the last `days` days (today counts); returns them."""
    oldest_kept = today - timedelta(days=max(1, days) - 1)
    removed: list[Path] = []
    for day, path in _auto_backups(folder):
        if day < oldest_kept:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def auto_backup_if_due(
    services: CounterServices, *, by: UserInfo, days: int | None = None
) -> Path | None:
    """The daily backup: copy the database if no copy was made today, then drop old copies.

    Called by the window at start. Returns the new file, or None when not due or not possible
    (PostgreSQL is backed up on the server). A failure is logged, not raised: a missed backup
    must not stop the counter from receiving dossiers, and `doctor` shows the last one.
    """
    db = services.db
    if db.file is None or db.is_postgres or not db.file.exists():
        return None
    folder = services.settings.paths.backup_dir / AUTO_DIR_NAME
    now = services.clock()
    today = now.date()
    keep = days if days is not None else keep_days(services.settings)
    try:
        due = all(day != today for day, _ in _auto_backups(folder))
        made: Path | None = None
        if due:
            made, _ = backup_with_files(
                db,
                by=by,
                backup_dir=services.settings.paths.backup_dir,
                files_dir=services.settings.paths.files_dir,
                out=folder / default_name(db.file, "auto", now),
                now=now,
            )
        removed = prune_auto_backups(folder, today, keep)
    except (OSError, sqlite3.Error, DatabaseError) as exc:
        log.error("daily backup failed: %s", exc)
        return None
    if removed:
        log.info("removed %d daily backups older than %d days", len(removed), keep)
    if due or removed:
        daily_file_upkeep(services, backups_removed=bool(removed))
    return made


def daily_file_upkeep(services: CounterServices, *, backups_removed: bool) -> None:
    """Once a day after the backup: the backups' files folder loses the files only deleted
    backups referenced, and the live store the staged files no dossier was saved with. Logged,
    never raised (like the backup itself)."""
    paths = services.settings.paths
    try:
        if backups_removed:
            pruned = prune_backup_files(paths.backup_dir)
            if pruned.removed or pruned.skipped:
                log.info(
                    "backup files: %d removed (%d bytes), %d kept%s",
                    pruned.removed,
                    pruned.bytes_removed,
                    pruned.kept,
                    f"; skipped: {pruned.skipped}" if pruned.skipped else "",
                )
        sweep_staged_files(
            services.db,
            paths.files_dir,
            drafts_dir=paths.data_dir / DRAFTS_DIR_NAME,
            backup_dir=paths.backup_dir,
        )
    except (OSError, sqlite3.Error, DatabaseError) as exc:
        log.error("daily file upkeep failed: %s", exc)
