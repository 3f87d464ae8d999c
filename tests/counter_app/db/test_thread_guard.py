"""The core's Database refuses the thread a guard names (the desktop app's UI thread)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from counter_app.db.engine import Database
from counter_app.thread_guard import WrongThreadError, forbid_thread, set_thread_guard


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Database]:
    database = Database(sqlite_url)
    yield database
    database.dispose()


def test_guarded_thread_is_refused_others_are_served(db: Database) -> None:
    previous = set_thread_guard(forbid_thread(threading.get_ident()))
    try:
        with pytest.raises(WrongThreadError, match="luồng giao diện"), db.read() as s:
            s.execute(text("select 1"))
        with pytest.raises(WrongThreadError), db.write() as s:
            s.execute(text("select 1"))
        answers: list[int] = []

        def worker() -> None:
            with db.read() as s:
                answers.append(int(s.execute(text("select 41 + 1")).scalar_one()))

        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert answers == [42]
    finally:
        set_thread_guard(previous)
    with db.read() as s:  # no guard: any thread again
        assert s.execute(text("select 1")).scalar_one() == 1


def test_a_changed_catalog_is_reloaded_by_whoever_changed_it(services: object) -> None:
    """After a load (or a sync pull) the type-ahead answers from memory, on any thread."""
    catalog = services.catalog  # type: ignore[attr-defined]
    catalog.load_file()  # reloads on this (the changing) thread
    previous = set_thread_guard(forbid_thread(threading.get_ident()))
    try:
        assert catalog.find("khai sinh")
        assert catalog.get("1.001193") is not None
    finally:
        set_thread_guard(previous)
