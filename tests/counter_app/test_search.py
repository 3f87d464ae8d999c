"""Dossier search (counter_app/search.py) on a real SQLite file: results and the plans that find them.

Timings are the benchmark's business (`counter-app bench --growth`); here: the right dossiers,
newest first, prefixes, diacritics, limits, filters, and that SQLite walks the FTS5 index in rowid
order (no sort of all matches, no table scan).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import partial
from typing import Any

import pytest
from sqlalchemy import event, text

from counter_app.auth import system_actor
from counter_app.db.models import DOSSIER_FTS_PREFIX
from counter_app.domain import DossierStatus
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.search import SearchTerms, fts_match, received_range
from tests.conftest import FixedClock, make_services

NAMES = [
    "Nguyễn Văn Hùng",
    "Trần Thị Hương",
    "Nguyễn Thị Hoa",
    "Trần Văn Nam",
    "Lê Thị Hằng",
    "Đặng Đức Anh",
    "Nguyễn Văn Long",
]


def _receive(services: Any, name: str, serial: int, phone: str = "") -> str:
    draft = DossierDraft("2.000908", ApplicantDraft(name, f"0221900{serial:05d}", phone=phone))
    return str(services.intake.receive(draft, clerk=system_actor()).code)


@pytest.fixture
def filed(services: Any) -> dict[str, str]:
    """One dossier per name, received in NAMES order (so later names are newer)."""
    return {name: _receive(services, name, i) for i, name in enumerate(NAMES)}


def _names(services: Any, query: str, **kw: Any) -> list[str]:
    return [r.applicant_name for r in services.dossiers.search(query, by=system_actor(), **kw)]


def test_terms_fold_the_query_and_quote_each_word_as_a_prefix() -> None:
    assert SearchTerms.parse("Nguyễn  Văn ĐỨC").words == ("nguyen", "van", "duc")
    assert SearchTerms.parse("000.00.00.H49-261127-0001").code == "000.00.00.H49-261127-0001"
    # Quoting keeps FTS syntax typed by a user (NEAR, quotes, stars) plain text.
    assert fts_match(["near", "tran"]) == '"near"* AND "tran"*'
    assert SearchTerms.parse('"tran" OR *').words == ("tran", "or")


def test_one_to_three_letter_prefixes_and_several_words(
    services: Any, filed: dict[str, str]
) -> None:
    newest_first = list(reversed(NAMES))
    # "ng" is a prefix of nguyen only (codes, IDs and phones have no "ng…" token).
    assert _names(services, "ng") == [n for n in newest_first if n.startswith("Nguyễn")]
    assert _names(services, "ngu") == _names(services, "ng")
    assert _names(services, "tr") == ["Trần Văn Nam", "Trần Thị Hương"]
    assert _names(services, "nguyen van") == ["Nguyễn Văn Long", "Nguyễn Văn Hùng"]
    assert _names(services, "tran thi h") == ["Trần Thị Hương"]
    assert _names(services, "van nguyen") == ["Nguyễn Văn Long", "Nguyễn Văn Hùng"]  # any order
    assert _names(services, "thi ho") == ["Nguyễn Thị Hoa"]
    assert _names(services, "ngx") == []


def test_diacritics_and_d_are_folded_on_both_sides(services: Any, filed: dict[str, str]) -> None:
    assert _names(services, "dang duc") == ["Đặng Đức Anh"]
    assert _names(services, "ĐẶNG đức") == ["Đặng Đức Anh"]
    assert _names(services, "Hương") == ["Trần Thị Hương"]
    assert _names(services, "hang") == ["Lê Thị Hằng"]
    assert _names(services, "NGUYỄN VĂN") == ["Nguyễn Văn Long", "Nguyễn Văn Hùng"]


def test_newest_first_and_the_limit_keeps_the_newest(services: Any) -> None:
    codes = [_receive(services, f"Phạm Văn {given}", i) for i, given in enumerate("ABCDEFGHIK")]
    rows = services.dossiers.search("pham van", limit=4, by=system_actor())
    assert [r.code for r in rows] == list(reversed(codes))[:4]
    assert [r.id for r in rows] == sorted((r.id for r in rows), reverse=True)
    one_letter = services.dossiers.search("p", limit=3, by=system_actor())
    assert [r.code for r in one_letter] == list(reversed(codes))[:3]


def test_code_id_number_and_phone(services: Any, filed: dict[str, str]) -> None:
    code = filed["Lê Thị Hằng"]
    assert _names(services, code) == ["Lê Thị Hằng"]
    assert _names(services, code.lower()) == ["Lê Thị Hằng"]
    assert _names(services, "022190000004") == ["Lê Thị Hằng"]  # ID number, whole
    _receive(services, "Bùi Thị Mai", 99, phone="0912345678")
    assert _names(services, "09123") == ["Bùi Thị Mai"]  # phone, as a prefix


def test_date_range_finds_a_dossier_whose_id_is_out_of_date_order(
    services: Any, clock: FixedClock
) -> None:
    # Dossiers rebuilt from the server keep their date with a new id: the id bound of a day must
    # be the true min/max over that day, not the ids at its ends.
    clock.now = datetime(2026, 11, 26, 9, 0)
    late = _receive(services, "Nguyễn Văn Tư", 1)
    clock.now = datetime(2026, 11, 25, 10, 0)
    back_dated = _receive(services, "Nguyễn Văn Ba", 2)  # higher id, earlier day
    clock.now = datetime(2026, 11, 26, 10, 0)
    later = _receive(services, "Nguyễn Thị Năm", 3)
    day_26, day_25 = date(2026, 11, 26), date(2026, 11, 25)

    def codes(query: str, day: date) -> list[str]:
        rows = services.dossiers.search(query, day_from=day, day_to=day, by=system_actor())
        return [r.code for r in rows]

    assert codes("ng", day_26) == [later, late]
    assert codes("ng", day_25) == [back_dated]
    assert codes("nguyen van", day_26) == [late]
    assert codes("ng", date(2026, 11, 24)) == []  # nothing received that day
    rows = services.dossiers.search("ng", day_from=day_25, by=system_actor())
    assert [r.code for r in rows] == [later, back_dated, late]


def test_status_filter_with_words(services: Any, filed: dict[str, str]) -> None:
    actor = system_actor()
    services.dossiers.stop(filed["Nguyễn Thị Hoa"], by=actor, reason="Người nộp rút hồ sơ")
    stopped = [DossierStatus.STOPPED]
    assert _names(services, "nguyen", statuses=stopped) == ["Nguyễn Thị Hoa"]
    received = [DossierStatus.RECEIVED]
    assert _names(services, "nguyen", statuses=received) == ["Nguyễn Văn Long", "Nguyễn Văn Hùng"]


def test_received_range_is_half_open_over_whole_days() -> None:
    start, end = received_range(date(2026, 11, 25), date(2026, 11, 26))
    assert start == datetime(2026, 11, 25) and end == datetime(2026, 11, 27)
    assert received_range(None, None) == (None, None)


# -- the plans SQLite runs --------------------------------------------------------------------


@contextmanager
def _statements(services: Any) -> Iterator[list[tuple[str, Any]]]:
    """The SELECTs the service sends to the database, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    event.listen(services.db.engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(services.db.engine, "before_cursor_execute", grab)


def _plans(services: Any, run: Callable[[], object]) -> list[list[str]]:
    """EXPLAIN QUERY PLAN of every SELECT `run` sends, on the same file."""
    with _statements(services) as seen:
        run()
    raw = services.db.engine.raw_connection()
    try:
        cur = raw.cursor()
        return [
            [row[3] for row in cur.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()]
            for sql, params in seen
        ]
    finally:
        raw.close()


def _fts_plan(plans: list[list[str]], index: str = "dossier_fts") -> list[str]:
    """The one plan that walks `index` (the word or the pair FTS5 table)."""
    found = [p for p in plans if any(f"{index} VIRTUAL TABLE" in line for line in p)]
    assert len(found) == 1, plans
    return found[0]


def _walks_the_index(plan: list[str]) -> None:
    assert not any("TEMP B-TREE" in line for line in plan), plan  # no sort of all matches
    assert not any(line.startswith("SCAN dossier ") for line in plan), plan  # no table scan
    assert any(line.startswith("SEARCH dossier USING INTEGER PRIMARY KEY") for line in plan)


def test_the_fts_table_has_the_prefix_index_of_the_models(services: Any) -> None:
    with services.db.read() as s:
        sql = s.execute(text("SELECT sql FROM sqlite_master WHERE name = 'dossier_fts'")).scalar()
    assert f"prefix='{DOSSIER_FTS_PREFIX}'" in sql


def test_name_search_walks_the_fts_index_newest_first(services: Any, filed: dict[str, str]) -> None:
    # One word: the word index; several: the pair index (each a walk in rowid order).
    for query, index in (
        ("n", "dossier_fts"),
        ("ng", "dossier_fts"),
        ("nguyen van", "dossier_word_pairs"),
        ("tran thi h", "dossier_word_pairs"),
        ("nguyen 0221", "dossier_fts"),  # digits are not in the pair index
    ):
        plans = _plans(services, partial(services.dossiers.search, query, by=system_actor()))
        assert len(plans) == 1, plans  # the walk and the rows in one statement
        plan = _fts_plan(plans, index)
        _walks_the_index(plan)
        assert not any(line.startswith("SEARCH dossier USING INDEX") for line in plan)


def test_a_day_filter_bounds_the_fts_walk_to_the_days_ids(
    services: Any, filed: dict[str, str], clock: FixedClock
) -> None:
    day = clock.now.date()
    plans = _plans(
        services,
        lambda: services.dossiers.search("ng", day_from=day, day_to=day, by=system_actor()),
    )
    bounds = [p for p in plans if any("ix_dossier_received_at" in line for line in p)]
    assert bounds, plans  # the day's ids come from the received_at index
    plan = _fts_plan(plans)
    _walks_the_index(plan)
    fts_line = next(line for line in plan if "dossier_fts VIRTUAL TABLE" in line)
    # FTS5's index string: M = MATCH, > and < = rowid bounds it seeks to.
    assert ">" in fts_line.split("INDEX")[1] and "<" in fts_line.split("INDEX")[1]


def test_a_status_filter_still_walks_the_index(services: Any, filed: dict[str, str]) -> None:
    plans = _plans(
        services,
        lambda: services.dossiers.search(
            "ng", statuses=[DossierStatus.RECEIVED], by=system_actor()
        ),
    )
    _walks_the_index(_fts_plan(plans))


def test_a_status_alone_walks_the_status_index_newest_first(
    services: Any, filed: dict[str, str]
) -> None:
    """The list with a status and no words ("Mọi ngày"): no backwards scan of every dossier."""
    plans = _plans(
        services,
        lambda: services.dossiers.search("", statuses=[DossierStatus.RECEIVED], by=system_actor()),
    )
    plan = next(p for p in plans if any("dossier" in line for line in p))
    assert any("ix_dossier_status_id" in line for line in plan), plan
    assert not any(line.startswith("SCAN dossier") for line in plan), plan
    assert not any("TEMP B-TREE" in line for line in plan), plan


# -- PostgreSQL: LIKE on the folded text (substring, not word prefix), same order and limits ----


@pytest.mark.postgres
def test_search_on_postgres_newest_first_with_limits_and_days(
    pg_url: str, clock: FixedClock, app_home: Any
) -> None:
    services = make_services(pg_url, clock)
    try:
        codes = {name: _receive(services, name, i) for i, name in enumerate(NAMES)}
        assert _names(services, "nguyen van") == ["Nguyễn Văn Long", "Nguyễn Văn Hùng"]
        assert _names(services, "Đặng đức") == ["Đặng Đức Anh"]
        assert _names(services, "tran thi h") == ["Trần Thị Hương"]
        newest = services.dossiers.search("nguyen", limit=2, by=system_actor())
        assert [r.code for r in newest] == [codes["Nguyễn Văn Long"], codes["Nguyễn Thị Hoa"]]
        # A substring here, a word prefix on SQLite: "ng" also finds Đặng (known difference).
        assert _names(services, "ng")[:2] == ["Nguyễn Văn Long", "Đặng Đức Anh"]
        # "_" is a word character for the query but a LIKE wildcard: it must match itself only.
        assert _names(services, "nguyen_van") == []
        day = clock.now.date()
        assert len(_names(services, "nguyen", day_from=day, day_to=day)) == 3
        assert _names(services, "nguyen", day_from=date(2026, 1, 1), day_to=date(2026, 1, 1)) == []
    finally:
        services.close()
