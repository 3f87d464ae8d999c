"""Wait and service times of the queue: the one place `queue stats`, `report` and the dashboard
read them from.

Wait = issued → first call; service = (last) call → done; median and 90th percentile
(linear interpolation, as `statistics.quantiles(method="inclusive")`), overall and per counter,
service area, procedure (of the dossiers linked to the ticket) and hour of issue. A ticket
linked to dossiers of two procedures counts once under each. Tickets waiting now and the
longest current wait only count today's tickets (yesterday's never-called tickets are not
waiting any more).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row

from counter_app.queue.domain import TicketState

#: The figures every group carries (`queue stats --json` and each by_* entry).
FIGURE_KEYS = (
    "tickets",
    "served",
    "no_shows",
    "wait_s_p50",
    "wait_s_p90",
    "service_s_p50",
    "service_s_p90",
)


def percentile(samples: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (0–100) of the samples; None when there are none."""
    ordered = sorted(samples)
    if not ordered:
        return None
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    value = ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
    return round(value, 1)


def figures(rows: Sequence[Row[Any]]) -> dict[str, Any]:
    """Counts and p50/p90 of wait and service seconds of these ticket rows."""
    waits = [(r.first_called_at - r.issued_at).total_seconds() for r in rows if r.first_called_at]
    services = [
        (r.done_at - r.called_at).total_seconds()
        for r in rows
        if r.state == TicketState.DONE.value and r.done_at and r.called_at
    ]
    return {
        "tickets": len(rows),
        "served": sum(1 for r in rows if r.state == TicketState.DONE.value),
        "no_shows": sum(1 for r in rows if r.state == TicketState.SKIPPED.value),
        "wait_s_p50": percentile(waits, 50),
        "wait_s_p90": percentile(waits, 90),
        "service_s_p50": percentile(services, 50),
        "service_s_p90": percentile(services, 90),
    }


def group(
    rows: Sequence[Row[Any]], key: Callable[[Row[Any]], Any]
) -> list[tuple[Any, list[Row[Any]]]]:
    """Rows by key, keys in order (None last)."""
    groups: dict[Any, list[Row[Any]]] = {}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    return sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0]))


def procedures_of(row: Row[Any]) -> list[str]:
    """The distinct procedure codes of the dossiers linked to a ticket, in link order."""
    return list(dict.fromkeys(c for c in (row.procedure_code or "").split(",") if c))


def by_procedure(rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    groups: dict[str, list[Row[Any]]] = {}
    for r in rows:
        for code in procedures_of(r):
            groups.setdefault(code, []).append(r)
    return [{"procedure": code, **figures(groups[code])} for code in sorted(groups)]


def ticket_stats(
    rows: Sequence[Row[Any]],
    start: date,
    end: date,
    *,
    now: datetime,
    area_names: Mapping[str, str],
) -> dict[str, Any]:
    """Every figure of `queue stats --json` from the period's ticket rows."""
    waiting = [r for r in rows if r.state == TicketState.WAITING.value and r.day == now.date()]
    result = figures(rows)
    result.update(
        {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "waiting_now": len(waiting),
            "longest_wait_s": max(
                (max(0, int((now - r.issued_at).total_seconds())) for r in waiting), default=0
            ),
            "by_counter": [
                {"counter": c, **figures(g)}
                for c, g in group(rows, lambda r: r.counter)
                if c is not None
            ],
            "by_area": [
                {"area": a, "name": area_names.get(a, a), **figures(g)}
                for a, g in group(rows, lambda r: r.area)
            ],
            "by_procedure": by_procedure(rows),
            "by_hour": [
                {"hour": h, **figures(g)} for h, g in group(rows, lambda r: r.issued_at.hour)
            ],
        }
    )
    return result


def show_duration(seconds: float | None) -> str:
    """Seconds as "m:ss" (or "h:mm:ss"); "—" when there is no figure."""
    if seconds is None:
        return "—"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


#: The headline figures as the supervisor reads them (dashboard, `queue stats` without --json).
SUMMARY: tuple[tuple[str, str, bool], ...] = (  # key, label, is a duration
    ("tickets", "Số vé đã phát", False),
    ("served", "Đã phục vụ xong", False),
    ("no_shows", "Vắng mặt khi gọi", False),
    ("waiting_now", "Đang chờ lúc này", False),
    ("longest_wait_s", "Chờ lâu nhất hiện tại", True),
    ("wait_s_p50", "Thời gian chờ, trung vị", True),
    ("wait_s_p90", "Thời gian chờ, 90%", True),
    ("service_s_p50", "Thời gian phục vụ, trung vị", True),
    ("service_s_p90", "Thời gian phục vụ, 90%", True),
)


def summary_lines(stats: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(key, label, text) of each headline figure: counts with thousands dots, times m:ss."""
    lines = []
    for key, label, is_time in SUMMARY:
        value = stats.get(key)
        text = show_duration(value) if is_time else f"{int(value or 0):,}".replace(",", ".")
        lines.append((key, label, text))
    return lines
