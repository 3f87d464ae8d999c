"""The digitised files of backups: which files a database references, whether their bytes are
whole, copying them into a backup's files folder, bringing them back at restore, and pruning the
folder once no backup references a file.

Files are immutable and named by their SHA-256, so a backup copies only the files it does not
hold yet into a content-addressed folder (`files/<unit>/<aa>/<sha256>`) shared by every backup in
the same folder: years of scans are copied once, not once a day. A backup written elsewhere
(`--out` on a USB stick) gets its own `files` folder beside it. Real copies, not hard links: a
damaged sector or an overwrite of the live store must not damage the backup too.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from counter_app.atomic import write_bytes

if TYPE_CHECKING:
    from counter_app.services import CounterServices

log = logging.getLogger(__name__)

FILES_DIR_NAME = "files"
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class FileRef:
    """One file row of a database: where its bytes are kept and which paper it is."""

    unit: str
    sha256: str
    size: int
    dossier: str
    paper: str
    name: str
    uploaded: bool  # the server confirmed it holds the bytes

    @property
    def where(self) -> str:
        return f"hồ sơ {self.dossier}, giấy tờ {self.paper}, tệp «{self.name}»"


@dataclass(frozen=True)
class FileProblem:
    """A file row whose bytes are missing or do not match their hash."""

    ref: FileRef
    kind: str  # missing | corrupt

    @property
    def message(self) -> str:
        what = "không có trong kho" if self.kind == "missing" else "bị hỏng (sai mã băm)"
        return f"Tệp số hóa {what}: {self.ref.where} (SHA-256 {self.ref.sha256[:12]}…)."

    def to_json(self) -> dict[str, Any]:
        return {
            "dossier": self.ref.dossier,
            "paper": self.ref.paper,
            "name": self.ref.name,
            "sha256": self.ref.sha256,
            "problem": self.kind,
            "message": self.message,
        }


@dataclass
class FileCopyReport:
    """What a backup did with the files its database references."""

    folder: Path
    referenced: int = 0
    copied: int = 0
    bytes_copied: int = 0
    problems: list[FileProblem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "referenced": self.referenced,
            "copied": self.copied,
            "bytes_copied": self.bytes_copied,
            "problems": [p.to_json() for p in self.problems],
        }


@dataclass
class FileRestoreReport:
    """What a restore did so that every file row has its bytes again."""

    checked: int = 0
    from_backup: int = 0
    from_server: int = 0
    problems: list[FileProblem] = field(default_factory=list)
    server_error: str = ""
    restored: set[str] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "from_backup": self.from_backup,
            "from_server": self.from_server,
            "missing": [p.to_json() for p in self.problems],
            **({"server_error": self.server_error} if self.server_error else {}),
        }


def backup_files_root(backup: Path, backup_dir: Path) -> Path:
    """Where the files of the backup `backup` are kept: the one shared folder of the backup
    folder (daily, manual, before-restore and before-migration backups alike), else a `files`
    folder beside the backup (a copy on a USB stick carries its files with it)."""
    try:
        backup.resolve().relative_to(backup_dir.resolve())
    except ValueError:
        return backup.parent / FILES_DIR_NAME
    return backup_dir / FILES_DIR_NAME


def _store_path(root: Path, unit: str, sha256: str) -> Path:
    """The FileStore layout (`root/<unit>/<aa>/<sha256>`), checked like FileStore.path."""
    from counter_app.attachments import FileStore

    return FileStore(root).path(unit, sha256)


def file_refs(db_file: Path) -> list[FileRef]:
    """Every file row of a SQLite counter database (none before the files migration)."""
    conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "dossier_file" not in tables:
            return []
        rows = conn.execute(
            "SELECT d.unit_identifier, f.sha256, f.size, d.code, f.paper_code, f.name, "
            "f.uploaded_at IS NOT NULL FROM dossier_file f JOIN dossier d ON d.id = f.dossier_id "
            "ORDER BY d.code, f.paper_code, f.id"
        ).fetchall()
    finally:
        conn.close()
    return [
        FileRef(str(u), str(sha), int(size), str(code), str(paper), str(name), bool(up))
        for u, sha, size, code, paper, name, up in rows
        if len(str(sha)) == 64 and set(str(sha)) <= _HEX
    ]


def _by_file(refs: Iterable[FileRef]) -> dict[tuple[str, str], list[FileRef]]:
    """Rows grouped by the bytes they share (the same scan attached twice is one file)."""
    grouped: dict[tuple[str, str], list[FileRef]] = {}
    for ref in refs:
        grouped.setdefault((ref.unit, ref.sha256), []).append(ref)
    return grouped


def _sha256_of(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _whole(path: Path, ref: FileRef, *, deep: bool = True) -> str | None:
    """None when `path` holds the file (size, and the hash when `deep`), else the problem."""
    try:
        if path.stat().st_size != ref.size:
            return "corrupt"
        if deep and _sha256_of(path) != ref.sha256:
            return "corrupt"
    except FileNotFoundError:
        return "missing"
    return None


def check_files(refs: Iterable[FileRef], root: Path, *, deep: bool = True) -> list[FileProblem]:
    """Every row whose bytes under `root` are missing or damaged (each row named: the clerk
    needs the dossier and paper, not the hash). `deep=False` compares sizes only (fast)."""
    problems: list[FileProblem] = []
    for (unit, sha), rows in _by_file(refs).items():
        kind = _whole(_store_path(root, unit, sha), rows[0], deep=deep)
        if kind is not None:
            problems.extend(FileProblem(r, kind) for r in rows)
    return problems


def backup_attachments(db_copy: Path, files_dir: Path, root: Path) -> FileCopyReport:
    """Copy into `root` every file the backup `db_copy` references that `root` lacks, each
    checked against its hash on the way; what is already there whole is not copied again."""
    report = FileCopyReport(root)
    for (unit, sha), rows in _by_file(file_refs(db_copy)).items():
        report.referenced += 1
        target = _store_path(root, unit, sha)
        if _whole(target, rows[0], deep=False) is None:
            continue  # immutable and named by hash: the same size is the same file
        try:
            data = _store_path(files_dir, unit, sha).read_bytes()
        except FileNotFoundError:
            report.problems.extend(FileProblem(r, "missing") for r in rows)
            continue
        if hashlib.sha256(data).hexdigest() != sha:
            report.problems.extend(FileProblem(r, "corrupt") for r in rows)
            continue
        write_bytes(target, data)
        report.copied += 1
        report.bytes_copied += len(data)
    for problem in report.problems:
        log.error("backup: %s", problem.message)
    return report


def restore_attachments(
    db_file: Path,
    files_dir: Path,
    roots: Iterable[Path],
    fetch: Callable[[FileRef], bytes] | None = None,
) -> FileRestoreReport:
    """Make every file row of `db_file` have its bytes in the live store, checked by hash:
    from the backups' file folders `roots`, else from the server (`fetch`, for files it
    confirmed); what can be found nowhere is listed by dossier and paper."""
    from counter_app.sync.transport import RequestRejected, TransportError

    report = FileRestoreReport()
    folders = list(dict.fromkeys(roots))
    for (unit, sha), rows in _by_file(file_refs(db_file)).items():
        report.checked += 1
        live = _store_path(files_dir, unit, sha)
        if _whole(live, rows[0]) is None:
            continue
        data = _from_backups(folders, unit, sha)
        if data is not None:
            report.from_backup += 1
        elif fetch is not None and any(r.uploaded for r in rows) and not report.server_error:
            try:
                data = fetch(rows[0])
                report.from_server += 1
            except RequestRejected as exc:
                if exc.status != 404:  # 404: the server lacks this one; others may be there
                    report.server_error = str(exc)
            except TransportError as exc:  # unreachable: do not ask again for every file
                report.server_error = str(exc)
        if data is None:
            report.problems.extend(FileProblem(r, _whole(live, r) or "missing") for r in rows)
            continue
        write_bytes(live, data)
        report.restored.add(sha)
    for problem in report.problems:
        log.error("restore: %s", problem.message)
    return report


def _from_backups(folders: list[Path], unit: str, sha: str) -> bytes | None:
    for folder in folders:
        try:
            data = _store_path(folder, unit, sha).read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() == sha:
            return data
    return None


def server_fetch(services: CounterServices) -> Callable[[FileRef], bytes] | None:
    """Download from the provincial server, when one is configured."""
    transport = services.server_transport()
    if transport is None:
        return None
    from counter_app.sync.files import download

    def fetch(ref: FileRef) -> bytes:
        return download(transport, ref.sha256, ref.size)

    return fetch


# -- pruning: files no remaining backup references ------------------------------------------


@dataclass
class FilesPrune:
    """What pruning a files folder did; `skipped` says why nothing was removed ('' when run)."""

    folder: Path
    kept: int = 0
    removed: int = 0
    bytes_removed: int = 0
    skipped: str = ""


def stored_files(root: Path) -> Iterator[tuple[str, str, Path]]:
    """(unit, sha256, path) of every whole file of a content-addressed folder
    (`root/<unit>/<aa>/<sha256>`); temporary and foreign names are not listed."""
    if not root.is_dir():
        return
    for unit_dir in sorted(root.iterdir()):
        if not unit_dir.is_dir():
            continue
        for path in sorted(unit_dir.glob("[0-9a-f][0-9a-f]/*")):
            sha = path.name
            if len(sha) == 64 and set(sha) <= _HEX and sha[:2] == path.parent.name:
                yield unit_dir.name, sha, path


def backups_in(backup_dir: Path) -> list[Path]:
    """Every SQLite backup that shares the backup folder's files folder (daily, manual,
    before-restore, before-migration, any subfolder); not the files folder itself, half-written
    copies or damaged databases kept for the technicians."""
    found: list[Path] = []
    if not backup_dir.is_dir():
        return found
    for folder, dirs, names in os.walk(backup_dir):
        if Path(folder) == backup_dir and FILES_DIR_NAME in dirs:
            dirs.remove(FILES_DIR_NAME)  # years of scans: never walked
        found.extend(
            Path(folder) / n
            for n in names
            if n.endswith(".sqlite3") and not n.startswith(".tmp-") and "-damaged-" not in n
        )
    return sorted(found)


def backup_refs(backup_dir: Path) -> set[tuple[str, str]] | None:
    """(unit, sha256) of every file any backup in the folder references; None when one of them
    cannot be read (then nothing may be deleted: its files might be the ones it needs)."""
    refs: set[tuple[str, str]] = set()
    for backup in backups_in(backup_dir):
        try:
            refs.update((r.unit, r.sha256) for r in file_refs(backup))
        except sqlite3.Error as exc:
            log.warning("cannot read the file rows of backup %s: %s", backup, exc)
            return None
    return refs


def prune_backup_files(backup_dir: Path) -> FilesPrune:
    """Delete from the backup folder's shared files folder every file that no backup left in
    the folder references (after old daily backups were deleted). A backup that cannot be read
    stops the pruning; a backup landing meanwhile is seen by listing the backups again."""
    root = backup_dir / FILES_DIR_NAME
    report = FilesPrune(root)
    refs = backup_refs(backup_dir)
    if refs is None:
        report.skipped = "unreadable backup"
        return report
    listed = set(backups_in(backup_dir))
    stored = list(stored_files(root))
    unwanted = [(u, s, p) for u, s, p in stored if (u, s) not in refs]
    report.kept = len(stored) - len(unwanted)
    if unwanted and set(backups_in(backup_dir)) != listed:
        again = backup_refs(backup_dir)  # a backup made while this ran: its files stay
        if again is None:
            report.skipped = "unreadable backup"
            return report
        unwanted = [(u, s, p) for u, s, p in unwanted if (u, s) not in again]
    for _unit, _sha, path in unwanted:
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue
        report.removed += 1
        report.bytes_removed += size
    return report
