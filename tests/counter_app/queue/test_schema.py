"""The queue's versioned tables: a version-1 database (before figures per procedure) is upgraded
in place with every ticket kept; a newer database is refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from counter_app.queue.domain import QueueError
from counter_app.queue.schema import SCHEMA_VERSION
from counter_app.queue.store import QueueStore


def _version(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        row = db.execute("SELECT value FROM queue_meta WHERE key='schema_version'").fetchone()
    finally:
        db.close()
    return str(row[0])


def test_a_version_1_database_is_upgraded_keeping_its_tickets(tmp_path: Path) -> None:
    path = tmp_path / "queue.sqlite3"
    store = QueueStore.open(f"sqlite:///{path}")
    store.issue("A")
    store.call_next(1)
    store.close()
    # Make it what version 1 wrote: no procedure column.
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE queue_ticket DROP COLUMN procedure_code")
    db.execute("UPDATE queue_meta SET value='1' WHERE key='schema_version'")
    db.commit()
    db.close()

    store = QueueStore.open(f"sqlite:///{path}")
    ticket = store.serve("A001", "DOSSIER-1", "1.001")
    assert ticket.state.value == "serving" and ticket.procedure_code == "1.001"
    assert store.issue("A").ticket.number == "A002"  # the day's numbering carried on
    store.close()
    assert _version(path) == str(SCHEMA_VERSION) == "2"


def test_a_newer_database_is_refused_in_vietnamese(tmp_path: Path) -> None:
    path = tmp_path / "queue.sqlite3"
    QueueStore.open(f"sqlite:///{path}").close()
    db = sqlite3.connect(path)
    db.execute("UPDATE queue_meta SET value='99' WHERE key='schema_version'")
    db.commit()
    db.close()
    with pytest.raises(QueueError, match="phiên bản mới hơn"):
        QueueStore.open(f"sqlite:///{path}")
