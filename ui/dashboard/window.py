"""The supervisor's dashboard: the day's intake as it happens, drill-down, XLSX/PDF exports.

All database and export work runs through `ui.ops.Ops` (one worker thread); widgets are only
touched in the success callbacks, on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.ratings import RatingScore
from counter_app.reports import DayReport, DrillList, Figure, Period, ReportService
from counter_app.reports.figures import NO_CLERK, show_date, show_pct, show_time
from ui.dashboard.drill import DrillDialog
from ui.dashboard.queue import QueueSection
from ui.dashboard.widgets import BreakdownTable, FigureTile, HourChart
from ui.ops import Ops
from ui.widgets import fit_to_screen, pydate, qdate

if TYPE_CHECKING:
    from counter_app.services import CounterServices

REFRESH_MS = 30_000

_STYLE = """
FigureTile { background: #ffffff; border: 1px solid #c9d3df; border-radius: 6px; }
FigureTile:hover { border-color: #2f6db5; }
FigureTile:focus { border: 2px solid #2f6db5; background: #eef4fb; }
HourChart:focus { border: 2px solid #2f6db5; }
FigureTile[tone="warn"] QLabel#tileValue { color: #b3261e; }
FigureTile[tone="good"] QLabel#tileValue { color: #1e7b34; }
QLabel#tileValue { font-size: 26pt; font-weight: bold; color: #1d3557; }
QLabel#tileCaption { color: #333333; }
QLabel#tileDetail { color: #555555; font-style: italic; }
QLabel#scopeBanner { padding: 6px 10px; border-radius: 4px; }
QLabel#scopeBanner[standalone="true"] { background: #fff4d6; color: #6b4a00; }
QLabel#scopeBanner[standalone="false"] { background: #e3f0e6; color: #1e5631; }
QLabel#dashTitle { font-size: 15pt; font-weight: bold; }
"""


class DashboardWindow(QMainWindow):
    """Intake figures for a day or a range, refreshed on their own; every figure drills down.

    Signals: `report_did_load(DayReport)`, `export_did_finish(str)` with the file written.
    """

    report_did_load = Signal(object)
    export_did_finish = Signal(str)
    drill_did_open = Signal(object)

    def __init__(
        self,
        services: CounterServices,
        parent: QWidget | None = None,
        *,
        user: Any,
        ops: Ops | None = None,
        refresh_ms: int = REFRESH_MS,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.user = user  # the signed-in supervisor or admin: the core checks it on every list
        # The counter window's worker when opened from its menu; our own otherwise.
        shared = ops or getattr(parent, "ops", None)
        self._own_ops = shared is None
        self.ops: Ops = shared if isinstance(shared, Ops) else Ops(self)
        self.reports = ReportService.for_services(services)
        self.report: DayReport | None = None
        self._loading = False
        self._reload_again = False
        self.save_dialog: QWidget | None = None
        self.setWindowTitle("Bảng điều khiển — tình hình tiếp nhận hồ sơ")
        self.setStyleSheet(_STYLE)
        self._build()
        today = services.clock().date()
        self.set_period(today, today, load=False)
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self._auto_refresh)
        self.timer.start()
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.refresh)
        fit_to_screen(self, 1360, 860)
        self.refresh()

    # -- layout --------------------------------------------------------------------------------

    def _build(self) -> None:
        root = QWidget(self)
        outer = QVBoxLayout(root)
        top = QHBoxLayout()
        title = QLabel("Tình hình tiếp nhận hồ sơ")
        title.setObjectName("dashTitle")
        top.addWidget(title)
        top.addSpacing(16)
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        from_label = QLabel("Từ ngà&y")
        from_label.setBuddy(self.date_from)
        top.addWidget(from_label)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.dateChanged.connect(self._dates_changed)
        top.addWidget(self.date_from)
        to_label = QLabel("đế&n ngày")
        to_label.setBuddy(self.date_to)
        top.addWidget(to_label)
        top.addWidget(self.date_to)
        for text, slot in (
            ("&Hôm nay", self.show_today),
            ("&7 ngày", self.show_week),
            ("&Tháng này", self.show_month),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            top.addWidget(button)
        top.addStretch(1)
        self.refresh_button = QPushButton("Làm &mới")
        self.refresh_button.setShortcut("F5")
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        self.xlsx_button = QPushButton("Xuất &Excel…")
        self.xlsx_button.clicked.connect(lambda: self.export_xlsx(None))
        self.pdf_button = QPushButton("Xuất &PDF…")
        self.pdf_button.clicked.connect(lambda: self.export_pdf(None))
        self.register_button = QPushButton("&Sổ theo dõi hồ sơ (PDF)…")
        self.register_button.clicked.connect(lambda: self.export_register(None))
        outer.addLayout(top)

        status_row = QHBoxLayout()
        self.scope_banner = QLabel(self.reports.scope.label)
        self.scope_banner.setObjectName("scopeBanner")
        self.scope_banner.setProperty(
            "standalone", "false" if self.reports.scope.all_counters else "true"
        )
        status_row.addWidget(self.scope_banner, 1)
        self.updated_label = QLabel("")
        self.updated_label.setObjectName("updatedLabel")
        status_row.addWidget(self.updated_label)
        outer.addLayout(status_row)

        tiles = QGridLayout()
        self.tiles: dict[Figure, FigureTile] = {}
        specs = [
            (Figure.TOTAL, "Hồ sơ tiếp nhận", "normal"),
            (Figure.SUPPLEMENT, "Yêu cầu bổ sung", "normal"),
            (Figure.REFUSAL, "Từ chối tiếp nhận", "normal"),
            (Figure.OVERDUE, "Quá hạn, chưa xong", "warn"),
            (Figure.DUE_TODAY, "Đến hạn hôm nay, chưa xong", "normal"),
            (Figure.PENDING_SYNC, "Chờ đồng bộ lên tỉnh", "normal"),
            (Figure.RATINGS, "Lượt đánh giá", "good"),
        ]
        for i, (figure, caption, tone) in enumerate(specs):
            tile = FigureTile(caption, tone)
            tile.setObjectName(f"tile_{figure.value}")
            tile.tile_clicked.connect(lambda f=figure: self.drill(f))
            tiles.addWidget(tile, 0, i)
            self.tiles[figure] = tile
        outer.addLayout(tiles)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.chart = HourChart()
        self.chart.hour_clicked.connect(lambda h: self.drill(Figure.HOUR, str(h)))
        split.addWidget(self.chart)
        self.tabs = QTabWidget()
        self.tables: dict[Figure, BreakdownTable] = {}
        for figure, label, headers in (
            (Figure.PROCEDURE, "Theo thủ tục", ("Mã", "Thủ tục", "Lĩnh vực", "Số hồ sơ")),
            (Figure.SECTOR, "Theo lĩnh vực", ("Lĩnh vực", "Số hồ sơ")),
            (Figure.COUNTER, "Theo quầy", ("Quầy", "Số hồ sơ")),
            (Figure.CLERK, "Theo cán bộ", ("Cán bộ tiếp nhận", "Số hồ sơ")),
            (Figure.STATUS, "Theo trạng thái", ("Trạng thái hiện tại", "Số hồ sơ")),
            (Figure.DAY, "Theo ngày", ("Ngày", "Số hồ sơ")),
            (Figure.RATINGS, "Đánh giá", ("Mức đánh giá", "Số lượt")),
        ):
            table = BreakdownTable(headers)
            table.setObjectName(f"table_{figure.value}")
            table.row_activated.connect(lambda key, f=figure: self.drill(f, key))
            self.tables[figure] = table
            self.tabs.addTab(table, label)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([640, 700])
        # Wait and service times come from the centre's queue service, not this database: a
        # view of their own, the full width (a ninth breakdown tab would scroll out of sight).
        self.views = QTabWidget()
        self.views.setObjectName("dashViews")
        self.views.addTab(split, "&Biểu đồ và bảng hồ sơ")
        self.queue = QueueSection(self.services)
        self.queue.setObjectName("queueSection")
        self.views.addTab(self.queue, "&Xếp hàng: thời gian chờ, phục vụ")
        outer.addWidget(self.views, 1)

        hint = QLabel(
            "Bấm vào một ô số liệu, một cột biểu đồ hoặc bấm đúp một dòng để xem danh sách hồ sơ."
        )
        hint.setFrameShape(QFrame.Shape.NoFrame)
        hint.setObjectName("hintLabel")
        hint.setWordWrap(True)
        # The exports sit under the lists, so the top row fits a 1366-pixel-wide screen.
        bottom = QHBoxLayout()
        bottom.addWidget(hint, 1)
        for b in (self.xlsx_button, self.pdf_button, self.register_button):
            bottom.addWidget(b)
        outer.addLayout(bottom)
        self.setCentralWidget(root)

    # -- period --------------------------------------------------------------------------------

    @property
    def period(self) -> Period:
        start, end = pydate(self.date_from.date()), pydate(self.date_to.date())
        return Period(min(start, end), max(start, end))

    def set_period(self, start: date, end: date, *, load: bool = True) -> None:
        for edit, value in ((self.date_from, start), (self.date_to, end)):
            edit.blockSignals(True)
            edit.setDate(qdate(value))
            edit.blockSignals(False)
        if load:
            self.refresh()

    def show_today(self) -> None:
        today = self.services.clock().date()
        self.set_period(today, today)

    def show_week(self) -> None:
        today = self.services.clock().date()
        self.set_period(today - timedelta(days=6), today)

    def show_month(self) -> None:
        today = self.services.clock().date()
        self.set_period(today.replace(day=1), today)

    def _dates_changed(self) -> None:
        self._debounce.start()

    # -- loading -------------------------------------------------------------------------------

    def _auto_refresh(self) -> None:
        # Past periods do not change much; still refresh (statuses move), but never pile up.
        if not self._loading:
            self.refresh()

    def refresh(self) -> None:
        """Reload every figure in the background; a second request while busy runs once after."""
        self.queue.refresh(self.period)  # its own worker and its own once-at-a-time rule
        if self._loading:
            self._reload_again = True
            return
        self._loading = True
        period = self.period
        self.refresh_button.setEnabled(False)
        self.ops.op(lambda: self.reports.report(period), self).success(self._loaded).failure(
            self._failed
        ).run()

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self.refresh_button.setEnabled(True)
        self.updated_label.setText(f"Không tải được số liệu: {exc}")

    def _loaded(self, report: DayReport) -> None:
        self._loading = False
        self.refresh_button.setEnabled(True)
        self.report = report
        self._show(report)
        self.report_did_load.emit(report)
        if self._reload_again:
            self._reload_again = False
            self.refresh()

    def _show(self, r: DayReport) -> None:
        self.updated_label.setText(
            f"{r.period.label.capitalize()} · cập nhật lúc {r.generated_at:%H:%M:%S}"
        )
        self.tiles[Figure.TOTAL].set_value(r.total)
        self.tiles[Figure.SUPPLEMENT].set_value(r.supplement_requests)
        self.tiles[Figure.REFUSAL].set_value(r.refusals)
        self.tiles[Figure.OVERDUE].set_value(r.overdue, f"tính đến {show_time(r.as_of)}")
        self.tiles[Figure.DUE_TODAY].set_value(
            r.due_today,
            caption=f"Đến hạn ngày {show_date(r.due_day)}, chưa xong",
        )
        self.tiles[Figure.PENDING_SYNC].set_value(r.pending_sync)
        pct = r.ratings.satisfied_pct
        self.tiles[Figure.RATINGS].set_value(
            r.ratings.total, f"hài lòng {show_pct(pct)}" if pct is not None else ""
        )
        self.chart.set_counts(r.by_hour)
        self.tables[Figure.PROCEDURE].set_rows(
            [(p.code, (p.code, p.name, p.sector), p.count) for p in r.by_procedure]
        )
        self.tables[Figure.SECTOR].set_rows([(k, (k,), n) for k, n in r.by_sector.items()])
        self.tables[Figure.COUNTER].set_rows(
            [(str(k), (f"Quầy số {k}",), n) for k, n in r.by_counter.items()]
        )
        self.tables[Figure.CLERK].set_rows(
            [(k, (k if k else NO_CLERK,), n) for k, n in r.by_clerk.items()]
        )
        self.tables[Figure.STATUS].set_rows(
            [(str(int(s)), (f"{int(s)}. {s.label}",), n) for s, n in r.by_status.items()]
        )
        self.tables[Figure.DAY].set_rows(
            [(d.isoformat(), (show_date(d),), n) for d, n in r.by_day.items()]
        )
        self.tables[Figure.RATINGS].set_rows(
            [(str(int(s)), (s.label,), r.ratings.counts.get(s, 0)) for s in reversed(RatingScore)]
        )

    # -- drill-down ----------------------------------------------------------------------------

    def drill(self, figure: Figure, key: str | None = None) -> None:
        """Open the list behind a figure (loaded in the background)."""
        period = self.period
        user = self.user
        self.ops.op(lambda: self.reports.drill(figure, period, key, by=user), self).success(
            lambda drill: self._open_drill(drill, figure)
        ).failure(lambda exc: self._warn("Không tải được danh sách", exc)).run()

    def _open_drill(self, drill: DrillList, figure: Figure | None = None) -> None:
        dialog = DrillDialog(drill, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if figure is Figure.OVERDUE and self.user is not None and drill.rows:
            dialog.add_action(
                "Văn bản xin lỗi, &gia hạn (Mẫu 04)…",
                "apologyButton",
                lambda code: self._extend(code, dialog),
            )
        dialog.show()
        self.drill_did_open.emit(dialog)

    def _extend(self, code: str, parent: QWidget) -> None:
        """Mẫu 04 for a late dossier picked in the late list."""
        from ui.dossiers.late_dialogs import ExtendDialog

        dossiers = self.services.dossiers

        def opened(row: Any) -> None:
            dialog = ExtendDialog(
                code, row.appointment_at, self.services, self.ops, self.user, parent
            )
            dialog.extension_did_issue.connect(lambda _c: self.refresh())
            parent.extend_dialog = dialog  # type: ignore[attr-defined]
            dialog.open()

        user = self.user
        self.ops.op(lambda: dossiers.lookup(code, by=user), self).success(opened).run()

    # -- exports -------------------------------------------------------------------------------

    def _ask_path(self, title: str, name: str, pattern: str, then: Callable[[Path], None]) -> None:
        from ui.dialogs.files import ask_save_path

        self.save_dialog = ask_save_path(self, title, name, pattern, then)

    def _file_stem(self) -> str:
        p = self.period
        if p.is_single_day:
            return f"{p.start:%Y-%m-%d}"
        return f"{p.start:%Y-%m-%d}_{p.end:%Y-%m-%d}"

    def _export(self, path: Path, work: Callable[[], None], label: str) -> None:
        def done(_: object) -> None:
            self.statusBar().showMessage(f"Đã lưu {path}", 15_000)
            self.export_did_finish.emit(str(path))

        self.ops.op(work, self).with_progress(label).success(done).failure(
            lambda exc: self._warn("Không xuất được tệp", exc)
        ).run()

    def export_xlsx(self, path: Path | None = None) -> None:
        """The period's report as an Excel workbook."""
        if path is None:
            name = f"bao-cao-tiep-nhan_{self._file_stem()}.xlsx"
            self._ask_path("Lưu báo cáo Excel", name, "Excel (*.xlsx)", self.export_xlsx)
            return
        period, target = self.period, path

        def work() -> None:
            from counter_app.reports.export import export_report

            # The core's one export (as `report --out`): the queue sheet comes with it.
            export_report(self.services, self.reports, period, target)

        self._export(path, work, "Đang xuất báo cáo Excel…")

    def export_pdf(self, path: Path | None = None) -> None:
        """The period's report as PDF."""
        if path is None:
            name = f"bao-cao-tiep-nhan_{self._file_stem()}.pdf"
            self._ask_path("Lưu báo cáo PDF", name, "PDF (*.pdf)", self.export_pdf)
            return
        period, target = self.period, path

        def work() -> None:
            from ui import render

            data = render.report(self.services, self.reports, period)
            _write_atomic(target, data)

        self._export(path, work, "Đang xuất báo cáo PDF…")

    def export_register(self, path: Path | None = None) -> None:
        """The register "Sổ theo dõi hồ sơ" of the period as PDF."""
        if path is None:
            name = f"so-theo-doi-ho-so_{self._file_stem()}.pdf"
            self._ask_path("Lưu Sổ theo dõi hồ sơ", name, "PDF (*.pdf)", self.export_register)
            return
        period, target = self.period, path

        def work() -> None:
            from ui import render

            data = render.register(self.services, self.reports, period, by=self.user)
            _write_atomic(target, data)

        self._export(path, work, "Đang lập Sổ theo dõi hồ sơ…")

    def _warn(self, title: str, exc: BaseException) -> None:
        QMessageBox.warning(self, title, str(exc) or type(exc).__name__)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self.timer.stop()
        self.queue.shutdown()
        if self._own_ops:
            self.ops.shutdown()
        super().closeEvent(event)


def _write_atomic(path: Path, data: bytes) -> None:
    from counter_app.atomic import write_bytes

    write_bytes(path, data)
