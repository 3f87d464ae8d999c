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

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
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
