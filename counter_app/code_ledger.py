"""The code ledger: the highest dossier number this counter ever issued, per unit and day.

The register's entry numbers ride along under their book's key (`dossier_codes.register_key`:
unit "<unit>#SO", day = first of the month), so a restore never reissues one either.

A small SQLite file beside the database (`<db>.codes.sqlite3`) that `restore` never replaces and
migrations never touch, and a copy of it in each folder of `Paths.code_mark_dirs` (outside the
data folder: the config folder, the backups folder…), so that putting the whole data folder back
from a copy (a USB copy on a replacement PC, Windows "Previous Versions", a VM snapshot, last
night's folder copied over) cannot roll every record back at once. Every intake records its
number in all of them after the commit, before the code is shown; before a restore the database
being replaced is scanned into them; at every start, after a restore and after a migration they
are all read (`reconcile`), the highest number wins, copies that were behind are brought up, the
database's code counters are raised to it (and to the provincial server's high-water mark), and
the codes issued but missing from this database are named (`Rollback`). So the next number is
always above every code already printed on a receipt, whatever was put back.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from counter_app.db.engine import _create_private_file
from counter_app.db.models import CodeSequence, Dossier
from counter_app.dossier_codes import REGISTER_KEY_SUFFIX, format_code, register_key


def is_register_key(unit: str) -> bool:
    """A counter key of a register book (`dossier_codes.register_key`), not of dossier codes."""
    return unit.endswith(REGISTER_KEY_SUFFIX)


log = logging.getLogger(__name__)

Key = tuple[str, date]

#: The copies' subfolder in each of `Paths.code_mark_dirs`.
MARKS_DIR_NAME = "code-marks"
#: Codes named in one message; the rest are counted (all of them are in `doctor --json`).
SHOWN_CODES = 20


def ledger_path(db_file: Path) -> Path:
    return db_file.with_name(db_file.stem + ".codes.sqlite3")


def copy_paths(db_file: Path, folders: Iterable[Path]) -> list[Path]:
    """The ledger's copies for one database file, one per folder that a copy of the database's
    own folder does not carry along (a folder holding the database, or inside its folder, is no
    second place and is left out). Named after the database's full path: two databases on one
    PC (tests, a second install) never lift each other's counters."""
    db_file = Path(os.path.abspath(db_file))
    home = db_file.parent
    key = hashlib.sha256(os.path.normcase(str(db_file)).encode("utf-8")).hexdigest()[:16]
    found: list[Path] = []
    for given in folders:
        folder = Path(os.path.abspath(given))
        if folder.is_relative_to(home) or home.is_relative_to(folder):
            continue
        path = folder / MARKS_DIR_NAME / f"{db_file.stem}-{key}.codemarks"
        if path not in found:
            found.append(path)
    return found


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS issued (unit TEXT NOT NULL, day TEXT NOT NULL, "
    "last_value INTEGER NOT NULL, PRIMARY KEY (unit, day))",
    # Codes issued and printed that a database put back no longer holds (never to be reissued;
    # the centre must find those citizens): `doctor` keeps naming them.
    "CREATE TABLE IF NOT EXISTS lost (code TEXT PRIMARY KEY, found_at TEXT NOT NULL)",
)


class _Store:
    """One file of the ledger (the one beside the database, or a copy)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _create_private_file(self.path)
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            conn.isolation_level = None
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # durable before the code is shown
            for statement in _SCHEMA:
                conn.execute(statement)
            self._conn = conn
        return self._conn

    def write(self, sql: str, data: Sequence[tuple[object, ...]]) -> None:
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(sql, data)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def marks(self) -> dict[Key, int]:
        rows = self._connect().execute("SELECT unit, day, last_value FROM issued").fetchall()
        return _marks(rows)

    def lost(self) -> set[str]:
        return {str(c) for (c,) in self._connect().execute("SELECT code FROM lost")}

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _marks(rows: Iterable[tuple[object, object, object]]) -> dict[Key, int]:
    return {(str(u), date.fromisoformat(str(d))): int(cast(int, n)) for u, d, n in rows}


@dataclass(frozen=True)
class Rollback:
    """A database behind the ledger: codes issued and printed that it no longer holds."""

    lost: tuple[str, ...]
    behind: tuple[str, ...] = ()  # the places found behind the highest mark, for the log

    def message(self) -> str:
        shown = ", ".join(self.lost[:SHOWN_CODES])
        more = len(self.lost) - SHOWN_CODES
        if more > 0:
            shown += f" và {more} mã khác (đủ danh sách: `counter-app doctor --json`)"
        return (
            f"Cảnh báo: dữ liệu của máy này đã bị đặt lại về một bản cũ (thư mục dữ liệu chép "
            f"đè, «Previous Versions», ảnh chụp máy ảo, tệp CSDL chép tay hoặc khôi phục): "
            f"CSDL thiếu {len(self.lost)} hồ sơ đã được cấp mã và in giấy tiếp nhận: {shown}. "
            "Các mã này không bao giờ được cấp lại (bộ đếm mã đã được nâng lên). Hãy tìm những "
            "người dân giữ giấy tiếp nhận mang các mã trên để tiếp nhận lại hồ sơ của họ."
        )


class CodeLedger:
    """Highest issued number per (unit, day), in the file beside the database and in each copy;
    safe to share between threads and processes. The one owner of every copy."""

    def __init__(self, path: Path, copies: Sequence[Path] = ()) -> None:
        self.path = Path(path)
        self.copies = tuple(Path(p) for p in copies)
        self._stores = [_Store(self.path), *(_Store(p) for p in self.copies)]
        self._lock = threading.Lock()

    @classmethod
    def for_database(cls, db_file: Path, mark_dirs: Iterable[Path] = ()) -> CodeLedger:
        return cls(ledger_path(db_file), copy_paths(db_file, mark_dirs))

    def _write_all(self, sql: str, data: Sequence[tuple[object, ...]]) -> None:
        """Into every file; one that fails is logged, and only all failing is an error (any one
        file still guards the codes)."""
        if not data:
            return
        errors: list[BaseException] = []
        with self._lock:
            for store in self._stores:
                try:
                    store.write(sql, data)
                except (sqlite3.Error, OSError) as exc:
                    log.error("code ledger %s not updated: %s", store.path, exc)
                    store.close()
                    errors.append(exc)
        if len(errors) == len(self._stores):
            raise sqlite3.OperationalError(f"{self.path}: {errors[0]}") from errors[0]

    def record(self, rows: Iterable[tuple[str, date, int]]) -> None:
        """Raise the ledger to each (unit, day, number); never lowers anything."""
        self._write_all(
            "INSERT INTO issued (unit, day, last_value) VALUES (?, ?, ?) "
            "ON CONFLICT (unit, day) DO UPDATE SET "
            "last_value = max(last_value, excluded.last_value)",
            [(unit, day.isoformat(), int(n)) for unit, day, n in rows],
        )

    def _read(self) -> list[tuple[Path, dict[Key, int]]]:
        """Each readable file's marks; an unreadable one is logged and left out."""
        found: list[tuple[Path, dict[Key, int]]] = []
        errors: list[BaseException] = []
        with self._lock:
            for store in self._stores:
                try:
                    found.append((store.path, store.marks()))
                except (sqlite3.Error, OSError) as exc:
                    log.error("code ledger %s unreadable: %s", store.path, exc)
                    store.close()
                    errors.append(exc)
        if not found:
            raise sqlite3.OperationalError(f"{self.path}: {errors[0]}") from errors[0]
        return found

    def all(self) -> dict[Key, int]:
        """The highest mark of every file."""
        return merge(*(marks for _, marks in self._read()))

    def lost(self) -> set[str]:
        """Codes recorded lost in any file."""
        found: set[str] = set()
        with self._lock:
            for store in self._stores:
                try:
                    found |= store.lost()
                except (sqlite3.Error, OSError) as exc:
                    log.error("code ledger %s unreadable: %s", store.path, exc)
                    store.close()
        return found

    def reconcile(
        self, in_db: Mapping[Key, int], *, now: datetime | None = None
    ) -> tuple[dict[Key, int], Rollback | None]:
        """Every file and the database (`issued_in`) compared: the highest of each (unit, day),
        files found behind brought up to it, and the codes the database lacks (a rollback)
        recorded as lost and returned, with a warning in the log. Never lowers anything."""
        read = self._read()
        highest = merge(in_db, *(marks for _, marks in read))
        behind = [
            str(path)
            for path, marks in read
            if any(marks.get(key, 0) < n for key, n in highest.items())
        ]
        if behind:
            self.record((unit, day, n) for (unit, day), n in highest.items())
        lost = tuple(
            format_code(unit, day, number)
            for (unit, day), n in sorted(highest.items())
            if not is_register_key(unit)  # a register book's entries, not dossier codes
            for number in range(in_db.get((unit, day), 0) + 1, n + 1)
        )
        if not lost:
            if behind:
                log.info("code ledger copies brought up to date: %s", ", ".join(behind))
            return highest, None
        behind.append("CSDL")
        stamp = (now or datetime.now()).isoformat(timespec="seconds")
        self._write_all(
            "INSERT INTO lost (code, found_at) VALUES (?, ?) ON CONFLICT (code) DO NOTHING",
            [(code, stamp) for code in lost],
        )
        rollback = Rollback(lost, tuple(behind))
        log.warning("%s (behind: %s)", rollback.message(), ", ".join(behind))
        return highest, rollback

    def close(self) -> None:
        with self._lock:
            for store in self._stores:
                store.close()


def read_only_marks(paths: Iterable[Path]) -> tuple[dict[Key, int], set[str], list[str]]:
    """For `doctor`, which only looks: the highest marks and the lost codes of the files that
    exist, and what could not be read."""
    highest: dict[Key, int] = {}
    lost: set[str] = set()
    errors: list[str] = []
    for path in paths:
        if not path.exists():
            continue
        try:
            conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
            try:
                names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
                if "issued" in names:
                    rows = conn.execute("SELECT unit, day, last_value FROM issued").fetchall()
                    highest = merge(highest, _marks(rows))
                if "lost" in names:
                    lost |= {str(c) for (c,) in conn.execute("SELECT code FROM lost")}
            finally:
                conn.close()
        except (sqlite3.Error, OSError, ValueError) as exc:
            errors.append(f"{path}: {exc}")
    return highest, lost, errors


def issued_in(session: Session, *, scan_codes: bool = True) -> dict[Key, int]:
    """The highest number per (unit, day) a database holds: its counters and, with
    `scan_codes`, its codes and register entries (a scan of every dossier: ~8 s at 1,000,000)."""
    found: dict[Key, int] = {}
    for unit, day, n in session.execute(
        select(CodeSequence.unit_identifier, CodeSequence.day, CodeSequence.last_value)
    ):
        found[(unit, day)] = max(found.get((unit, day), 0), int(n))
    if not scan_codes:
        return found
    # Codes themselves, in case a counter row was lost: `<unit>-YYMMDD-NNNN`, NNNN fixed width,
    # so the largest code of a unit and day carries the largest number.
    for unit, day, code in session.execute(
        select(
            Dossier.unit_identifier, func.date(Dossier.received_at), func.max(Dossier.code)
        ).group_by(Dossier.unit_identifier, func.date(Dossier.received_at))
    ):
        try:
            key = (str(unit), day if isinstance(day, date) else date.fromisoformat(str(day)))
            n = int(str(code).rsplit("-", 1)[1])
        except (ValueError, IndexError):
            continue
        found[key] = max(found.get(key, 0), n)
    # Register entries likewise, under their book's counter key (dossier_codes.register_key).
    for unit, month, last in session.execute(
        select(Dossier.unit_identifier, Dossier.register_month, func.max(Dossier.register_no))
        .where(Dossier.register_no.is_not(None))
        .group_by(Dossier.unit_identifier, Dossier.register_month)
    ):
        if month is None or last is None:
            continue
        key = register_key(str(unit), month)
        found[key] = max(found.get(key, 0), int(last))
    return found


def raise_sequences(session: Session, highest: Mapping[Key, int]) -> int:
    """Lift each code counter to at least `highest[(unit, day)]`; returns how many rose."""
    if not highest:
        return 0
    table = cast(Table, CodeSequence.__table__)
    current = {
        (u, d): int(n)
        for u, d, n in session.execute(
            select(CodeSequence.unit_identifier, CodeSequence.day, CodeSequence.last_value)
        )
    }
    raised = 0
    dialect = session.get_bind().dialect.name
    for (unit, day), n in sorted(highest.items()):
        if current.get((unit, day), 0) >= n:
            continue
        if dialect in ("sqlite", "postgresql"):
            insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
            stmt = (
                insert(table)
                .values(unit_identifier=unit, day=day, last_value=n)
                .on_conflict_do_update(
                    index_elements=["unit_identifier", "day"],
                    set_={"last_value": func.max(table.c.last_value, n)}
                    if dialect == "sqlite"
                    else {"last_value": func.greatest(table.c.last_value, n)},
                )
            )
            session.execute(stmt)
        else:  # pragma: no cover - other databases
            row = session.get(CodeSequence, (unit, day), with_for_update=True)
            if row is None:
                session.add(CodeSequence(unit_identifier=unit, day=day, last_value=n))
            else:
                row.last_value = max(row.last_value, n)
        raised += 1
    if raised:
        log.warning("raised %d dossier code counters to numbers already issued", raised)
    return raised


def merge(*sources: Mapping[Key, int]) -> dict[Key, int]:
    out: dict[Key, int] = {}
    for source in sources:
        for key, n in source.items():
            out[key] = max(out.get(key, 0), n)
    return out


def missing_codes(session: Session, highest: Mapping[Key, int], lost: Iterable[str]) -> list[str]:
    """The codes issued (by the marks, or recorded lost) that the database does not hold."""
    in_db = issued_in(session)
    wanted = set(lost) | {
        format_code(unit, day, number)
        for (unit, day), n in highest.items()
        if not is_register_key(unit)
        for number in range(in_db.get((unit, day), 0) + 1, n + 1)
    }
    if not wanted:
        return []
    present: set[str] = set()
    ordered = sorted(wanted)
    for i in range(0, len(ordered), 500):
        chunk = ordered[i : i + 500]
        present |= set(session.scalars(select(Dossier.code).where(Dossier.code.in_(chunk))))
    return [code for code in ordered if code not in present]
