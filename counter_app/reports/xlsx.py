"""The supervisor's report as an Excel workbook (openpyxl), one sheet per breakdown."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from counter_app.atomic import write_with
from counter_app.ratings import RatingScore
from counter_app.reports.model import (
    REGISTER_COLUMNS,
    REGISTER_DATE_COLUMNS,
    DayReport,
    Letterhead,
    Period,
    RegisterLine,
    ReportScope,
    register_books,
    register_row,
    show_date,
    show_time,
    summary_rows,
)
from counter_app.reports.queue import BREAKDOWNS, LEGEND, QueueFigures, breakdown_headers

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEAD_FILL = PatternFill("solid", fgColor="DDE6F0")
# Text a spreadsheet could take for a formula (or a CSV made from the sheet could).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _no_formulas(wb: Workbook) -> int:
    """Make every text cell plain text: procedure names, clerks, sectors come from data (catalog,
    users, server) and "=HYPERLINK(...)" there must not become a live formula. Returns how many.

    Such cells are stored as strings with Excel's quote prefix (shown as typed, kept as text
    when edited); we never write formulas ourselves.
    """
    changed = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and value.startswith(_FORMULA_START):
                    cell.data_type = "s"
                    cell.quotePrefix = True
                    changed += 1
    return changed


def _table(ws: Worksheet, headers: list[str], rows: list[list[object]], widths: list[int]) -> None:
    """A header row, then rows, from the sheet's next free row."""
    ws.append(headers)
    head_row = ws.max_row
    for cell in ws[head_row]:
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        ws.append(row)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _heading(ws: Worksheet, report: DayReport, title: str, head: Letterhead) -> None:
    if head.agency_name:
        ws.append([head.agency_name])
    ws.append([title])
    ws.cell(ws.max_row, 1).font = _TITLE
    ws.append([f"Kỳ báo cáo: {report.period.label}. Phạm vi: {report.scope.label}."])
    ws.append([])


def _queue_sheet(wb: Workbook, report: DayReport, head: Letterhead, queue: QueueFigures) -> None:
    """The queue's wait and service times, as text exactly as the dashboard shows them."""
    sheet = wb.create_sheet("Hàng đợi")
    _heading(sheet, report, "HÀNG ĐỢI: THỜI GIAN CHỜ VÀ PHỤC VỤ", head)
    sheet.append([queue.source_line()])
    if not queue.ok:
        sheet.cell(sheet.max_row, 1).font = Font(bold=True, color="B3261E")
        sheet.column_dimensions["A"].width = 60
        return
    sheet.append([])
    _table(sheet, ["Chỉ tiêu", "Giá trị"], [[k, v] for k, v in queue.headline()], [])
    for (cell,) in sheet.iter_rows(min_row=sheet.max_row - 8, min_col=2, max_col=2):
        cell.alignment = Alignment(horizontal="right")
    for key, title, heads, _ in BREAKDOWNS:
        sheet.append([])
        sheet.append([title])
        sheet.cell(sheet.max_row, 1).font = _BOLD
        rows: list[list[object]] = [list(r) for r in queue.breakdown(key)]
        _table(sheet, breakdown_headers(heads), rows or [["(không có số liệu)"]], [])
        for row in sheet.iter_rows(min_row=sheet.max_row - len(rows) + 1, min_col=len(heads) + 1):
            for cell in row if rows else ():
                cell.alignment = Alignment(horizontal="right")
    for i, width in enumerate([34, 40] + [14] * 7, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.append([])
    sheet.append([LEGEND])


def write_xlsx(
    report: DayReport,
    path: Path,
    head: Letterhead | None = None,
    *,
    queue: QueueFigures | None = None,
) -> Path:
    """Write the report to `path` (.xlsx); returns the path. With `queue`, a "Hàng đợi" sheet
    (its figures, or the sentence saying why there are none)."""
    head = head or Letterhead()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Tổng hợp"
    _heading(ws, report, "BÁO CÁO TÌNH HÌNH TIẾP NHẬN HỒ SƠ", head)
    _table(
        ws,
        ["Chỉ tiêu", "Số lượng"],
        [[label, value] for _, label, value in summary_rows(report)],
        [60, 14],
    )
    pct = report.ratings.satisfied_pct
    ws.append(["Tỉ lệ hài lòng (%)", pct if pct is not None else "—"])
    ws.append([])
    ws.append([f"Lập lúc {show_time(report.generated_at)}"])

    sheet = wb.create_sheet("Theo thủ tục")
    _heading(sheet, report, "SỐ HỒ SƠ THEO THỦ TỤC", head)
    _table(
        sheet,
        ["STT", "Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Số hồ sơ"],
        [[i, p.code, p.name, p.sector, p.count] for i, p in enumerate(report.by_procedure, 1)],
        [6, 14, 70, 30, 10],
    )
    sheet.append(["", "", "Cộng", "", report.total])
    sheet.cell(sheet.max_row, 3).font = _BOLD

    sheet = wb.create_sheet("Theo lĩnh vực")
    _heading(sheet, report, "SỐ HỒ SƠ THEO LĨNH VỰC", head)
    _table(sheet, ["Lĩnh vực", "Số hồ sơ"], [[k, v] for k, v in report.by_sector.items()], [50, 10])

    sheet = wb.create_sheet("Theo quầy, cán bộ")
    _heading(sheet, report, "SỐ HỒ SƠ THEO QUẦY VÀ CÁN BỘ", head)
    _table(
        sheet,
        ["Quầy", "Số hồ sơ"],
        [[f"Quầy số {k}", v] for k, v in report.by_counter.items()],
        [40, 10],
    )
    sheet.append([])
    _table(
        sheet,
        ["Cán bộ tiếp nhận", "Số hồ sơ"],
        [[k, v] for k, v in report.by_clerk.items()],
        [40, 10],
    )

    sheet = wb.create_sheet("Theo giờ")
    _heading(sheet, report, "SỐ HỒ SƠ THEO KHUNG GIỜ", head)
    first = sheet.max_row + 1
    _table(
        sheet,
        ["Khung giờ", "Số hồ sơ"],
        [[f"{h:02d}:00–{h:02d}:59", n] for h, n in report.by_hour.items()],
        [16, 10],
    )
    if report.by_hour:
        chart = BarChart()
        chart.title = "Hồ sơ tiếp nhận theo giờ"
        chart.legend = None
        data = Reference(sheet, min_col=2, min_row=first, max_row=sheet.max_row)
        cats = Reference(sheet, min_col=1, min_row=first + 1, max_row=sheet.max_row)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(cats)
        sheet.add_chart(chart, "D5")

    if not report.period.is_single_day:
        sheet = wb.create_sheet("Theo ngày")
        _heading(sheet, report, "SỐ HỒ SƠ THEO NGÀY", head)
        _table(
            sheet,
            ["Ngày", "Số hồ sơ"],
            [[show_date(d), n] for d, n in report.by_day.items()],
            [14, 10],
        )

    sheet = wb.create_sheet("Trạng thái, đánh giá")
    _heading(sheet, report, "TRẠNG THÁI HIỆN TẠI VÀ ĐÁNH GIÁ", head)
    _table(
        sheet,
        ["Trạng thái hiện tại của hồ sơ đã tiếp nhận", "Số hồ sơ"],
        [[f"{int(s)}. {s.label}", n] for s, n in report.by_status.items()],
        [48, 10],
    )
    sheet.append([])
    _table(
        sheet,
        ["Mức đánh giá", "Số lượt"],
        [[s.label, report.ratings.counts.get(s, 0)] for s in reversed(RatingScore)],
        [48, 10],
    )
    sheet.append(["Có ý kiến kèm theo", report.ratings.with_comment])
    if queue is not None:
        _queue_sheet(wb, report, head, queue)
    _no_formulas(wb)

    write_with(path, wb.save)
    return path


def write_register_xlsx(
    lines: Sequence[RegisterLine],
    period: Period,
    scope: ReportScope,
    path: Path,
    head: Letterhead | None = None,
) -> Path:
    """Mẫu 07 "Sổ theo dõi hồ sơ" as one sheet, cells from `register_row` (as the PDF)."""
    head = head or Letterhead()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Sổ theo dõi hồ sơ"
    if head.agency_name:
        ws.append([head.agency_name])
    ws.append(["SỔ THEO DÕI HỒ SƠ"])
    ws.cell(ws.max_row, 1).font = _TITLE
    ws.append([f"Hồ sơ tiếp nhận {period.label}. Phạm vi: {scope.label}."])
    if books := register_books(lines):
        ws.append([books])
    ws.append([])
    first, last = REGISTER_DATE_COLUMNS[0], REGISTER_DATE_COLUMNS[-1]
    group = ["Ngày, tháng, năm" if i == first else "" for i in range(len(REGISTER_COLUMNS))]
    ws.append(group)
    group_row = ws.max_row
    ws.merge_cells(
        start_row=group_row, start_column=first + 1, end_row=group_row, end_column=last + 1
    )
    for cell in ws[group_row]:
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(horizontal="center")
    widths = [6, 30, 45, 10, 26, 32, 22, 17, 17, 17, 17, 17, 12, 30]
    _table(ws, list(REGISTER_COLUMNS), [list(register_row(line)) for line in lines], widths)
    ws.freeze_panes = ws.cell(ws.max_row - len(lines) + 1, 1)
    ws.append([])
    ws.append([f"Tổng số: {len(lines)} hồ sơ."])
    _no_formulas(wb)  # names and addresses are citizens' text, never formulas
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_with(path, wb.save)
