"""The dashboard's queue tab: wait and service times from the centre's queue service.

The figures come over HTTP from `counter-app queue serve` on this section's own worker
(`ui.ops.Ops`), so a slow or absent queue PC never holds up the dashboard's database work; the
rest of the dashboard keeps working and this tab says, in Vietnamese, why it has no figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.queue.stats import FIGURE_KEYS, SUMMARY, show_duration, summary_lines
from counter_app.reports import Period
from ui.ops import Ops

if TYPE_CHECKING:
    from counter_app.services import CounterServices

NOT_CONFIGURED = (
    "Máy này chưa được cấu hình hệ thống xếp hàng nên không có số liệu thời gian chờ "
    "(đặt queue.server_url và queue.token: counter-app config set …)."
)

#: Columns after a group's own: (figure key, header, tooltip).
_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("tickets", "Số vé", "Số vé đã phát"),
    ("served", "Xong", "Số công dân đã phục vụ xong"),
    ("no_shows", "Vắng", "Số vé gọi mà công dân vắng mặt"),
    ("wait_s_p50", "Chờ\ntrung vị", "Thời gian chờ (lấy số → được gọi), trung vị"),
    ("wait_s_p90", "Chờ\n90%", "Thời gian chờ: 90% công dân chờ không quá"),
    ("service_s_p50", "Phục vụ\ntrung vị", "Thời gian phục vụ (được gọi → xong), trung vị"),
    ("service_s_p90", "Phục vụ\n90%", "Thời gian phục vụ: 90% lượt không quá"),
)


class FiguresTable(QTableWidget):
    """One breakdown of the queue's figures: the group's own columns, then counts and times."""

    def __init__(self, heads: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(0, len(heads) + len(_COLUMNS), parent)
        self._heads = len(heads)
        self.setHorizontalHeaderLabels([*heads, *(h for _, h, _ in _COLUMNS)])
        for i, (_, _, tip) in enumerate(_COLUMNS):
            item = self.horizontalHeaderItem(len(heads) + i)
            if item is not None:
                item.setToolTip(tip)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(heads) - 1, QHeaderView.ResizeMode.Stretch)

    def set_groups(self, groups: Sequence[tuple[Sequence[str], dict[str, Any]]]) -> None:
        self.setRowCount(len(groups))
        for r, (cells, figures) in enumerate(groups):
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.setItem(r, c, item)
            for i, (key, _, _) in enumerate(_COLUMNS):
                value = figures.get(key)
                if key.endswith(("_p50", "_p90")):
                    text = show_duration(value)
                else:
                    text = f"{int(value or 0):,}".replace(",", ".")
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(r, self._heads + i, item)

    def row_texts(self, row: int) -> list[str]:
        """Every cell of a row as shown (tests read the table as a user does)."""
        return [
            (item.text() if (item := self.item(row, c)) is not None else "")
            for c in range(self.columnCount())
        ]


class QueueSection(QWidget):
    """Headline queue figures and their breakdowns per counter, area, procedure and hour.

    Signals: `figures_did_load(dict)` with the stats shown, `figures_did_fail(str)` with the
    Vietnamese reason shown instead.
    """

    figures_did_load = Signal(object)
    figures_did_fail = Signal(str)

    def __init__(self, services: CounterServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        # Its own worker: a queue PC that does not answer must not queue the dashboard's
        # database work behind a network timeout.
        self.net = Ops(self)
        self.figures: dict[str, Any] | None = None
        self._busy = False
        self._again: Period | None = None
        self._updated = services.clock()
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.status = QLabel("")
        self.status.setObjectName("queueStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        self.values: dict[str, QLabel] = {}
        for i, (key, label, _) in enumerate(SUMMARY):
            caption = QLabel(label)
            caption.setObjectName("queueCaption")
            value = QLabel("—")
            value.setObjectName(f"queue_{key}")
            value.setProperty("figure", key)
            value.setStyleSheet("font-size: 14pt; font-weight: bold; color: #1d3557;")
            row, col = divmod(i, 5)  # counts and the longest wait, then the four times
            grid.addWidget(caption, row, col * 2)
            grid.addWidget(value, row, col * 2 + 1)
            self.values[key] = value
        grid.setColumnStretch(10, 1)
        layout.addLayout(grid)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("queueTabs")
        self.tables: dict[str, FiguresTable] = {}
        for key, label, heads in (
            ("by_counter", "Theo &quầy", ("Quầy",)),
            ("by_area", "Theo &khu vực", ("Khu vực",)),
            ("by_procedure", "Theo thủ tụ&c", ("Mã", "Thủ tục")),
            ("by_hour", "Theo &giờ lấy số", ("Giờ",)),
        ):
            table = FiguresTable(heads)
            table.setObjectName(f"queue_{key}")
            self.tables[key] = table
            self.tabs.addTab(table, label)
        layout.addWidget(self.tabs, 1)
        legend = QLabel(
            "Thời gian tính theo phút:giây. Chờ: từ lúc lấy số đến lúc được gọi; phục vụ: từ "
            "lúc được gọi đến lúc xong. 90%: chín phần mười lượt không quá thời gian này."
        )
        legend.setObjectName("queueLegend")
        legend.setWordWrap(True)
        layout.addWidget(legend)

    # -- loading -------------------------------------------------------------------------------

    @property
    def configured(self) -> bool:
        q = self.services.settings.queue
        return bool(q.server_url.strip() and q.token.strip())

    def refresh(self, period: Period) -> None:
        """Fetch the period's figures in the background; one request at a time."""
        if not self.configured:
            self._show_error(NOT_CONFIGURED, keep=False)
            return
        if self._busy:
            self._again = period
            return
        self._busy = True
        settings = self.services.settings.queue
        catalog = self.services.catalog

        def name(code: str) -> str | None:
            found = catalog.get(code)
            return found.name if found is not None else None

        def job() -> dict[str, Any]:
            from counter_app.queue.client import queue_figures

            # A short read timeout: closing the dashboard waits for a request in flight.
            return queue_figures(
                settings, period.start, period.end, procedure_name=name, read_timeout_s=5.0
            )

        self.net.op(job, self).success(self._loaded).failure(
            lambda exc: self._loaded({"error": str(exc) or type(exc).__name__})
        ).run()

    def _loaded(self, stats: dict[str, Any]) -> None:
        self._busy = False
        if "error" in stats:
            self._show_error(str(stats["error"]), keep=True)
        else:
            self._show(stats)
        if self._again is not None:
            period, self._again = self._again, None
            self.refresh(period)

    def _show_error(self, message: str, *, keep: bool) -> None:
        if keep and self.figures is not None:
            message += f" Số liệu dưới đây là của lần cập nhật lúc {self._updated:%H:%M:%S}."
        else:
            self.figures = None
            for label in self.values.values():
                label.setText("—")
            for table in self.tables.values():
                table.setRowCount(0)
        self.status.setText(message)
        self.status.setStyleSheet("color: #b3261e;")
        self.figures_did_fail.emit(message)

    def _show(self, stats: dict[str, Any]) -> None:
        self.figures = stats
        self._updated = self.services.clock()
        self.status.setText(f"Số liệu hệ thống xếp hàng, cập nhật lúc {self._updated:%H:%M:%S}.")
        self.status.setStyleSheet("")
        for key, _, text in summary_lines(stats):
            self.values[key].setText(text)
        self._fill("by_counter", stats, lambda g: (f"Quầy số {g['counter']}",))
        self._fill("by_area", stats, lambda g: (f"{g['area']} — {g.get('name') or g['area']}",))
        self._fill(
            "by_procedure",
            stats,
            lambda g: (str(g["procedure"]), g.get("name") or "(không có trong danh mục)"),
        )
        self._fill("by_hour", stats, lambda g: (f"{int(g['hour']):02d}h",))
        self.figures_did_load.emit(stats)

    def _fill(
        self, key: str, stats: dict[str, Any], cells: Callable[[dict[str, Any]], Sequence[str]]
    ) -> None:
        groups = [(cells(g), {k: g.get(k) for k in FIGURE_KEYS}) for g in stats.get(key, [])]
        self.tables[key].set_groups(groups)

    def shutdown(self) -> None:
        self.net.shutdown()
