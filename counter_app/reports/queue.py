"""The queue's wait and service figures as the report exports show them (XLSX sheet, PDF part).

Fetched from the centre's queue service (`counter_app.queue.client.queue_figures`); when the
service is not configured on this PC or does not answer, the export says so in one sentence and
everything else in it is still produced.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from counter_app.queue.stats import show_duration, summary_lines

NOT_CONFIGURED = (
    "Máy này chưa được cấu hình hệ thống xếp hàng (queue.server_url, queue.token) nên báo cáo "
    "không có số liệu thời gian chờ và phục vụ."
)
UNREACHABLE = "{reason} Báo cáo không có số liệu hàng đợi; các phần khác vẫn đầy đủ."
LEGEND = (
    "Thời gian tính theo phút:giây (giờ:phút:giây khi quá một giờ). Chờ: từ lúc lấy số đến lúc "
    "được gọi; phục vụ: từ lúc được gọi đến lúc xong. 90%: chín phần mười lượt không quá thời "
    "gian này."
)

#: The figures of each breakdown row after the group's own cells: (key, header).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("tickets", "Số vé"),
    ("served", "Xong"),
    ("no_shows", "Vắng mặt"),
    ("wait_s_p50", "Chờ, trung vị"),
    ("wait_s_p90", "Chờ, 90%"),
    ("service_s_p50", "Phục vụ, trung vị"),
    ("service_s_p90", "Phục vụ, 90%"),
)


def _counter(g: Mapping[str, Any]) -> list[str]:
    return [f"Quầy số {g['counter']}"]


def _area(g: Mapping[str, Any]) -> list[str]:
    return [f"{g['area']} — {g.get('name') or g['area']}"]


def _procedure(g: Mapping[str, Any]) -> list[str]:
    return [str(g["procedure"]), str(g.get("name") or "(không có trong danh mục)")]


def _hour(g: Mapping[str, Any]) -> list[str]:
    return [f"{int(g['hour']):02d}h"]


#: (stats key, title, the group's own headers, its cells) in the dashboard's order.
BREAKDOWNS: tuple[
    tuple[str, str, tuple[str, ...], Callable[[Mapping[str, Any]], list[str]]], ...
] = (
    ("by_counter", "Theo quầy", ("Quầy",), _counter),
    ("by_area", "Theo khu vực", ("Khu vực",), _area),
    ("by_procedure", "Theo thủ tục", ("Mã thủ tục", "Thủ tục"), _procedure),
    ("by_hour", "Theo giờ lấy số", ("Giờ",), _hour),
)


def show_figure(key: str, value: Any) -> str:
    """A breakdown cell as the dashboard shows it: times m:ss, counts with thousands dots."""
    if key.endswith(("_p50", "_p90")):
        return show_duration(value)
    return f"{int(value or 0):,}".replace(",", ".")


@dataclass(frozen=True)
class QueueFigures:
    """The queue's stats of a report's period, or the Vietnamese reason there are none.

    Picklable (plain data), so the window's render process can draw it.
    """

    stats: Mapping[str, Any] | None = None
    problem: str = ""
    reason: str = ""  # the queue client's own message (JSON "error"), when it failed
    fetched_at: datetime | None = None
    configured: bool = True

    @property
    def ok(self) -> bool:
        return self.stats is not None

    def headline(self) -> list[tuple[str, str]]:
        """(label, text) of the nine headline figures."""
        return [(label, text) for _, label, text in summary_lines(self.stats or {})]

    def breakdown(self, key: str) -> list[list[str]]:
        """The rows of one breakdown: the group's cells, then each of COLUMNS shown."""
        cells = next(b[3] for b in BREAKDOWNS if b[0] == key)
        rows = []
        for g in (self.stats or {}).get(key, []):
            rows.append([*cells(g), *(show_figure(k, g.get(k)) for k, _ in COLUMNS)])
        return rows

    def source_line(self) -> str:
        """Where the figures come from, or why there are none (one sentence for the export)."""
        if self.stats is None:
            return self.problem
        at = f" lúc {self.fetched_at:%H:%M:%S %d/%m/%Y}" if self.fetched_at else ""
        return f"Số liệu của hệ thống xếp hàng, lấy{at}."

    def as_json(self) -> dict[str, Any]:
        """`report --json` "queue": the stats, or {"error": reason}."""
        if self.stats is not None:
            return dict(self.stats)
        return {"error": self.reason or self.problem}


def fetch_queue_figures(
    services: Any, start: Any, end: Any, *, read_timeout_s: float = 5.0
) -> QueueFigures:
    """The period's queue figures, procedures named from this counter's catalog. Never raises
    for a queue that is absent or down: the report of dossiers must not fail because of it."""
    from counter_app.queue.client import queue_figures

    settings = services.settings.queue
    if not (settings.server_url.strip() and settings.token.strip()):
        return QueueFigures(problem=NOT_CONFIGURED, configured=False)

    def name(code: str) -> str | None:
        found = services.catalog.get(code)
        return found.name if found is not None else None

    stats = queue_figures(settings, start, end, procedure_name=name, read_timeout_s=read_timeout_s)
    if "error" in stats:
        reason = _sentence(str(stats["error"]))
        return QueueFigures(problem=UNREACHABLE.format(reason=reason), reason=reason)
    return QueueFigures(stats=stats, fetched_at=services.clock())


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def breakdown_headers(heads: Sequence[str]) -> list[str]:
    return [*heads, *(h for _, h in COLUMNS)]
