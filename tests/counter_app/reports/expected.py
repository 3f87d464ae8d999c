"""Report figures recomputed independently from raw rows, to check the SQL aggregates against."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text


def _dt(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def expected(
    services: Any, start: date, end: date, now: datetime, counter_no: int | None = None
) -> dict[str, Any]:
    """The documented JSON figures, by plain Python over every row of the database."""
    with services.db.engine.connect() as conn:
        dossiers = conn.execute(
            text(
                "SELECT d.received_at, d.appointment_at, d.status, d.counter_no, d.clerk_name,"
                " p.code, p.sector FROM dossier d JOIN procedure p ON p.id = d.procedure_id"
            )
        ).all()
        slips = conn.execute(text("SELECT kind, at, counter_no FROM slip")).all()
        ratings = conn.execute(
            text(
                "SELECT r.score, r.at, d.counter_no FROM rating r JOIN dossier d ON d.id = r.dossier_id"
            )
        ).all()
        outbox = conn.execute(text("SELECT state FROM outbox")).all()
    lo = datetime.combine(start, datetime.min.time())
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time())
    as_of = min(now, hi)
    due_day = min(now.date(), end)

    def mine(counter: int) -> bool:
        return counter_no is None or counter == counter_no

    in_range = [r for r in dossiers if lo <= _dt(r[0]) < hi and mine(r[3])]
    by_hour = Counter({f"{h:02d}": 0 for h in range(7, 18)})
    by_hour.update(f"{_dt(r[0]).hour:02d}" for r in in_range)
    # Issue 11: only open dossiers (2, 4, 5, 6) can be overdue or due.
    unfinished = [r for r in dossiers if r[2] in (2, 4, 5, 6) and mine(r[3])]
    rating_counts = Counter(r[0] for r in ratings if lo <= _dt(r[1]) < hi and mine(r[2]))
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "total": len(in_range),
        "by_procedure": dict(Counter(r[5] for r in in_range)),
        "by_counter": {str(k): v for k, v in Counter(r[3] for r in in_range).items()},
        "by_sector": dict(Counter(r[6] for r in in_range)),
        "by_clerk": dict(Counter(r[4] or "(không rõ cán bộ)" for r in in_range)),
        "by_hour": dict(sorted(by_hour.items())),
        "overdue": sum(1 for r in unfinished if _dt(r[1]) < as_of),
        "due_today": sum(1 for r in unfinished if _dt(r[1]).date() == due_day),
        "supplement_requests": sum(
            1 for k, at, c in slips if k == "supplement" and lo <= _dt(at) < hi and mine(c)
        ),
        "refusals": sum(
            1 for k, at, c in slips if k == "refusal" and lo <= _dt(at) < hi and mine(c)
        ),
        "ratings": {
            "very_satisfied": rating_counts.get(3, 0),
            "satisfied": rating_counts.get(2, 0),
            "unsatisfied": rating_counts.get(1, 0),
            "total": sum(rating_counts.values()),
        },
        "pending_sync": sum(1 for (state,) in outbox if state != "synced"),
    }


def comparable(report_json: dict[str, Any]) -> dict[str, Any]:
    """The report's JSON restricted to what `expected` computes."""
    ratings = report_json["ratings"]
    return {
        **{
            k: report_json[k]
            for k in (
                "from",
                "to",
                "total",
                "by_procedure",
                "by_counter",
                "by_sector",
                "by_clerk",
                "by_hour",
                "overdue",
                "due_today",
                "supplement_requests",
                "refusals",
                "pending_sync",
            )
        },
        "ratings": {k: ratings[k] for k in ("very_satisfied", "satisfied", "unsatisfied", "total")},
    }
