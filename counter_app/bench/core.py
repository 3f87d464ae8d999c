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
    return {
        "intake_ms_p50": median(intake_ms),
        "intake_ms_p95": percentile(intake_ms, 95),
        "receipt_ms_p50": median(receipt_ms),
        "lookup_ms_p95": percentile(lookup_ms, 95),
        "search_ms_p95": percentile(search_ms, 95),
    }
