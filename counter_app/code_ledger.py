"""The code ledger: the highest dossier number this counter ever issued, per unit and day.

The register's entry numbers ride along under their book's key (`dossier_codes.register_key`:
unit "<unit>#SO", day = first of the month), so a restore never reissues one either.

A small SQLite file beside the database (`<db>.codes.sqlite3`) that `restore` never replaces and
migrations never touch. Every intake records its number there after the commit; before a restore
the database being replaced is scanned into it; at every start, after a restore and after a
migration the database's code counters are raised to it (and to the provincial server's
high-water mark). So the next number is always above every code already printed on a receipt,
whatever backup was put back.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from counter_app.db.engine import _create_private_file
from counter_app.db.models import CodeSequence, Dossier
from counter_app.dossier_codes import register_key

log = logging.getLogger(__name__)

Key = tuple[str, date]


def ledger_path(db_file: Path) -> Path:
    return db_file.with_name(db_file.stem + ".codes.sqlite3")


class CodeLedger:
    """Highest issued number per (unit, day); safe to share between threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            _create_private_file(self.path)
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            conn.isolation_level = None
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS issued (unit TEXT NOT NULL, day TEXT NOT NULL, "
                "last_value INTEGER NOT NULL, PRIMARY KEY (unit, day))"
            )
            self._conn = conn
        return self._conn

    def record(self, rows: Iterable[tuple[str, date, int]]) -> None:
        """Raise the ledger to each (unit, day, number); never lowers anything."""
        data = [(unit, day.isoformat(), int(n)) for unit, day, n in rows]
        if not data:
            return
        with self._lock:
            conn = self._connect()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "INSERT INTO issued (unit, day, last_value) VALUES (?, ?, ?) "
                    "ON CONFLICT (unit, day) DO UPDATE SET "
                    "last_value = max(last_value, excluded.last_value)",
                    data,
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def all(self) -> dict[Key, int]:
        with self._lock:
            rows = self._connect().execute("SELECT unit, day, last_value FROM issued").fetchall()
        return {(str(u), date.fromisoformat(str(d))): int(n) for u, d, n in rows}

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def issued_in(session: Session) -> dict[Key, int]:
    """The highest number per (unit, day) a database holds: its counters and its codes."""
    found: dict[Key, int] = {}
    for unit, day, n in session.execute(
        select(CodeSequence.unit_identifier, CodeSequence.day, CodeSequence.last_value)
    ):
        found[(unit, day)] = max(found.get((unit, day), 0), int(n))
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
