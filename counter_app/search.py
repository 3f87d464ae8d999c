"""Dossier search: name, ID number, code or phone without diacritics, newest first, flat in time.

The dossier list's type-ahead runs this on every keystroke ("n", "ng", "nguyen van", "tran thi h"),
usually with today's date as a filter, on a counter holding years of history. Every path here walks
an index to the newest few matches and stops, so the cost stays the same at 100,000 or 1,000,000
dossiers:

- SQLite: FTS5 on the folded `dossier.search_text`, with a prefix index for every length up to 7
  (migration 0008): a word prefix is one doclist that FTS5 reads backwards from the newest rowid.
  The FTS table is queried alone when there are no other filters; with a date range the walk is
  bounded to the range's ids, so "ng" on today's list does not walk five years of "nguyen".
- PostgreSQL: LIKE on the folded text, served by the trigram GIN index or by a backward walk of the
  primary key, whichever the planner prices lower (see the notes in `_postgres_filters`).
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic, perf_counter, sleep
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    TextClause,
    column,
    false,
    func,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from counter_app.db.models import Dossier
from counter_app.domain import DossierStatus
from counter_app.dossier_codes import extract_code
from counter_app.identity import fold

T = TypeVar("T", bound=tuple[Any, ...])

#: A date range with at most this many dossiers bounds the FTS walk to its ids; a wider one is
#: walked from the newest match (counting the ids of a wide range would cost more than it saves).
RANGE_BOUND_ROWS = 20_000

_FTS = table("dossier_fts", column("rowid"))


def dossier_search_text(name: str, id_number: str, code: str, phone: str) -> str:
    """The folded text a dossier is found by (name, ID, code, phone): what the FTS table indexes
    and `SearchTerms` folds queries to match."""
    return fold(f"{name} {id_number} {code} {phone}")


@dataclass(frozen=True)
class SearchTerms:
    """What a typed query asks for: an exact dossier code, or folded words (each a prefix)."""

    code: str | None
    words: tuple[str, ...]

    @classmethod
    def parse(cls, query: str) -> SearchTerms:
        code = extract_code(query)
        if code is not None:
            return cls(code, ())
        return cls(None, tuple(re.findall(r"\w+", fold(query))))


def fts_match(words: Sequence[str]) -> str:
    """The FTS5 query for folded words: each a prefix, all required, quoted (no FTS syntax)."""
    return " AND ".join(f'"{w}"*' for w in words)


def received_range(day_from: date | None, day_to: date | None) -> tuple[datetime | None, ...]:
    """[start, end) of received_at for an inclusive day range (None: open on that side)."""
    start = datetime.combine(day_from, time.min) if day_from is not None else None
    end = datetime.combine(day_to + timedelta(days=1), time.min) if day_to is not None else None
    return start, end


def restrict(
    s: Session,
    stmt: Select[T],
    query: str = "",
    *,
    day_from: date | None = None,
    day_to: date | None = None,
    statuses: Sequence[DossierStatus] | None = None,
    limit: int = 200,
) -> Select[T]:
    """`stmt` (a select from `dossier`) narrowed to the matching dossiers, newest first.

    `query` matches name, ID number, code or phone without diacritics, every word as a prefix.
    """
    start, end = received_range(day_from, day_to)
    filters: list[ColumnElement[bool]] = []
    if start is not None:
        filters.append(Dossier.received_at >= start)
    if end is not None:
        filters.append(Dossier.received_at < end)
    if statuses:
        filters.append(Dossier.status.in_([int(st) for st in statuses]))
    terms = SearchTerms.parse(query)
    if terms.code is not None:
        filters.append(Dossier.code == terms.code)
    newest = Dossier.id.desc()
    if terms.words and s.get_bind().dialect.name == "sqlite":
        bounds = _id_bounds(s, start, end)
        if bounds is not None and bounds[0] > bounds[1]:
            return stmt.where(false())  # nothing received in the range
        # One statement: the FTS walk as a subquery of at most `limit` ids, then their rows.
        walk = fts_select(terms.words, filters, limit, bounds=bounds).scalar_subquery()
        return stmt.where(Dossier.id.in_(walk)).order_by(newest)
    filters.extend(_postgres_filters(terms.words))
    return stmt.where(*filters).order_by(newest).limit(limit)


def _postgres_filters(words: Sequence[str]) -> list[ColumnElement[bool]]:
    """LIKE on the folded text (PostgreSQL, or SQLite without words).

    The trigram GIN index answers a rare word from its matches; a common one ("nguyen") is cheaper
    walking the primary key backwards until `limit` rows pass, and the planner picks by its
    statistics. Words of one or two letters have no trigram: they always walk the key.
    """
    # \w keeps "_", a LIKE wildcard: escaped, so "nguyen_van" does not match "nguyen van".
    return [Dossier.search_text.contains(w, autoescape=True) for w in words]


def _id_bounds(s: Session, start: datetime | None, end: datetime | None) -> tuple[int, int] | None:
    """Lowest and highest id received in [start, end), if the range is narrow; else None.

    Ids follow reception almost always, but dossiers rebuilt from the server keep their original
    dates with new ids: hence the true min/max over the range, not the ids at its two ends.
    """
    if start is None and end is None:
        return None
    in_range = select(Dossier.id)
    if start is not None:
        in_range = in_range.where(Dossier.received_at >= start)
    if end is not None:
        in_range = in_range.where(Dossier.received_at < end)
    capped = in_range.limit(RANGE_BOUND_ROWS + 1).subquery()
    low, high, count = s.execute(
        select(func.min(capped.c.id), func.max(capped.c.id), func.count())
    ).one()
    if count > RANGE_BOUND_ROWS:
        return None
    if count == 0:
        return (0, -1)  # nothing received in the range: an empty walk
    return int(low), int(high)


def fts_select(
    words: Sequence[str],
    filters: Sequence[ColumnElement[bool]],
    limit: int,
    *,
    bounds: tuple[int, int] | None = None,
) -> Select[tuple[int]]:
    """The newest matching dossier ids from the FTS5 index, walked in descending rowid order.

    Without other filters the FTS table is queried alone: joined to `dossier` with nothing to
    filter, SQLite used to collect and sort every match first. `bounds` limits the walk to an id
    range (FTS5 seeks to it), so a date filter does not walk every older match.
    """
    match = text("dossier_fts MATCH :match").bindparams(match=fts_match(words))
    conditions: list[ColumnElement[bool] | TextClause] = [match]
    if bounds is not None:
        conditions.append(_FTS.c.rowid.between(*bounds))
    stmt: Select[tuple[int]] = select(_FTS.c.rowid)
    if filters:
        stmt = stmt.select_from(_FTS.join(Dossier.__table__, Dossier.id == _FTS.c.rowid))
    return stmt.where(*conditions, *filters).order_by(_FTS.c.rowid.desc()).limit(limit)


def fts_ids(
    s: Session,
    words: Sequence[str],
    filters: Sequence[ColumnElement[bool]] = (),
    limit: int = 200,
    *,
    bounds: tuple[int, int] | None = None,
) -> list[int]:
    """`fts_select` run: the newest matching ids, newest first."""
    return list(s.scalars(fts_select(words, filters, limit, bounds=bounds)))


# -- index upkeep ------------------------------------------------------------------------------

#: Pages (FTS5 pgsz, ~4 KB) one merge step writes. Measured on a copy of a 1,000,000-dossier
#: file (2 busy cores): 16 pages hold the write lock p50 13 ms, p95 51 ms (64 pages: 34 / 135 ms);
#: a whole merge of 7 segments is ~1,240 such steps.
MERGE_STEP_PAGES = 16
#: Merge only when the index has more segments than this: a few small ones (today's) cost a
#: search little, and merging them into the big one rewrites the whole index.
MERGE_ABOVE_SEGMENTS = 3
#: Wall-time budget of one upkeep run; an unfinished merge goes on at the next run.
MERGE_BUDGET_S = 600.0
#: Pause between steps, longer than SQLite's longest busy-handler sleep (100 ms), so a writer
#: waiting for the lock (intake) always finds it free between two steps.
MERGE_PAUSE_S = 0.15

log = logging.getLogger(__name__)


@dataclass
class IndexUpkeep:
    """What `maintain_index` did, for the log and the tests."""

    backend: str
    segments_before: int | None = None
    segments_after: int | None = None
    steps: int = 0  # merge steps that did work
    longest_step_ms: float = 0.0  # the longest time one step held the write lock
    total_step_ms: float = 0.0
    merged: bool = False  # a merge ran (fully or in part)
    finished: bool = True  # False: stopped by the budget or at exit; it goes on next time
    optimized: bool = False  # PRAGMA optimize ran
    note: str = ""

    def summary(self) -> str:
        return (
            f"search index upkeep ({self.backend}): segments {self.segments_before} → "
            f"{self.segments_after}, {self.steps} merge steps, longest lock "
            f"{self.longest_step_ms:.1f} ms, total {self.total_step_ms:.0f} ms, "
            f"finished={self.finished}, optimize={self.optimized}. {self.note}".strip()
        )


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """SQLite's big-endian varint at `at`: (value, next offset)."""
    value = 0
    for i in range(9):
        byte = data[at + i]
        if i == 8:
            return (value << 8) | byte, at + 9
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, at + i + 1
    raise ValueError("varint")  # pragma: no cover - the loop always returns


def fts_segments(raw: Any) -> int | None:
    """How many b-tree segments the FTS index has (FTS5's structure record, row 10 of
    `dossier_fts_data`: a 4-byte cookie, an optional v2 marker, then levels and segments)."""
    row = raw.execute("SELECT block FROM dossier_fts_data WHERE id = 10").fetchone()
    if row is None or row[0] is None:
        return None
    data = bytes(row[0])
    at = 8 if data[4:8] == b"\xff\x00\x00\x01" else 4
    try:
        _levels, at = _varint(data, at)
        segments, _ = _varint(data, at)
    except (IndexError, ValueError):
        return None
    return segments


def maintain_index(
    db: Any,
    *,
    step_pages: int = MERGE_STEP_PAGES,
    above_segments: int = MERGE_ABOVE_SEGMENTS,
    budget_s: float = MERGE_BUDGET_S,
    pause_s: float = MERGE_PAUSE_S,
    stop: threading.Event | None = None,
) -> IndexUpkeep:
    """The search index's daily upkeep: merge FTS5 segments in small steps, then `PRAGMA
    optimize`. Each step is its own short write transaction, with a pause after it, so intake
    never waits long for the lock; search results are the same before and after.

    SQLite only (PostgreSQL's autovacuum keeps its statistics: nothing to do here).
    """
    if not db.is_sqlite:
        return IndexUpkeep("postgresql", note="PostgreSQL: nothing to do (autovacuum).")
    done = IndexUpkeep("sqlite")
    fairy = db.engine.raw_connection()
    try:
        raw = fairy.driver_connection
        if (
            raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'dossier_fts_data'").fetchone()
            is None
        ):
            done.note = "no FTS index"
            return done
        done.segments_before = fts_segments(raw)
        deadline = monotonic() + budget_s
        # First go on with whatever merge FTS5 has started (positive N: a merge left unfinished
        # by the last run, or a level full of segments); then, if the index still has many
        # segments, start a full one (negative N: all segments to one level, FTS5's incremental
        # "optimize") and run it to its end with positive N.
        pages, started_full = step_pages, False
        while True:
            if (stop is not None and stop.is_set()) or monotonic() > deadline:
                done.finished = False
                break
            worked, held = _merge_step(raw, pages)
            done.total_step_ms += held
            done.longest_step_ms = max(done.longest_step_ms, held)
            if worked:
                done.steps += 1
                done.merged = True
                pages = step_pages
                if stop is not None:
                    stop.wait(pause_s)
                else:
                    sleep(pause_s)
                continue
            if started_full:
                break
            segments = fts_segments(raw)
            if segments is None or segments <= above_segments:
                break
            pages, started_full = -step_pages, True
        done.segments_after = fts_segments(raw)
        raw.execute("PRAGMA optimize")
        done.optimized = True
    finally:
        fairy.close()
    return done


def _merge_step(raw: Any, pages: int) -> tuple[bool, float]:
    """One merge of about |pages| pages in its own write transaction: (did work, ms held)."""
    raw.execute("BEGIN IMMEDIATE")  # waits (busy_timeout) while intake writes
    started = perf_counter()
    try:
        before = raw.total_changes
        raw.execute("INSERT INTO dossier_fts(dossier_fts, rank) VALUES ('merge', ?)", (pages,))
        worked = raw.total_changes - before >= 2  # FTS5's documented test for "did work"
        raw.execute("COMMIT")
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    return worked, (perf_counter() - started) * 1000


def start_index_upkeep(db: Any) -> threading.Thread:
    """Run `maintain_index` once on a background thread (the daily task at start calls this):
    never raises, logs what it did; stopped between steps when the program exits."""
    stop = threading.Event()

    def run() -> None:
        try:
            log.info(maintain_index(db, stop=stop).summary())
        except Exception:  # upkeep must never stop the counter: logged, not raised
            log.exception("search index upkeep failed")

    thread = threading.Thread(target=run, name="search-index-upkeep", daemon=True)
    atexit.register(_stop_upkeep, thread, stop)
    thread.start()
    return thread


def _stop_upkeep(thread: threading.Thread, stop: threading.Event) -> None:
    stop.set()
    thread.join(timeout=5)
