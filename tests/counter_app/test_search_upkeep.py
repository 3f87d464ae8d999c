"""The search index's daily upkeep (counter_app/search.py `maintain_index`): FTS5 segments merged in
small steps on a real SQLite file, search results unchanged, what it did reported. No timings."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from sqlalchemy import text

from counter_app.auth import system_actor
from counter_app.db.engine import Database
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.search import fts_segments, maintain_index, start_index_upkeep

NAMES = [
    "Nguyễn Văn Hùng",
    "Trần Thị Hương",
    "Nguyễn Thị Hoa",
    "Trần Văn Nam",
    "Lê Thị Hằng",
    "Đặng Đức Anh",
    "Nguyễn Văn Long",
    "Hoàng Thanh Sơn",
    "Vũ Thị Mai",
    "Ngô Minh Huyền",
    "Nguyễn Văn An",
    "Trần Thị Hạnh",
]
QUERIES = ["ng", "nguyen van", "tran thi h", "hoang thanh son", "vu thi m", "le", "an", "0221900"]


def _fts(services: Any, sql: str) -> list[Any]:
    with services.db.engine.begin() as conn:
        result = conn.execute(text(sql))
        return list(result.fetchall()) if result.returns_rows else []


def _segments(services: Any, index: str = "dossier_fts") -> int | None:
    fairy = services.db.engine.raw_connection()
    try:
        return fts_segments(fairy.driver_connection, index)
    finally:
        fairy.close()


def _results(services: Any) -> dict[str, list[str]]:
    return {
        q: [str(r.code) for r in services.dossiers.search(q, by=system_actor())] for q in QUERIES
    }


def _receive_many(services: Any, names: list[str], start: int = 0) -> None:
    """One intake (one write transaction, so one new FTS segment) per name."""
    for i, name in enumerate(names, start):
        draft = DossierDraft("2.000908", ApplicantDraft(name, f"0221900{i:05d}"))
        services.intake.receive(draft, clerk=system_actor())


@pytest.fixture
def fragmented(services: Any) -> Any:
    """A counter file whose index has a segment per intake (automerge off while filling)."""
    for index in ("dossier_fts", "dossier_word_pairs"):
        _fts(services, f"INSERT INTO {index}({index}, rank) VALUES ('automerge', 0)")
    _receive_many(services, NAMES)
    for index in ("dossier_fts", "dossier_word_pairs"):
        _fts(services, f"INSERT INTO {index}({index}, rank) VALUES ('automerge', 2)")
        assert (_segments(services, index) or 0) >= len(NAMES)
    return services


def test_merge_leaves_one_segment_and_the_same_results(fragmented: Any) -> None:
    services = fragmented
    before = _results(services)
    assert before["nguyen van"] and before["tran thi h"]
    done = maintain_index(services.db, step_pages=1, pause_s=0)
    assert done.backend == "sqlite"
    assert done.segments_before is not None and done.segments_before >= len(NAMES)
    assert done.segments_after == 1 == _segments(services)
    assert done.merged and done.finished and done.optimized
    assert done.steps >= 1
    assert done.longest_step_ms <= done.total_step_ms
    assert "segments" in done.summary()
    assert _results(services) == before
    assert (
        _fts(services, "INSERT INTO dossier_fts(dossier_fts, rank) VALUES ('integrity-check', 1)")
        == []
    )
    # Nothing left to merge: the next day's run does no step.
    again = maintain_index(services.db, pause_s=0)
    assert (again.steps, again.merged, again.segments_after) == (0, False, 1)
    # New dossiers after the merge are found as before.
    _receive_many(services, ["Phạm Thị Ngọc"], start=50)
    assert [r.applicant_name for r in services.dossiers.search("pham ngoc", by=system_actor())] == [
        "Phạm Thị Ngọc"
    ]


def test_a_few_segments_are_left_alone(services: Any) -> None:
    _fts(services, "INSERT INTO dossier_fts(dossier_fts, rank) VALUES ('automerge', 0)")
    _receive_many(services, NAMES[:3])
    segments = _segments(services)
    assert segments == 3
    done = maintain_index(services.db, pause_s=0)  # merges only above 3 segments
    assert (done.steps, done.merged, done.segments_after) == (0, False, 3)
    assert done.optimized


def _bulk_index(services: Any, batches: int = 14, rows: int = 60) -> None:
    """Index-only rows (rowids far above any dossier, words no query uses) in one transaction
    per batch with automerge off: an index of many pages in many segments, built fast."""
    _fts(services, "INSERT INTO dossier_fts(dossier_fts, rank) VALUES ('automerge', 0)")
    for b in range(batches):
        values = ", ".join(
            f"({10_000_000 + b * rows + r}, "
            f"'{' '.join(f'zq{(b * rows + r) * 7 + k:x}' for k in range(12))}')"
            for r in range(rows)
        )
        _fts(services, f"INSERT INTO dossier_fts(rowid, search_text) VALUES {values}")
    _fts(services, "INSERT INTO dossier_fts(dossier_fts, rank) VALUES ('automerge', 2)")


def test_a_stopped_merge_goes_on_at_the_next_run(fragmented: Any) -> None:
    from counter_app import search

    services = fragmented
    _bulk_index(services)
    before = _results(services)
    stop = threading.Event()
    calls: list[bool] = []
    real = search._merge_step

    def counting(raw: Any, index: str, pages: int) -> tuple[bool, float]:
        worked, held = real(raw, index, pages)
        calls.append(worked)
        if calls.count(True) == 1:
            stop.set()  # as at exit: the pause after this step ends at once, no more steps
        return worked, held

    search._merge_step = counting  # type: ignore[assignment]
    try:
        first = maintain_index(services.db, step_pages=1, pause_s=60, stop=stop)
    finally:
        search._merge_step = real  # type: ignore[assignment]
    assert calls[-1] and first.steps == 1 and not first.finished and first.merged
    assert (first.segments_after or 0) > 1
    assert _results(services) == before  # a half-done merge searches the same
    second = maintain_index(services.db, step_pages=1, pause_s=0)
    assert second.finished and second.merged and (second.segments_after or 9) <= 3
    assert second.steps >= 2  # bounded steps, not one optimize
    assert _fts(services, "INSERT INTO dossier_fts(dossier_fts) VALUES ('integrity-check')") == []
    assert _results(services) == before


def test_daily_hook_runs_on_its_own_thread_and_logs(fragmented: Any, caplog: Any) -> None:
    services = fragmented
    caplog.set_level(logging.INFO, logger="counter_app.search")
    thread = start_index_upkeep(services.db)
    assert thread.name == "search-index-upkeep" and thread is not threading.current_thread()
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert _segments(services) == 1
    assert _segments(services, "dossier_word_pairs") == 1
    logged = [r.getMessage() for r in caplog.records]
    for index in ("dossier_fts", "dossier_word_pairs"):
        assert any(f"search index upkeep (sqlite, {index})" in m for m in logged), logged


def test_postgresql_has_nothing_to_do() -> None:
    db = Database("postgresql+psycopg://nobody@127.0.0.1:9/none")  # never connected
    done = maintain_index(db)
    assert (done.backend, done.steps, done.optimized) == ("postgresql", 0, False)
    db.dispose()
