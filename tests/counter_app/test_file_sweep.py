"""The daily sweep of files staged in the intake form for dossiers never saved: on a real SQLite
file and a real file store, only a file nothing refers to and untouched for the grace period goes."""

from __future__ import annotations

import functools
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from counter_app.attachments import StagedFile
from counter_app.backup import create_backup
from counter_app.drafts import DRAFTS_DIR_NAME, DraftStore, IntakeDraftState
from counter_app.file_sweep import GRACE, sweep_staged_files
from tests.counter_app.test_intake_files import CLERK, LAND, draft, land, pdf_bytes

__all__ = ["land"]  # the fixture, re-used

OLD = time.time() - GRACE.total_seconds() - 3600


@functools.cache
def scan(text: str) -> bytes:
    """One PDF per text (reportlab stamps the time: made twice, the bytes would differ)."""
    return pdf_bytes(1, text)


def stage(services: Any, paper: str, text: str) -> StagedFile:
    names = {p.code: p.name for p in services.catalog.get(LAND).papers}
    return services.attachments.stage(paper, names[paper], scan(text), f"{text}.pdf")  # type: ignore[no-any-return]


def stored(services: Any, f: StagedFile) -> Path:
    return services.attachments.store.path(services.intake.unit_identifier(), f.sha256)  # type: ignore[no-any-return]


def age(*paths: Path) -> None:
    for p in paths:
        os.utime(p, (OLD, OLD))


def sweep(services: Any) -> Any:
    paths = services.settings.paths
    return sweep_staged_files(
        services.db,
        paths.files_dir,
        drafts_dir=paths.data_dir / DRAFTS_DIR_NAME,
        backup_dir=paths.backup_dir,
    )


def test_only_old_staged_files_nothing_refers_to_are_removed(land: Any) -> None:
    saved = [stage(land, "DDK", "ddk"), stage(land, "HD", "hd"), stage(land, "GCN", "gcn")]
    code = land.intake.receive(draft(files=saved), clerk=CLERK).code  # rows, not yet uploaded
    in_draft = stage(land, "DDK", "nhap")  # in another clerk's draft, left for tomorrow
    DraftStore(land.settings.paths.data_dir, "lan").save(
        IntakeDraftState(procedure_code=LAND, name="Lê Văn Hải", files=[in_draft.to_json()])
    )
    in_backup = stage(land, "HD", "sao-luu")  # only an older backup still lists it
    abandoned = stage(land, "GCN", "bo-do")  # the form cleared, never saved
    recent = stage(land, "GCN", "vua-chon")  # chosen a moment ago, draft not on disk yet
    # The backup's database lists `in_backup` on the dossier; the live one no longer does.
    with sqlite3.connect(land.db.file) as conn:
        conn.execute(
            "UPDATE dossier_file SET sha256 = ?, size = ? WHERE paper_code = 'HD'",
            (in_backup.sha256, in_backup.size),
        )
    backup = create_backup(land.db, backup_dir=land.settings.paths.backup_dir, by=CLERK)
    with sqlite3.connect(land.db.file) as conn:
        conn.execute(
            "UPDATE dossier_file SET sha256 = ?, size = ? WHERE paper_code = 'HD'",
            (saved[1].sha256, saved[1].size),
        )
    online = land.attachments.store.put("online", b"x" * 10, "a" * 64)  # the viewer's cache
    age(*(stored(land, f) for f in [*saved, in_draft, in_backup, abandoned]), online)

    report = sweep(land)
    assert (report.removed, report.skipped) == (1, "")
    assert not stored(land, abandoned).exists()
    for f in [*saved, in_draft, in_backup, recent]:
        assert stored(land, f).exists(), f.name
    assert online.exists()
    assert len(land.attachments.files(code)) == 3  # the saved dossier still reads its files
    assert land.attachments.content(code, saved[0].sha256)

    # Chosen again in the form (same bytes): its grace starts again, it is kept.
    age(stored(land, recent))
    again = stage(land, "GCN", "vua-chon")
    assert again.sha256 == recent.sha256
    assert sweep(land).removed == 0 and stored(land, recent).exists()

    # Once the backup is gone and the draft cleared, their files go too (when old enough).
    backup.unlink()
    DraftStore(land.settings.paths.data_dir, "lan").clear()
    age(stored(land, recent))
    assert sweep(land).removed == 3
    assert not stored(land, in_backup).exists() and not stored(land, in_draft).exists()
    assert all(stored(land, f).exists() for f in saved)


def test_an_unreadable_backup_stops_the_sweep(land: Any) -> None:
    abandoned = stage(land, "GCN", "bo-do")
    age(stored(land, abandoned))
    backup_dir = land.settings.paths.backup_dir
    backup_dir.mkdir(parents=True, exist_ok=True)
    (backup_dir / "counter-backup-20261127-090000.sqlite3").write_bytes(b"not a database" * 100)
    report = sweep(land)
    assert (report.removed, report.skipped) == (0, "unreadable backup")
    assert stored(land, abandoned).exists()
