"""Files chosen in the intake form for a dossier that was never saved: their bytes went into the
file store when chosen (so a corrupt file is refused at once and a crash loses no scan), and
nothing removes them when the clerk clears the form or abandons the dossier.

The daily maintenance removes a stored file only when nothing may still need it: no
`dossier_file` row (which also covers every upload not yet sent), no intake draft of any user on
this PC, no backup in the backup folder, and it has lain untouched for the grace period (a file
chosen a moment ago may not be in the draft on disk yet; choosing it again touches it).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import inspect, select

from counter_app.attachment_backup import backup_refs, stored_files
from counter_app.db.engine import Database
from counter_app.db.models import Dossier, DossierFile

log = logging.getLogger(__name__)

#: How long an unreferenced file is left alone after it was last written or chosen.
GRACE = timedelta(days=2)
#: The online dossiers' viewing cache shares the store; it is not staged files.
CACHE_FOLDERS = frozenset({"online"})
_SHA = re.compile(rb"[0-9a-f]{64}")


@dataclass
class SweepReport:
    """What a sweep did; `skipped` says why it removed nothing ('' when it ran)."""

    checked: int = 0
    removed: int = 0
    bytes_removed: int = 0
    skipped: str = ""


def draft_hashes(drafts_dir: Path) -> set[str] | None:
    """Every SHA-256 written in any intake draft (read as bytes, so a draft this version cannot
    parse still protects its files); None when a draft cannot be read at all."""
    found: set[str] = set()
    if not drafts_dir.is_dir():
        return found
    for path in drafts_dir.iterdir():
        if not path.is_file():
            continue
        try:
            found.update(m.decode() for m in _SHA.findall(path.read_bytes()))
        except OSError as exc:
            log.warning("cannot read draft %s: %s", path, exc)
            return None
    return found


def _referenced(db: Database) -> set[tuple[str, str]]:
    with db.engine.connect() as conn:
        if not inspect(conn).has_table(DossierFile.__tablename__):
            return set()
    with db.read() as s:
        rows = s.execute(
            select(Dossier.unit_identifier, DossierFile.sha256).join(
                Dossier, Dossier.id == DossierFile.dossier_id
            )
        ).all()
    return {(str(u), str(sha)) for u, sha in rows}


def sweep_staged_files(
    db: Database,
    files_dir: Path,
    *,
    drafts_dir: Path,
    backup_dir: Path,
    grace: timedelta = GRACE,
    now: float | None = None,
) -> SweepReport:
    """Remove from the file store the files nothing refers to and untouched for `grace`."""
    report = SweepReport()
    drafts = draft_hashes(drafts_dir)
    if drafts is None:
        report.skipped = "unreadable draft"
        return report
    in_backups = backup_refs(backup_dir)
    if in_backups is None:
        report.skipped = "unreadable backup"
        return report
    # Read after the drafts: a file saved with a dossier meanwhile is then in one or the other.
    rows = _referenced(db)
    cutoff = (time.time() if now is None else now) - grace.total_seconds()
    for unit, sha, path in stored_files(files_dir):
        if unit in CACHE_FOLDERS:
            continue
        report.checked += 1
        if sha in drafts or (unit, sha) in rows or (unit, sha) in in_backups:
            continue
        try:
            stat = path.stat()
            if stat.st_mtime > cutoff:
                continue
            path.unlink()
        except FileNotFoundError:
            continue
        report.removed += 1
        report.bytes_removed += stat.st_size
    if report.removed:
        log.info("removed %d staged files no dossier was saved with", report.removed)
    return report
