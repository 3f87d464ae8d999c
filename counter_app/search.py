"""Dossier search: name, ID number, code or phone without diacritics, newest first, flat in time.

The dossier list's type-ahead runs this on every keystroke ("n", "ng", "nguyen van", "tran thi h"),
usually with today's date as a filter, on a counter holding years of history. Every path here walks
an index to the newest few matches and stops, so the cost stays the same at 100,000 or 1,000,000
dossiers:

- SQLite, one word: FTS5 on the folded `dossier.search_text`, with a prefix index for every length
  up to 7 (migration 0008): a word prefix is one doclist that FTS5 reads backwards from the newest
  rowid.
- SQLite, several words ("hoang thanh son", "vu thi m"): the pair index `dossier_word_pairs`
  (migration 0012) holds one token for every two word prefixes of a dossier (up to 7 letters
  each), so the query is a few rare doclists whose intersection is the answer itself. With single
  words the walk would run through the rarest word's doclist ("son": 2% of all dossiers) across
  the whole history whenever the full name has few matches, which grows with the years.
- Either table is queried alone when there are no other filters; with a date range the walk is
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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import combinations
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

#: The two FTS5 tables (SQLite): words of the search text, and pairs of word prefixes.
WORDS_TABLE = "dossier_fts"
PAIRS_TABLE = "dossier_word_pairs"
#: The SQL function the pair index's triggers call (registered on every SQLite connection).
PAIRS_FUNCTION = "dossier_word_pairs"
#: Pair tokens hold prefixes of up to this many letters, the longest Vietnamese syllable
#: ("nghieng"): a query word up to this long is matched exactly by the pair index.
PAIR_PREFIX_MAX = 7

# FTS5's unicode61 tokenizer (default categories L*, N*, Co) splits the folded text into runs of
# letters and digits; a pair token is built from the ASCII letters each such run starts with.
_TOKEN = re.compile(r"[^\W_]+")
_LEADING_LETTERS = re.compile(r"[a-z]+")
_PAIRABLE = re.compile(rf"[a-z]{{1,{PAIR_PREFIX_MAX}}}")


def dossier_search_text(name: str, id_number: str, code: str, phone: str) -> str:
    """The folded text a dossier is found by (name, ID, code, phone): what the FTS table indexes
    and `SearchTerms` folds queries to match."""
    return fold(f"{name} {id_number} {code} {phone}")


def _pair_token(a: str, b: str) -> str:
    # "0" never occurs in a prefix of letters, so a token names its two prefixes unambiguously.
    return f"{a}0{b}" if a < b else f"{b}0{a}"


def word_pairs(search_text: str | None) -> str:
    """The pair tokens of a search text: for every two of its words, every pair of their
    prefixes (1–7 letters) where neither prefix starts the other, as "a0b" with a < b.

    A dossier matches the typed words w1, w2 (each a word prefix, in any order) exactly when it
    has the token of (w1, w2): the query needs no second look at the text. Words that do not
    start with a letter (ID numbers, phones, digits of the code) have no prefixes here.
    """
    if not search_text:
        return ""
    words = [m.group() for t in _TOKEN.findall(search_text) if (m := _LEADING_LETTERS.match(t))]
    tokens: set[str] = set()
    for x, y in combinations(words, 2):
        for i in range(1, min(len(x), PAIR_PREFIX_MAX) + 1):
            a = x[:i]
            for j in range(1, min(len(y), PAIR_PREFIX_MAX) + 1):
                b = y[:j]
                # A query never pairs a word with its own prefix (see SearchTerms.pairs).
                if not (a.startswith(b) or b.startswith(a)):
                    tokens.add(_pair_token(a, b))
    return " ".join(sorted(tokens))


@dataclass(frozen=True)
class SearchTerms:
    """What a typed query asks for: an exact dossier code, or folded words (each a prefix)."""

    code: str | None
    words: tuple[str, ...]
    #: The pair tokens that answer `words` exactly, when the pair index can (else empty).
    pairs: tuple[str, ...] = field(default=())

    @classmethod
    def parse(cls, query: str) -> SearchTerms:
        code = extract_code(query)
        if code is not None:
            return cls(code, ())
        words = tuple(re.findall(r"\w+", fold(query)))
        return cls(None, words, _query_pairs(words))


def _query_pairs(words: Sequence[str]) -> tuple[str, ...]:
    """Pair tokens equivalent to "every word is a prefix of some word", or () if none are.

    A word that starts another typed word adds nothing ("ng nguyen" asks only for "nguyen"); what
    is left must be at least two words of 1–7 letters a–z, each then in some pair. Digits (ID,
    phone, code) and longer words go to the word index.
    """
    kept: list[str] = []
    for w in sorted(set(words), key=len, reverse=True):
        if not any(k.startswith(w) for k in kept):
            kept.append(w)
    if len(kept) < 2 or not all(_PAIRABLE.fullmatch(w) for w in kept):
        return ()
    return tuple(sorted({_pair_token(a, b) for a, b in combinations(kept, 2)}))


def fts_match(words: Sequence[str]) -> str:
    """The FTS5 query for folded words: each a prefix, all required, quoted (no FTS syntax)."""
    return " AND ".join(f'"{w}"*' for w in words)


def pairs_match(pairs: Sequence[str]) -> str:
    """The FTS5 query on the pair index: every token required (tokens are plain a–z and 0)."""
    return " AND ".join(pairs)


def index_query(terms: SearchTerms) -> tuple[str, str]:
    """The FTS5 table and MATCH string that answer `terms.words`: the pairs when they can."""
    if terms.pairs:
        return PAIRS_TABLE, pairs_match(terms.pairs)
    return WORDS_TABLE, fts_match(terms.words)


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
        index, match = index_query(terms)
        walk = fts_select(index, match, filters, limit, bounds=bounds).scalar_subquery()
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
    index: str,
    match: str,
    filters: Sequence[ColumnElement[bool]],
    limit: int,
    *,
    bounds: tuple[int, int] | None = None,
) -> Select[tuple[int]]:
    """The newest matching dossier ids from an FTS5 table, walked in descending rowid order.

    Without other filters the FTS table is queried alone: joined to `dossier` with nothing to
    filter, SQLite used to collect and sort every match first. `bounds` limits the walk to an id
    range (FTS5 seeks to it), so a date filter does not walk every older match.
    """
    fts = table(index, column("rowid"))
    condition = text(f"{index} MATCH :match").bindparams(match=match)
    conditions: list[ColumnElement[bool] | TextClause] = [condition]
    if bounds is not None:
        conditions.append(fts.c.rowid.between(*bounds))
    stmt: Select[tuple[int]] = select(fts.c.rowid)
    if filters:
        stmt = stmt.select_from(fts.join(Dossier.__table__, Dossier.id == fts.c.rowid))
    return stmt.where(*conditions, *filters).order_by(fts.c.rowid.desc()).limit(limit)


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
    index: str = WORDS_TABLE
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
            f"search index upkeep ({self.backend}, {self.index}): segments "
            f"{self.segments_before} → {self.segments_after}, {self.steps} merge steps, "
            f"longest lock {self.longest_step_ms:.1f} ms, total {self.total_step_ms:.0f} ms, "
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


def fts_segments(raw: Any, index: str = WORDS_TABLE) -> int | None:
    """How many b-tree segments an FTS index has (FTS5's structure record, row 10 of
    `<index>_data`: a 4-byte cookie, an optional v2 marker, then levels and segments)."""
    row = raw.execute(f"SELECT block FROM {index}_data WHERE id = 10").fetchone()
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
    index: str = WORDS_TABLE,
    optimize: bool = True,
) -> IndexUpkeep:
    """A search index's daily upkeep: merge FTS5 segments in small steps, then `PRAGMA
    optimize`. Each step is its own short write transaction, with a pause after it, so intake
    never waits long for the lock; search results are the same before and after.

    SQLite only (PostgreSQL's autovacuum keeps its statistics: nothing to do here).
    """
    if not db.is_sqlite:
        return IndexUpkeep("postgresql", index, note="PostgreSQL: nothing to do (autovacuum).")
    done = IndexUpkeep("sqlite", index)
    fairy = db.engine.raw_connection()
    try:
        raw = fairy.driver_connection
        if (
            raw.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (f"{index}_data",)).fetchone()
            is None
        ):
            done.note = "no FTS index"
            return done
        done.segments_before = fts_segments(raw, index)
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
            worked, held = _merge_step(raw, index, pages)
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
            segments = fts_segments(raw, index)
            if segments is None or segments <= above_segments:
                break
            pages, started_full = -step_pages, True
        done.segments_after = fts_segments(raw, index)
        if optimize:
            raw.execute("PRAGMA optimize")
            done.optimized = True
    finally:
        fairy.close()
    return done


def _merge_step(raw: Any, index: str, pages: int) -> tuple[bool, float]:
    """One merge of about |pages| pages in its own write transaction: (did work, ms held)."""
    raw.execute("BEGIN IMMEDIATE")  # waits (busy_timeout) while intake writes
    started = perf_counter()
    try:
        before = raw.total_changes
        raw.execute(f"INSERT INTO {index}({index}, rank) VALUES ('merge', ?)", (pages,))
        worked = raw.total_changes - before >= 2  # FTS5's documented test for "did work"
        raw.execute("COMMIT")
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    return worked, (perf_counter() - started) * 1000


def maintain_indexes(db: Any, *, stop: threading.Event | None = None) -> list[IndexUpkeep]:
    """`maintain_index` for the word index, then the pair index, then one `PRAGMA optimize`."""
    return [
        maintain_index(db, stop=stop, index=WORDS_TABLE, optimize=False),
        maintain_index(db, stop=stop, index=PAIRS_TABLE),
    ]


def start_index_upkeep(db: Any) -> threading.Thread:
    """Run `maintain_indexes` once on a background thread (the daily task at start calls this):
    never raises, logs what it did; stopped between steps when the program exits."""
    stop = threading.Event()

    def run() -> None:
        try:
            for done in maintain_indexes(db, stop=stop):
                log.info(done.summary())
        except Exception:  # upkeep must never stop the counter: logged, not raised
            log.exception("search index upkeep failed")

    thread = threading.Thread(target=run, name="search-index-upkeep", daemon=True)
    atexit.register(_stop_upkeep, thread, stop)
    thread.start()
    return thread


def _stop_upkeep(thread: threading.Thread, stop: threading.Event) -> None:
    stop.set()
    thread.join(timeout=5)
