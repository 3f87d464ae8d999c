"""Core figures: one full intake, an A4 receipt, a lookup by code, a search without diacritics."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from typing import Any

from counter_app.auth import system_actor
from counter_app.bench import median, percentile, timed_ms
from counter_app.identity import fold
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.search import fts_match


def run(ctx: Any) -> dict[str, float]:
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

    search = _search_figures(services, actor, ctx.sample_names or ["Nguyễn Văn An"])
    return {
        "intake_ms_p50": median(intake_ms),
        "intake_ms_p95": percentile(intake_ms, 95),
        "receipt_ms_p50": median(receipt_ms),
        "lookup_ms_p95": percentile(lookup_ms, 95),
        **search,
    }


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


def _search_figures(services: Any, actor: Any, sample_names: list[str]) -> dict[str, float]:
    """Search as the list does it, against the bare SQL for the same queries on the same file.

    Every query runs twice untimed first (page cache, statement caches), then the service and the
    bare query alternate, query by query, so both see the same machine. Wall time is what a clerk
    waits; thread CPU time (`*_cpu_*`) leaves out waiting for a core on a loaded machine.
    """
    names = [fold(n) for n in sample_names[:_NAMES]]
    typed_q, names_q = list(TYPED), names
    newest_day = services.dossiers.search(limit=1, by=actor)[0].received_at.date()
    raw = services.db.engine.raw_connection()
    try:
        cur = raw.cursor()

        def search(q: str) -> None:
            services.dossiers.search(q, limit=50, by=actor)

        def today(q: str) -> None:
            # The list's default: today's dossiers, type-ahead, up to 500 lines.
            services.dossiers.search(q, day_from=newest_day, day_to=newest_day, limit=500, by=actor)

        def raw_fts(q: str) -> None:
            cur.execute(_RAW_FTS, (fts_match(re.findall(r"\w+", q)),)).fetchall()

        def raw_rows(q: str) -> None:
            cur.execute(_RAW_ROWS, (fts_match(re.findall(r"\w+", q)),)).fetchall()

        fns: dict[str, Callable[[str], None]] = {
            "search": search,
            "raw_fts": raw_fts,
            "raw_sql": raw_rows,
            "today": today,
        }
        typed = _alternate(fns, typed_q, _ROUNDS)
        full = _alternate(fns, names_q, max(2, _ROUNDS * len(typed_q) // max(len(names_q), 1)))
        cur.close()
    finally:
        raw.close()
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
        "search_vs_raw_fts": p95["search"] / max(p95["raw_fts"], 1e-6),
        "search_vs_raw_sql": p95["search"] / max(p95["raw_sql"], 1e-6),
        "search_samples": float(len(wall["search"])),
    }


def _alternate(
    fns: dict[str, Callable[[str], None]], queries: list[str], rounds: int
) -> dict[str, tuple[list[float], list[float]]]:
    """Wall and thread-CPU milliseconds per function, each query run by every function in turn."""
    out: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in fns}
    for _ in range(2):  # warm-up
        for q in queries:
            for fn in fns.values():
                fn(q)
    for _ in range(rounds):
        for q in queries:
            for key, fn in fns.items():
                wall0, cpu0 = time.perf_counter(), time.thread_time()
                fn(q)
                out[key][1].append((time.thread_time() - cpu0) * 1000)
                out[key][0].append((time.perf_counter() - wall0) * 1000)
    return out


# The floor a search can reach: the bare FTS5 walk (ids only) and the bare SQL returning the same
# list columns, both straight through the DB-API on the same file.
_RAW_FTS = "SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH ? ORDER BY rowid DESC LIMIT 50"
_RAW_ROWS = (
    "SELECT d.id, d.code, d.applicant_name, p.code, p.name, d.status, d.received_at,"
    " d.appointment_at, d.counter_no, d.clerk_name FROM dossier d"
    " JOIN procedure p ON p.id = d.procedure_id WHERE d.id IN"
    " (SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH ? ORDER BY rowid DESC LIMIT 50)"
    " ORDER BY d.id DESC"
)
