"""Core figures: one full intake, an A4 receipt, a lookup by code, a search without diacritics."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from counter_app.auth import system_actor
from counter_app.bench import median, percentile, timed_ms
from counter_app.identity import fold
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.search import WORDS_TABLE, SearchTerms, fts_match, index_query


def run(ctx: Any, *, search: bool = True) -> dict[str, float]:
    """The core figures; `search=False` leaves search to `search_figures` (bench --growth runs
    it on both sizes at once)."""
    services = ctx.services
    actor = system_actor()
    rng = random.Random(7)
    procedures = services.catalog.all()
    serial = iter(range(10_000_000))

    def intake() -> None:
        procedure = rng.choice(procedures)
        services.intake.receive(
            DossierDraft(
                procedure_code=procedure.code,
                applicant=ApplicantDraft(
                    name="Nguyễn Thị Thuỷ",
                    id_number=f"022190{next(serial):06d}",
                    phone="0912345678",
                    address="Số 5 đường Hạ Long, phường Bãi Cháy",
                ),
                # Land and construction papers must be scanned; the bench measures intake alone.
                undigitised_reason="Đo hiệu năng",
            ),
            clerk=actor,
        )

    timed_ms(intake, 20)  # warm-up: caches, statement compilation
    intake_ms = timed_ms(intake, 300)

    codes = ctx.sample_codes or [services.dossiers.search(limit=1, by=actor)[0].code]
    code_iter = iter(codes * 100)

    def receipt() -> None:
        services.receipts.receipt_pdf(next(code_iter), by=actor)

    timed_ms(receipt, 5)
    receipt_ms = timed_ms(receipt, 50)

    def lookup() -> None:
        services.dossiers.lookup(next(code_iter), by=actor)

    timed_ms(lookup, 20)
    lookup_ms = timed_ms(lookup, 1000)

    figures: dict[str, float] = {
        "intake_ms_p50": median(intake_ms),
        "intake_ms_p95": percentile(intake_ms, 95),
        "receipt_ms_p50": median(receipt_ms),
        "lookup_ms_p95": percentile(lookup_ms, 95),
    }
    if search:
        names = ctx.sample_names or ["Nguyễn Văn An"]
        figures.update(search_figures([(services, names)])[0])
    return figures


#: What a clerk types into the dossier list's type-ahead, keystroke by keystroke: one to three
#: letters, common and rare family names, several words, a phone prefix.
TYPED = (
    "n",
    "ng",
    "ngu",
    "nguy",
    "nguyen",
    "nguyen v",
    "nguyen van",
    "nguyen van h",
    "tran",
    "tran thi",
    "tran thi h",
    "le",
    "le thi",
    "h",
    "th",
    "thuy",
    "luong",
    "luong van",
    "ta thi",
    "dang duc",
    "vu thi m",
    "091",
)
_ROUNDS = 20
_NAMES = 120  # sampled full names (the population's frequencies: mostly common, some rare)


@dataclass
class _SearchTarget:
    """One filled file's search functions and its own sampled names."""

    fns: dict[str, Callable[[str], None]]
    names: list[str]
    close: Callable[[], None]


def _search_target(services: Any, actor: Any, sample_names: list[str]) -> _SearchTarget:
    newest_day = services.dossiers.search(limit=1, by=actor)[0].received_at.date()
    raw = services.db.engine.raw_connection()
    cur = raw.cursor()

    def search(q: str) -> None:
        services.dossiers.search(q, limit=50, by=actor)

    def today(q: str) -> None:
        # The list's default: today's dossiers, type-ahead, up to 500 lines.
        services.dossiers.search(q, day_from=newest_day, day_to=newest_day, limit=500, by=actor)

    def raw_fts(q: str) -> None:
        # The bare FTS5 query on the dossier's words, as one would write it by hand.
        cur.execute(_RAW_FTS.format(index=WORDS_TABLE), (fts_match(re.findall(r"\w+", q)),))
        cur.fetchall()

    def raw_rows(q: str) -> None:
        cur.execute(_RAW_ROWS.format(index=WORDS_TABLE), (fts_match(re.findall(r"\w+", q)),))
        cur.fetchall()

    def raw_index(q: str) -> None:
        # The bare walk of the index the search itself uses (words, or pairs for several).
        index, match = index_query(SearchTerms.parse(q))
        cur.execute(_RAW_FTS.format(index=index), (match,)).fetchall()

    def close() -> None:
        cur.close()
        raw.close()

    fns: dict[str, Callable[[str], None]] = {
        "search": search,
        "raw_fts": raw_fts,
        "raw_sql": raw_rows,
        "raw_index": raw_index,
        "today": today,
    }
    return _SearchTarget(fns, [fold(n) for n in sample_names[:_NAMES]], close)


def search_figures(targets: Sequence[tuple[Any, list[str]]]) -> list[dict[str, float]]:
    """Search as the list does it, against the bare SQL for the same queries, per filled file
    (`targets`: services and sampled names of each).

    Every query runs twice untimed first (page cache, statement caches), then the service and the
    bare queries alternate, query by query, so all see the same machine; with several files
    (`bench --growth`) each query also runs on every file in turn, so a ratio between sizes is
    measured under one load. Wall time is what a clerk waits; thread CPU time (`*_cpu_*`) leaves
    out waiting for a core on a loaded machine.
    """
    actor = system_actor()
    made = [_search_target(services, actor, names) for services, names in targets]
    try:
        typed = _alternate([(t.fns, list(TYPED)) for t in made], _ROUNDS)
        longest = max(len(t.names) for t in made)
        name_rounds = max(2, _ROUNDS * len(TYPED) // max(longest, 1))
        full = _alternate([(t.fns, t.names) for t in made], name_rounds)
    finally:
        for t in made:
            t.close()
    return [_figures(t.fns, a, b) for t, a, b in zip(made, typed, full, strict=True)]


_Samples = dict[str, tuple[list[float], list[float]]]


def _figures(
    fns: dict[str, Callable[[str], None]], typed: _Samples, full: _Samples
) -> dict[str, float]:
    wall = {k: typed[k][0] + full[k][0] for k in fns}
    cpu = {k: typed[k][1] + full[k][1] for k in fns}
    p95 = {k: percentile(v, 95) for k, v in wall.items()}
    return {
        "search_ms_p50": median(wall["search"]),
        "search_ms_p95": p95["search"],
        "search_cpu_ms_p95": percentile(cpu["search"], 95),
        "search_typed_ms_p95": percentile(typed["search"][0], 95),
        "search_names_ms_p95": percentile(full["search"][0], 95),
        "search_today_ms_p95": percentile(wall["today"], 95),
        "search_raw_fts_ms_p95": p95["raw_fts"],
        "search_raw_fts_cpu_ms_p95": percentile(cpu["raw_fts"], 95),
        "search_raw_sql_ms_p95": p95["raw_sql"],
        "search_raw_index_ms_p95": p95["raw_index"],
        "search_vs_raw_fts": p95["search"] / max(p95["raw_fts"], 1e-6),
        "search_vs_raw_sql": p95["search"] / max(p95["raw_sql"], 1e-6),
        "search_vs_raw_index": p95["search"] / max(p95["raw_index"], 1e-6),
        "search_samples": float(len(wall["search"])),
    }


def _alternate(
    targets: Sequence[tuple[dict[str, Callable[[str], None]], list[str]]], rounds: int
) -> list[_Samples]:
    """Wall and thread-CPU milliseconds per target and function: query i runs on every target in
    turn, and on each by every function in turn."""
    out: list[_Samples] = [{k: ([], []) for k in fns} for fns, _ in targets]
    longest = max(len(queries) for _, queries in targets)
    for timed_round in [False, False] + [True] * rounds:  # two rounds of warm-up
        for i in range(longest):
            for (fns, queries), samples in zip(targets, out, strict=True):
                q = queries[i % len(queries)]
                for key, fn in fns.items():
                    wall0, cpu0 = time.perf_counter(), time.thread_time()
                    fn(q)
                    if timed_round:
                        samples[key][1].append((time.thread_time() - cpu0) * 1000)
                        samples[key][0].append((time.perf_counter() - wall0) * 1000)
    return out


# The floor a search can reach: the bare FTS5 walk (ids only) and the bare SQL returning the same
# list columns, both straight through the DB-API on the same file.
_RAW_FTS = "SELECT rowid FROM {index} WHERE {index} MATCH ? ORDER BY rowid DESC LIMIT 50"
_RAW_ROWS = (
    "SELECT d.id, d.code, d.applicant_name, p.code, p.name, d.status, d.received_at,"
    " d.appointment_at, d.counter_no, d.clerk_name FROM dossier d"
    " JOIN procedure p ON p.id = d.procedure_id WHERE d.id IN"
    " (SELECT rowid FROM {index} WHERE {index} MATCH ? ORDER BY rowid DESC LIMIT 50)"
    " ORDER BY d.id DESC"
)
