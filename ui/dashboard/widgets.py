"""Small pieces of the supervisor's dashboard: figure tiles, the hourly chart, breakdown tables."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QMargins, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


class FigureTile(QFrame):
    """One headline figure; a click asks for the list behind it.

    Signals: `tile_clicked()`.
    """

    tile_clicked = Signal()

    def __init__(self, caption: str, tone: str = "normal", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Bấm để xem danh sách")
        self.setProperty("tone", tone)
        self.value = QLabel("—")
        self.value.setObjectName("tileValue")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel(caption)
        self.caption.setObjectName("tileCaption")
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel("")
        self.detail.setObjectName("tileDetail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)
        layout.addWidget(self.detail)
        self.setMinimumWidth(120)
        # Tab reaches every tile; Enter or Space opens its list like a click.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.tile_clicked.emit()
            return
        super().keyPressEvent(event)

    def set_value(self, value: int, detail: str = "", caption: str | None = None) -> None:
        self.value.setText(f"{value:,}".replace(",", "."))
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        if caption is not None:
            self.caption.setText(caption)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.tile_clicked.emit()
        super().mouseReleaseEvent(event)


class HourChart(QChartView):
    """Dossiers received per hour as bars; clicking a bar asks for that hour's list.

    Signals: `hour_clicked(int)`.
    """

    hour_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        chart = QChart()
        chart.setTitle("Hồ sơ tiếp nhận theo giờ")
        chart.legend().hide()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundRoundness(0)
        super().__init__(chart, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(260)
        self._hours: list[int] = []
        self.counts: dict[int, int] = {}
        # By keyboard: Left/Right choose an hour (shown in the chart's title), Enter opens it.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.current = -1

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key = event.key()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and self._hours:
            step = 1 if key == Qt.Key.Key_Right else -1
            self.current = max(0, min(len(self._hours) - 1, self.current + step))
            self._show_current()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self._hours:
            self.hour_clicked.emit(self._hours[max(0, self.current)])
            return
        super().keyPressEvent(event)

    def _show_current(self) -> None:
        title = "Hồ sơ tiếp nhận theo giờ"
        if 0 <= self.current < len(self._hours):
            hour = self._hours[self.current]
            title += f" — {hour:02d}h: {self.counts.get(hour, 0)} hồ sơ (Enter để xem)"
        self.chart().setTitle(title)

    def set_counts(self, counts: dict[int, int]) -> None:
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        self.counts = dict(counts)
        self._hours = list(counts)
        self.current = min(self.current, len(self._hours) - 1)
        self._show_current()
        bars = QBarSet("Số hồ sơ")
        bars.setColor(QColor("#2F6DB5"))
        bars.setLabelColor(QColor("#1d3557"))
        bars.append([float(n) for n in counts.values()])
        bars.clicked.connect(lambda index: self.hour_clicked.emit(self._hours[index]))
        series = QBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)
        series.setBarWidth(0.7)
        series.setLabelsFormat("@value")
        chart.addSeries(series)
        x = QBarCategoryAxis()
        x.append([f"{h:02d}h" for h in self._hours])
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x)
        y = QValueAxis()
        top = max([*counts.values(), 1])
        y.setRange(0, top + max(1, top // 5))
        y.setLabelFormat("%d")
        y.setTickCount(min(6, top + 2))
        y.applyNiceNumbers()  # round ticks (0, 100, 200…) instead of fractions of the maximum
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(y)


class BreakdownTable(QTableWidget):
    """A figure broken down (by procedure, counter...); double-click a row for its list.

    Signals: `row_activated(str)` with the row's key.
    """

    row_activated = Signal(str)

    def __init__(self, headers: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(0, len(headers), parent)
        self.setHorizontalHeaderLabels(list(headers))
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self._stretch = 0 if len(headers) <= 2 else 1
        header.setSectionResizeMode(self._stretch, QHeaderView.ResizeMode.Stretch)
        self.setToolTip("Bấm đúp vào một dòng để xem danh sách hồ sơ")
        self._keys: list[str] = []
        self.cellDoubleClicked.connect(self._activated)
        self.cellActivated.connect(self._activated)

    def set_rows(self, rows: Sequence[tuple[str, Sequence[str], int]]) -> None:
        """Rows as (key, text cells, count); the count goes in the last column, right-aligned."""
        self.setRowCount(len(rows))
        self._keys = [key for key, _, _ in rows]
        for r, (_, cells, count) in enumerate(rows):
            for c, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)  # long procedure names are elided in the column
                self.setItem(r, c, cell)
            item = QTableWidgetItem(f"{count:,}".replace(",", "."))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(r, len(cells), item)

    def key_at(self, row: int) -> str:
        return self._keys[row]

    def count_at(self, row: int) -> int:
        item = self.item(row, self.columnCount() - 1)
        return int(item.text().replace(".", "")) if item is not None else 0

    def _activated(self, row: int, _column: int) -> None:
        if 0 <= row < len(self._keys):
            self.row_activated.emit(self._keys[row])
