"""Report and kiosk figures: a day's and a month's report, and the kiosk's scan-to-answer time."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from counter_app.auth import system_actor
from counter_app.bench import median, percentile, timed_ms
from counter_app.db.models import Dossier
from counter_app.kiosk import KioskService
from counter_app.reports import Period, ReportService


def _busiest_recent_day(services: Any) -> date:
    """The last day with dossiers (the fill stops yesterday; today may be empty)."""
    with services.db.read() as s:
        last = s.scalar(select(func.max(Dossier.received_at)))
    found: date = last.date() if last is not None else services.clock().date()
    return found


def run(ctx: Any) -> dict[str, float]:
    services = ctx.services
    reports = ReportService.for_services(services)
    day = _busiest_recent_day(services)
    day_period = Period.day(day)
    month_period = Period(day.replace(day=1), day)

    timed_ms(lambda: reports.report(day_period), 3)
    day_ms = timed_ms(lambda: reports.report(day_period), 20)
    timed_ms(lambda: reports.report(month_period), 1)
    month_ms = timed_ms(lambda: reports.report(month_period), 7)

    # The kiosk as the core sees it: scan text in, public view out (no rate limit in a benchmark).
    kiosk = KioskService(services.dossiers, ctx.settings, rate_limit=False)
    codes = list(ctx.sample_codes) or [
        row.code
        for row in services.dossiers.search(day_from=day, day_to=day, limit=50, by=system_actor())
    ]
    scans = iter([f"https://tra-cuu.example/{c}" for c in codes] * (1 + 1000 // max(1, len(codes))))
    timed_ms(lambda: kiosk.scan(next(scans)), 20)
    kiosk_ms = timed_ms(lambda: kiosk.scan(next(scans)), 500)
    report = reports.report(day_period)
    return {
        "report_day_ms": median(day_ms),
        "report_month_ms": median(month_ms),
        "kiosk_lookup_ms_p95": percentile(kiosk_ms, 95),
        "report_day_rows": float(report.total),
        "report_overdue_rows": float(report.overdue),
    }
