"""Backups of the counter database: on demand, before a migration or a restore; restore; the
server's backup; and the checks at start that find a damaged database.

The digitised files that go with each backup are in `attachment_backup`; the daily backup and its
retention in `backup_daily`.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import URL

from counter_app.atomic import DiskError, copy_file, write_with
from counter_app.attachment_backup import (
    FILES_DIR_NAME,
    FileCopyReport,
    FileProblem,
    FileRestoreReport,
    backup_attachments,
    backup_files_root,
    backups_in,
    check_files,
    file_refs,
    restore_attachments,
    server_fetch,
)
from counter_app.code_ledger import issued_in
from counter_app.db.engine import Database, DatabaseError
from counter_app.db.lock import ExclusiveHold
from counter_app.db.migrate import UpgradeResult, alembic_config, restore_sqlite_file
from counter_app.db.models import OutboxEntry
from counter_app.domain import Permission
from counter_app.settings import Settings

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.services import CounterServices

log = logging.getLogger(__name__)

AUTO_DIR_NAME = "auto"
_SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(DatabaseError):
    """A backup or restore cannot be done; the message is Vietnamese, for the user."""


class PendingSyncError(BackupError):
    """Restoring would lose records not yet sent to the provincial server."""

    def __init__(self, pending: int) -> None:
        super().__init__(
            f"Còn {pending} bản ghi chưa đồng bộ lên máy chủ tỉnh; khôi phục sẽ làm mất các bản "
            "ghi này. Hãy đồng bộ trước, hoặc dùng --force nếu chắc chắn muốn khôi phục."
        )
        self.pending = pending


@dataclass(frozen=True)
class LostDossier:
    """A dossier the replaced database held and the restored one does not."""

    code: str
    received_at: str
    applicant: str  # masked, for the screen
    synced: bool  # the provincial server has it, so it can be brought back from there


@dataclass(frozen=True)
class RestoreResult:
    """What `restore_backup` did: the file restored, the copy of the replaced database, the
    schema upgrade run on the restored file, the dossiers issued after the backup."""

    source: Path
    safety_backup: Path | None
    backup_revision: str | None
    upgrade: UpgradeResult
    damaged_kept: Path | None = None
    lost: tuple[LostDossier, ...] = ()
    lost_unreadable: str = ""
    sequences_raised: int = 0
    files: FileRestoreReport | None = None


def pending_sync(db: Database) -> dict[str, int]:
    """Outbox rows not yet synced, by state (empty when there is no outbox table yet)."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table(OutboxEntry.__tablename__):
            return {}
    with db.read() as session:
        rows = session.execute(
            select(OutboxEntry.state, func.count())
            .where(OutboxEntry.state != "synced")
            .group_by(OutboxEntry.state)
        ).all()
    return {str(state): int(count) for state, count in rows}


def pending_sync_count(db: Database) -> int:
    return sum(pending_sync(db).values())


# ---------------------------------------------------------------------------------- SQLite


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite file (online backup API), readable by this user only.

    Written under a temporary name first (the atomic helper), so a half-written copy is never
    taken for a backup and a full disk leaves nothing behind.
    """

    def copy(tmp: Path) -> None:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            # A standalone file: no -wal beside it when it is copied onto a USB stick.
            dst.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.OperationalError as exc:
            if "full" in str(exc).lower():
                raise OSError(errno.ENOSPC, str(exc)) from exc
            raise
        finally:
            dst.close()
            src.close()

    write_with(target, copy)


def _copy_or_fail(source: Path, target: Path) -> None:
    """`_sqlite_copy`, any failure but a full disk (DiskError says so) as a BackupError."""
    try:
        _sqlite_copy(source, target)
    except DiskError:
        raise
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"Không ghi được bản sao lưu {target}: {exc}") from exc


def _sqlite_quick_check(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    finally:
        conn.close()
    return "; ".join(str(r[0]) for r in rows)


def _sqlite_revision(path: Path) -> str | None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        conn.close()
    return None if row is None else str(row[0])


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%d-%H%M%S")


def default_name(db_file: Path, label: str, now: datetime) -> str:
    return f"{db_file.stem}-{label}-{_stamp(now)}.sqlite3"


# ---------------------------------------------------------------------------------- files
# ---------------------------------------------------------------------------------- PostgreSQL


def libpq_uri(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for pg_dump (no password in it) and the environment it needs."""
    env: dict[str, str] = {}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_dump(db: Database, target: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    uri, extra_env = libpq_uri(db.url)
    if pg_dump is None:
        raise BackupError(
            "Không tìm thấy pg_dump. Hãy cài công cụ PostgreSQL (client) hoặc nhờ quản trị máy "
            f'chủ chạy: pg_dump --format=custom --file "{target}" "{uri}"'
        )

    def dump(tmp: Path) -> None:
        proc = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", "--file", str(tmp), "--dbname", uri],
            env={**os.environ, **extra_env},
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise BackupError(f"pg_dump thất bại: {proc.stderr.strip()}")

    write_with(target, dump)


# ---------------------------------------------------------------------------------- public API


def create_backup(
    db: Database,
    *,
    backup_dir: Path,
    by: UserInfo,
    out: Path | None = None,
    now: datetime | None = None,
) -> Path:
    """Back the database up to `out` (or a timestamped file in `backup_dir`); returns the file.

    SQLite: a checked copy of the file. PostgreSQL: `pg_dump --format=custom`.
    """
    by.require(Permission.BACKUP)
    now = now or datetime.now()
    if db.is_postgres:
        target = out or backup_dir / f"{db.url.database}-{_stamp(now)}.dump"
        _pg_dump(db, target)
        log.info("PostgreSQL backup written to %s", target)
        return target
    if db.file is None:
        raise BackupError("Chỉ sao lưu được CSDL SQLite trong tệp hoặc PostgreSQL.")
    if not db.file.exists():
        raise BackupError(f"Chưa có tệp CSDL {db.file} để sao lưu.")
    target = out or backup_dir / default_name(db.file, "manual", now)
    if target.resolve() == db.file.resolve():
        raise BackupError("Tệp sao lưu không được trùng với tệp CSDL đang dùng.")
    _copy_or_fail(db.file, target)
    check = _sqlite_quick_check(target)
    if check != "ok":
        target.unlink(missing_ok=True)
        raise BackupError(f"Bản sao lưu không toàn vẹn ({check}); hãy chạy `counter-app doctor`.")
    log.info("database backed up to %s", target)
    return target


def backup_with_files(
    db: Database,
    *,
    backup_dir: Path,
    files_dir: Path,
    by: UserInfo,
    out: Path | None = None,
    now: datetime | None = None,
) -> tuple[Path, FileCopyReport | None]:
    """`create_backup`, then the digitised files the copy references (SQLite; a PostgreSQL
    centre's files are on each counter PC and its dump holds only their metadata)."""
    target = create_backup(db, backup_dir=backup_dir, by=by, out=out, now=now)
    if db.is_postgres:
        return target, None
    try:
        copied = backup_attachments(target, files_dir, backup_files_root(target, backup_dir))
    except DiskError as exc:
        raise DiskError(
            f"Đã sao lưu CSDL vào {target} nhưng chưa chép đủ tệp số hóa: {exc}"
        ) from exc
    log.info(
        "backup %s: %d files referenced, %d copied (%d bytes)",
        target.name,
        copied.referenced,
        copied.copied,
        copied.bytes_copied,
    )
    return target, copied


@dataclass(frozen=True)
class BackupCheck:
    """`backup --verify`: is this backup restorable, with every file it references whole?"""

    file: Path
    revision: str | None
    files_folder: Path
    files: int
    problems: tuple[FileProblem, ...]
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "ok": self.ok,
            "revision": self.revision,
            "error": self.error or None,
            "files_folder": str(self.files_folder),
            "files": self.files,
            "problems": [p.to_json() for p in self.problems],
        }


def verify_backup(source: Path, backup_dir: Path) -> BackupCheck:
    """Check a backup: a sound counter database, and each file it references present in its
    files folder with the right hash (named by dossier and paper when not)."""
    folder = backup_files_root(source, backup_dir)
    try:
        revision = _check_restorable(source)
    except BackupError as exc:
        return BackupCheck(source, None, folder, 0, (), str(exc))
    refs = file_refs(source)
    problems = check_files(refs, folder)
    if problems and folder != source.parent / FILES_DIR_NAME:
        # A copy moved out of the backup folder may carry its files beside it.
        beside = check_files([p.ref for p in problems], source.parent / FILES_DIR_NAME)
        problems = beside
    return BackupCheck(source, revision, folder, len({r.sha256 for r in refs}), tuple(problems))


@dataclass(frozen=True)
class ServerBackup:
    """`server backup`: the server database's copy and its files folder's."""

    database: Path
    files: Any  # counter_app.server.files.FilesBackup

    def to_json(self) -> dict[str, Any]:
        return {"database": str(self.database), "files": self.files.to_json()}


def server_backup(db: Database, files_root: Path, out_dir: Path) -> ServerBackup:
    """Back the provincial server up into `out_dir`: its database (a checked SQLite copy or a
    pg_dump) and its files folder (`out_dir/files`, copied incrementally, hash-checked)."""
    from counter_app.server.files import backup_store

    stamp = _stamp(datetime.now())
    if db.is_postgres:
        target = out_dir / f"server-{stamp}.dump"
        _pg_dump(db, target)
    elif db.file is not None and db.file.exists():
        target = out_dir / f"server-{stamp}.sqlite3"
        _copy_or_fail(db.file, target)
    else:
        raise BackupError("Chỉ sao lưu được CSDL máy chủ SQLite trong tệp hoặc PostgreSQL.")
    files = backup_store(files_root, out_dir / FILES_DIR_NAME)
    for name in files.damaged:
        log.error("server backup: %s fails its hash, not copied", name)
    return ServerBackup(target, files)


def _check_restorable(source: Path) -> str | None:
    """The schema revision of a backup file, after checking it is a sound counter database."""
    if not source.is_file():
        raise BackupError(f"Không tìm thấy tệp sao lưu {source}.")
    with source.open("rb") as fh:
        if fh.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
            raise BackupError(f"Tệp {source} không phải bản sao lưu CSDL SQLite.")
    try:
        check = _sqlite_quick_check(source)
        revision = _sqlite_revision(source)
    except sqlite3.Error as exc:
        raise BackupError(f"Không đọc được tệp sao lưu {source}: {exc}") from exc
    if check != "ok":
        raise BackupError(f"Tệp sao lưu {source} bị hỏng ({check}).")
    if revision is None:
        raise BackupError(f"Tệp {source} không phải CSDL của phần mềm quầy.")
    known = {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if revision not in known:
        raise BackupError(
            f"Bản sao lưu thuộc phiên bản phần mềm mới hơn (lược đồ {revision}); "
            "hãy cập nhật phần mềm trước khi khôi phục."
        )
    return revision


def restore_backup(
    services: CounterServices, source: Path, *, by: UserInfo, force: bool = False
) -> RestoreResult:
    """Put a backup file in place of the database, then bring its schema up to date.

    Takes the database exclusively (refused while the window or another command uses it). Refuses
    while outbox rows are not synced (they would be lost) unless `force`; the database being
    replaced is copied to the backup folder first either way (a damaged one as it is, kept aside).
    Every code the replaced database issued goes into the code ledger first, so no code is issued
    twice; the result lists the dossiers issued after the backup.
    """
    by.require(Permission.MANAGE_BACKUPS)
    db = services.db
    if db.is_postgres:
        uri, _ = libpq_uri(db.url)
        raise BackupError(
            "Khôi phục CSDL PostgreSQL dùng chung do quản trị máy chủ thực hiện: "
            f'pg_restore --clean --if-exists --no-owner --dbname "{uri}" "{source}"'
        )
    if db.file is None:
        raise BackupError("Chỉ khôi phục được CSDL SQLite trong tệp.")
    revision = _check_restorable(source)
    backup_dir = services.settings.paths.backup_dir
    with ExclusiveHold(db.file, action="khôi phục CSDL", ignore=db.writer_hold):
        safety: Path | None = None
        damaged_kept: Path | None = None
        replaced: Path | None = None
        if db.file.exists() and db.file.stat().st_size > 0:
            damage = database_damage(db.file)
            if damage is None:
                pending = pending_sync_count(db)
                if pending and not force:
                    raise PendingSyncError(pending)
                if pending:
                    log.warning("restoring over %d records not yet synced (forced)", pending)
                safety, _ = backup_with_files(
                    db,
                    by=by,
                    backup_dir=backup_dir,
                    files_dir=services.settings.paths.files_dir,
                    out=backup_dir / default_name(db.file, "before-restore", datetime.now()),
                )
                replaced = safety
            else:
                log.error("restoring over a damaged database: %s", damage)
                damaged_kept = keep_damaged(db.file, backup_dir)
                replaced = damaged_kept
            _ledger_from(services, db)
        db.dispose()
        try:
            restore_sqlite_file(source, db.file, checkpoint=damaged_kept is None)
        except OSError as exc:
            if isinstance(exc, DiskError):
                raise
            raise BackupError(f"Không chép được {source} vào {db.file}: {exc}") from exc
        log.info("database restored from %s (schema %s)", source.name, revision)
        upgraded = services.migrate(locked=True)
        raised = services.raise_code_sequences()
        lost, unreadable = _lost_dossiers(db.file, replaced) if replaced else ((), "")
        files = _restore_files(services, source, backup_dir)
    return RestoreResult(
        source,
        safety,
        revision,
        upgraded,
        damaged_kept=damaged_kept,
        lost=lost,
        lost_unreadable=unreadable,
        sequences_raised=raised,
        files=files,
    )


def _restore_files(services: CounterServices, source: Path, backup_dir: Path) -> FileRestoreReport:
    """Every file row of the restored database gets its bytes back (from the backup's files
    folder, else the server); files brought back are no longer set aside as unreadable."""
    from counter_app.sync.files import requeue_files

    db = services.db
    assert db.file is not None
    roots = [backup_files_root(source, backup_dir), source.parent / FILES_DIR_NAME]
    report = restore_attachments(
        db.file, services.settings.paths.files_dir, roots, server_fetch(services)
    )
    if report.restored:
        requeue_files(db, report.restored)
    return report


def database_damage(path: Path) -> str | None:
    """None when `PRAGMA quick_check` passes, else what SQLite reports (Vietnamese prefix)."""
    try:
        check = _sqlite_quick_check(path)
    except sqlite3.Error as exc:
        text = str(exc).lower()
        if "malformed" in text or "not a database" in text or "corrupt" in text:
            return f"không đọc được tệp ({exc})"
        # A full disk or a locked file is not damage: the write that follows says what it is.
        log.warning("quick_check of %s could not run: %s", path, exc)
        return None
    return None if check == "ok" else check


class DamagedDatabaseError(BackupError):
    """The database file fails `quick_check`: nothing is written to it; the message says what
    happened and the exact command that puts the newest good backup back."""

    def __init__(
        self, db_file: Path, damage: str, backup: Path | None, *, server: bool = False
    ) -> None:
        self.db_file, self.damage, self.backup = db_file, damage, backup
        if backup is not None:
            way = (
                f"Hãy khôi phục bản sao lưu tốt mới nhất ({backup}) bằng lệnh:\n"
                f'  counter-app restore "{backup}"\n'
                "(tệp hỏng được giữ lại nguyên vẹn trong thư mục sao lưu; các mã hồ sơ đã cấp "
                "sẽ không bị cấp lại)"
            )
        else:
            way = (
                "Không tìm thấy bản sao lưu nào còn tốt. Hãy nhờ bộ phận kỹ thuật dựng lại dữ "
                "liệu từ máy chủ tỉnh; đừng xoá tệp hỏng."
            )
        if server:
            way += (
                "\nHoặc dựng lại từ máy chủ tỉnh: đổi tên tệp hỏng (giữ lại cho bộ phận kỹ "
                "thuật), rồi chạy `counter-app init` và `counter-app sync --rebuild`."
            )
        super().__init__(
            f"Tệp CSDL {db_file} bị hỏng ({damage[:200]}). Phần mềm không ghi gì vào tệp này "
            f"để không làm hỏng thêm.\n{way}"
        )


def backup_files(settings: Settings) -> list[Path]:
    """Every SQLite backup in the backup folder (manual, daily, before-restore), newest first."""
    found = backups_in(settings.paths.backup_dir)
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def newest_good_backup(settings: Settings) -> Path | None:
    """The newest backup that is a sound counter database (checked newest first)."""
    for path in backup_files(settings):
        try:
            _check_restorable(path)
        except BackupError:
            continue
        return path
    return None


def check_health(settings: Settings, db: Database) -> None:
    """`quick_check` of the SQLite file before anything writes to it (DamagedDatabaseError)."""
    if db.file is None or not db.file.exists() or db.file.stat().st_size == 0:
        return
    damage = database_damage(db.file)
    if damage is not None:
        log.error("database %s fails quick_check: %s", db.file, damage)
        server = bool(settings.sync.server_url and settings.sync.token)
        raise DamagedDatabaseError(db.file, damage, newest_good_backup(settings), server=server)


def _iso(value: object) -> str:
    try:
        return datetime.fromisoformat(str(value)).isoformat(timespec="seconds")
    except ValueError:
        return str(value)


def keep_damaged(db_file: Path, backup_dir: Path) -> Path:
    """Copy a damaged database (and its WAL) aside into the backup folder, as it is."""
    target = backup_dir / default_name(db_file, "damaged", datetime.now())
    copy_file(db_file, target)
    wal = Path(str(db_file) + "-wal")
    if wal.exists():
        copy_file(wal, Path(str(target) + "-wal"))
    log.warning("damaged database kept aside as %s", target)
    return target


def _ledger_from(services: CounterServices, db: Database) -> None:
    """Every code the database about to be replaced issued, into the ledger (best effort on a
    damaged file: the ledger already holds what intake recorded)."""
    if services.ledger is None:
        return
    try:
        with db.read() as s:
            issued = issued_in(s)
    except Exception as exc:  # a damaged file may fail any query
        log.error("could not read codes from the database being replaced: %s", exc)
        return
    try:
        services.ledger.record((u, d, n) for (u, d), n in issued.items())
    except sqlite3.Error as exc:  # without it the restored file could reissue printed codes
        raise BackupError(
            f"Không ghi được sổ mã hồ sơ {services.ledger.path} ({exc}); chưa khôi phục gì để "
            "tránh cấp trùng mã đã in."
        ) from exc


def _lost_dossiers(current: Path, replaced: Path) -> tuple[tuple[LostDossier, ...], str]:
    """Dossiers in the replaced database that the restored one lacks (issued after the backup)."""
    from counter_app.identity import mask_name

    conn = sqlite3.connect(current)  # only read from; we hold the database exclusively
    try:
        # Read-write attach: a kept damaged file may be in WAL mode, which read-only cannot open.
        conn.execute("ATTACH DATABASE ? AS old", (str(replaced),))
        rows = conn.execute(
            "SELECT d.code, d.received_at, d.applicant_name, EXISTS (SELECT 1 FROM old.outbox o "
            "WHERE o.entity = 'dossier' AND o.entity_uuid = d.uuid AND o.state = 'synced') "
            "FROM old.dossier d WHERE d.uuid NOT IN (SELECT uuid FROM main.dossier) "
            "ORDER BY d.received_at, d.code"
        ).fetchall()
    except sqlite3.Error as exc:
        return (), (
            f"Không liệt kê được các hồ sơ cấp sau bản sao lưu vì tệp {replaced} không đọc được "
            f"({exc}); các mã đã cấp vẫn không bị cấp lại (sổ mã của máy)."
        )
    finally:
        conn.close()
    return (
        tuple(
            LostDossier(str(code), _iso(at), mask_name(str(name or "")), bool(synced))
            for code, at, name, synced in rows
        ),
        "",
    )
