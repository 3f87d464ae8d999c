"""Core figures: one full intake, an A4 receipt, a lookup by code, a search without diacritics."""

from __future__ import annotations

import random
from typing import Any

from counter_app.auth import system_actor
from counter_app.bench import median, percentile, timed_ms
from counter_app.identity import fold
from counter_app.intake import ApplicantDraft, DossierDraft


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

    names = ctx.sample_names or ["Nguyễn Văn An"]
    name_iter = iter([fold(n) for n in names] * 100)

    def search() -> None:
        services.dossiers.search(next(name_iter), limit=50, by=actor)

    timed_ms(search, 10)
    search_ms = timed_ms(search, 300)
    raw_ms = _raw_fts_ms(services, [fold(n) for n in names])
    return {
        "intake_ms_p50": median(intake_ms),
        "intake_ms_p95": percentile(intake_ms, 95),
        "receipt_ms_p50": median(receipt_ms),
        "lookup_ms_p95": percentile(lookup_ms, 95),
        "search_ms_p95": percentile(search_ms, 95),
        "search_raw_fts_ms_p95": percentile(raw_ms, 95),
        "search_vs_raw_fts": percentile(search_ms, 95) / max(percentile(raw_ms, 95), 1e-6),
    }


def _raw_fts_ms(services: Any, folded: list[str]) -> list[float]:
    """The bare FTS5 query for the same names on the same file: the floor a search can reach."""
    import re

    from sqlalchemy import text

    from counter_app.search import fts_match

    if not services.db.is_sqlite:
        return [float("nan")]
    queries = iter([fts_match(re.findall(r"\w+", n)) for n in folded] * 100)
    stmt = text(
        "SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH :m ORDER BY rowid DESC LIMIT 50"
    )

    def raw() -> None:
        with services.db.read() as s:
            s.execute(stmt, {"m": next(queries)}).all()

    timed_ms(raw, 10)
    return timed_ms(raw, 300)
