"""The supervisor's report and the register "Sổ theo dõi hồ sơ" as PDF (reportlab)."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import BaseDocTemplate

from counter_app.ratings import RatingScore
from counter_app.receipts.fonts import SERIF, SERIF_BOLD, SERIF_ITALIC, ensure_fonts
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
    show_pct,
    show_time,
    summary_rows,
)
from counter_app.reports.queue import BREAKDOWNS, LEGEND, QueueFigures, breakdown_headers

_GRID = colors.HexColor("#555555")
_HEAD_BG = colors.HexColor("#E4E9F0")


def _nfc(text: str) -> str:
    # reportlab does no shaping: decomposed accents would be drawn beside their letters.
    return unicodedata.normalize("NFC", text)


def _esc(text: str) -> str:
    return _nfc(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _styles(size: float = 11) -> dict[str, ParagraphStyle]:
    ensure_fonts()
    body = ParagraphStyle("body", fontName=SERIF, fontSize=size, leading=size * 1.25)
    return {
        "body": body,
        "bold": ParagraphStyle("bold", parent=body, fontName=SERIF_BOLD),
        "center": ParagraphStyle("center", parent=body, alignment=TA_CENTER),
        "center_bold": ParagraphStyle(
            "center_bold", parent=body, fontName=SERIF_BOLD, alignment=TA_CENTER
        ),
        "italic_center": ParagraphStyle(
            "italic_center", parent=body, fontName=SERIF_ITALIC, alignment=TA_CENTER
        ),
        "title": ParagraphStyle(
            "title",
            parent=body,
            fontName=SERIF_BOLD,
            fontSize=size + 4,
            leading=(size + 4) * 1.3,
            alignment=TA_CENTER,
            spaceBefore=8,
        ),
        "h2": ParagraphStyle("h2", parent=body, fontName=SERIF_BOLD, spaceBefore=10, spaceAfter=4),
        "cell": ParagraphStyle("cell", parent=body, fontSize=size - 1, leading=(size - 1) * 1.2),
        "cell_small": ParagraphStyle("cell_small", parent=body, fontSize=8, leading=9.6),
        "cell_head": ParagraphStyle(
            "cell_head",
            parent=body,
            fontName=SERIF_BOLD,
            fontSize=8.5,
            leading=10,
            alignment=TA_CENTER,
        ),
    }


def _letterhead(head: Letterhead, width: float, st: dict[str, ParagraphStyle]) -> Table:
    left = [
        Paragraph(_esc(head.parent_agency_name.upper()), st["center"]),
        Paragraph(_esc(head.agency_name.upper()), st["center_bold"]),
    ]
    right = [
        Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", st["center_bold"]),
        Paragraph("<u>Độc lập - Tự do - Hạnh phúc</u>", st["center_bold"]),
    ]
    return _layout([[left, right]], [width * 0.45, width * 0.55], pad=True)


def _layout(rows: list[list[Any]], widths: list[float], *, pad: bool = False) -> Table:
    """An invisible table placing blocks side by side (its font set, or Helvetica sneaks in)."""
    table = Table(rows, colWidths=widths)
    style: list[Any] = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), SERIF)]
    if not pad:
        style.append(("LEFTPADDING", (0, 0), (-1, -1), 0))
    table.setStyle(TableStyle(style))
    return table


def _grid_table(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    numeric_cols: Sequence[int] = (),
    long: bool = False,
) -> Table:
    cls = LongTable if long else Table
    table = cls(list(rows), colWidths=list(widths), repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG),
        ("FONTNAME", (0, 0), (-1, -1), SERIF),
        ("FONTNAME", (0, 0), (-1, 0), SERIF_BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), 10),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    style.extend(("ALIGN", (c, 0), (c, -1), "RIGHT") for c in numeric_cols)
    table.setStyle(TableStyle(style))
    return table


def _footer(text: str) -> Any:
    def draw(canvas: Any, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(SERIF_ITALIC, 8.5)
        width = doc.pagesize[0]
        canvas.drawString(doc.leftMargin, 10 * mm, _nfc(text))
        canvas.drawRightString(width - doc.rightMargin, 10 * mm, f"Trang {doc.page}")
        canvas.restoreState()

    return draw


def _hour_chart(report: DayReport, width: float) -> Drawing:
    hours = list(report.by_hour.items())
    drawing = Drawing(width, 55 * mm, initialFontName=SERIF)
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 8 * mm
    chart.width, chart.height = width - 16 * mm, 42 * mm
    chart.data = [[n for _, n in hours]]
    chart.categoryAxis.categoryNames = [f"{h:02d}" for h, _ in hours]
    chart.categoryAxis.labels.fontName = SERIF
    chart.valueAxis.labels.fontName = SERIF
    chart.valueAxis.valueMin = 0
    chart.valueAxis.forceZero = True
    top = max([n for _, n in hours] + [1])
    chart.valueAxis.valueMax = top + max(1, top // 10)
    chart.bars[0].fillColor = colors.HexColor("#2F6DB5")
    chart.bars[0].strokeColor = None
    drawing.add(chart)
    return drawing


def _queue_part(queue: QueueFigures, width: float, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The queue's wait and service times (m:ss as on the dashboard), or why there are none."""
    part: list[Flowable] = [Paragraph("HÀNG ĐỢI: THỜI GIAN CHỜ VÀ PHỤC VỤ", st["h2"])]
    if not queue.ok:
        warn = ParagraphStyle("queue_warn", parent=st["bold"], textColor=colors.HexColor("#B3261E"))
        part.append(Paragraph(_esc(queue.source_line()), warn))
        return part
    part.append(Paragraph(_esc(queue.source_line()), st["cell"]))
    part.append(Spacer(1, 2 * mm))
    rows: list[list[Any]] = [["Chỉ tiêu", "Giá trị"]]
    rows += [[Paragraph(_esc(label), st["cell"]), text] for label, text in queue.headline()]
    part.append(_grid_table(rows, [width - 35 * mm, 35 * mm], numeric_cols=[1]))
    part.append(Spacer(1, 2 * mm))
    figure_w = 16 * mm
    for key, title, heads, _ in BREAKDOWNS:
        own = width - 7 * figure_w
        widths = [own] if len(heads) == 1 else [22 * mm, own - 22 * mm]
        head_row = [Paragraph(_esc(h), st["cell_head"]) for h in breakdown_headers(heads)]
        body = queue.breakdown(key)
        table_rows: list[list[Any]] = [head_row]
        for cells in body:
            own_cells = [Paragraph(_esc(c), st["cell"]) for c in cells[: len(heads)]]
            table_rows.append([*own_cells, *cells[len(heads) :]])
        if not body:
            table_rows.append(
                [Paragraph("(không có số liệu)", st["cell"]), *[""] * (len(head_row) - 1)]
            )
        numeric = range(len(heads), len(head_row))
        table = _grid_table(table_rows, [*widths, *[figure_w] * 7], numeric_cols=numeric, long=True)
        if not body:
            table.setStyle(TableStyle([("SPAN", (0, 1), (-1, 1))]))  # one line across
        part.append(KeepTogether([Paragraph(_esc(title), st["bold"]), Spacer(1, 1 * mm), table]))
        part.append(Spacer(1, 2 * mm))
    part.append(Paragraph(_esc(LEGEND), st["cell_small"]))
    return part


def render_report_pdf(
    report: DayReport, head: Letterhead | None = None, *, queue: QueueFigures | None = None
) -> bytes:
    """The day's (or period's) intake report, A4 portrait, in Vietnamese; with `queue`, a part
    on the queue's wait and service times (or the sentence saying why there are none)."""
    head = head or Letterhead()
    st = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title="Báo cáo tình hình tiếp nhận hồ sơ",
        initialFontName=SERIF,
        author=_nfc(head.agency_name),
    )
    width = doc.width
    story: list[Flowable] = [_letterhead(head, width, st)]
    place = f"{head.place}, " if head.place else ""
    g = report.generated_at
    story.append(
        Paragraph(
            _esc(f"{place}ngày {g.day:02d} tháng {g.month:02d} năm {g.year}"),
            ParagraphStyle("date", parent=st["italic_center"], alignment=2),
        )
    )
    story.append(Paragraph("BÁO CÁO TÌNH HÌNH TIẾP NHẬN HỒ SƠ", st["title"]))
    story.append(Paragraph(_esc(f"Kỳ báo cáo: {report.period.label}"), st["center"]))
    story.append(Paragraph(_esc(f"Phạm vi: {report.scope.label}"), st["italic_center"]))
    story.append(Spacer(1, 4 * mm))

    story.append(Paragraph("I. SỐ LIỆU TỔNG HỢP", st["h2"]))
    rows: list[list[Any]] = [["Chỉ tiêu", "Số lượng"]]
    rows += [[Paragraph(_esc(label), st["cell"]), str(v)] for _, label, v in summary_rows(report)]
    rows.append([Paragraph("Tỉ lệ hài lòng", st["cell"]), show_pct(report.ratings.satisfied_pct)])
    story.append(_grid_table(rows, [width - 35 * mm, 35 * mm], numeric_cols=[1]))

    story.append(Paragraph("II. SỐ HỒ SƠ THEO THỦ TỤC HÀNH CHÍNH", st["h2"]))
    rows = [["STT", "Mã thủ tục", "Tên thủ tục hành chính", "Lĩnh vực", "Số hồ sơ"]]
    for i, p in enumerate(report.by_procedure, 1):
        rows.append(
            [
                str(i),
                p.code,
                Paragraph(_esc(p.name), st["cell"]),
                Paragraph(_esc(p.sector), st["cell"]),
                str(p.count),
            ]
        )
    rows.append(["", "", Paragraph("Cộng", st["bold"]), "", str(report.total)])
    story.append(
        _grid_table(
            rows,
            [10 * mm, 24 * mm, width - 90 * mm, 38 * mm, 18 * mm],
            numeric_cols=[4],
            long=True,
        )
    )

    story.append(Paragraph("III. SỐ HỒ SƠ THEO LĨNH VỰC", st["h2"]))
    rows = [["Lĩnh vực", "Số hồ sơ"]]
    rows += [[Paragraph(_esc(k), st["cell"]), str(v)] for k, v in report.by_sector.items()]
    story.append(_grid_table(rows, [width - 35 * mm, 35 * mm], numeric_cols=[1]))

    story.append(Paragraph("IV. SỐ HỒ SƠ THEO QUẦY VÀ CÁN BỘ TIẾP NHẬN", st["h2"]))
    rows = [["Quầy", "Số hồ sơ"]]
    rows += [[f"Quầy số {k}", str(v)] for k, v in report.by_counter.items()]
    counters = _grid_table(rows, [45 * mm, 25 * mm], numeric_cols=[1])
    rows = [["Cán bộ tiếp nhận", "Số hồ sơ"]]
    rows += [[Paragraph(_esc(k), st["cell"]), str(v)] for k, v in report.by_clerk.items()]
    clerks = _grid_table(rows, [width - 100 * mm, 25 * mm], numeric_cols=[1])
    story.append(_layout([[counters, clerks]], [75 * mm, width - 75 * mm]))

    story.append(
        KeepTogether(
            [
                Paragraph("V. SỐ HỒ SƠ THEO KHUNG GIỜ TIẾP NHẬN", st["h2"]),
                _hour_chart(report, width),
                _grid_table(
                    [
                        ["Giờ", *[f"{h:02d}" for h in report.by_hour]],
                        ["Số hồ sơ", *[str(n) for n in report.by_hour.values()]],
                    ],
                    [
                        22 * mm,
                        *[(width - 22 * mm) / max(1, len(report.by_hour))] * len(report.by_hour),
                    ],
                ),
            ]
        )
    )

    if not report.period.is_single_day and len(report.by_day) <= 62:
        story.append(Paragraph("VI. SỐ HỒ SƠ THEO NGÀY", st["h2"]))
        rows = [["Ngày", "Số hồ sơ"]]
        rows += [[show_date(d), str(n)] for d, n in report.by_day.items()]
        story.append(_grid_table(rows, [40 * mm, 30 * mm], numeric_cols=[1], long=True))

    story.append(Paragraph("TRẠNG THÁI HIỆN TẠI VÀ ĐÁNH GIÁ CỦA NGƯỜI DÂN", st["h2"]))
    rows = [["Trạng thái hiện tại", "Số hồ sơ"]]
    rows += [[f"{int(s)}. {s.label}", str(n)] for s, n in report.by_status.items()]
    status = _grid_table(rows, [70 * mm, 22 * mm], numeric_cols=[1])
    rows = [["Mức đánh giá", "Số lượt"]]
    rows += [[s.label, str(report.ratings.counts.get(s, 0))] for s in reversed(RatingScore)]
    rows.append(["Tỉ lệ hài lòng", show_pct(report.ratings.satisfied_pct)])
    ratings = _grid_table(rows, [45 * mm, 22 * mm], numeric_cols=[1])
    story.append(_layout([[status, ratings]], [width - 72 * mm, 72 * mm]))
    if queue is not None:
        story.extend(_queue_part(queue, width, st))

    story.append(Spacer(1, 8 * mm))
    signature = _layout(
        [
            [
                "",
                [
                    Paragraph("NGƯỜI LẬP BÁO CÁO", st["center_bold"]),
                    Paragraph("(Ký và ghi rõ họ tên)", st["italic_center"]),
                ],
            ]
        ],
        [width / 2, width / 2],
    )
    story.append(KeepTogether([signature]))
    footer = _footer(f"Lập lúc {show_time(report.generated_at)} — {report.scope.label}")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def render_register_pdf(
    lines: Sequence[RegisterLine],
    period: Period,
    scope: ReportScope,
    head: Letterhead | None = None,
) -> bytes:
    """Mẫu 07 "Sổ theo dõi hồ sơ" for a period: A4 landscape, one line per dossier.

    The cells come from `register_row`, the one definition the XLSX shares; the date columns sit
    under one "Ngày, tháng, năm" heading as on the form.
    """
    head = head or Letterhead()
    st = _styles(10)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=16 * mm,
        title="Sổ theo dõi hồ sơ",
        initialFontName=SERIF,
        author=_nfc(head.agency_name),
    )
    width = doc.width
    story: list[Flowable] = [_letterhead(head, width, st)]
    story.append(Paragraph("SỔ THEO DÕI HỒ SƠ", st["title"]))
    story.append(Paragraph(_esc(f"Hồ sơ tiếp nhận {period.label}"), st["center"]))
    story.append(Paragraph(_esc(f"Phạm vi: {scope.label}"), st["italic_center"]))
    if books := register_books(lines):
        story.append(Paragraph(_esc(books), st["center"]))
    story.append(Spacer(1, 3 * mm))
    cell, headst = st["cell_small"], st["cell_head"]
    first, last = REGISTER_DATE_COLUMNS[0], REGISTER_DATE_COLUMNS[-1]
    top = [
        Paragraph(_esc(title), headst) if not first <= i <= last else ""
        for i, title in enumerate(REGISTER_COLUMNS)
    ]
    top[first] = Paragraph("Ngày, tháng, năm", headst)
    second = [
        Paragraph(_esc(title), headst) if first <= i <= last else ""
        for i, title in enumerate(REGISTER_COLUMNS)
    ]
    numbers = [Paragraph(f"({i})", headst) for i in range(1, len(REGISTER_COLUMNS) + 1)]
    rows: list[list[Any]] = [top, second, numbers]
    wrapped = (2, 4, 5, 13)  # long text: paragraphs; the rest are short one-liners
    for line in lines:
        cells = register_row(line)
        rows.append(
            [
                Paragraph(_esc(value), cell)
                if i in wrapped and value
                # "HH:MM" over "dd/mm/yyyy" fits a narrow column; the code breaks after its unit.
                else _nfc(value).replace(" ", "\n", 1)
                if first <= i <= last
                else _nfc(value).replace("-", "-\n", 1)
                if i == 1
                else _nfc(value)
                for i, value in enumerate(cells)
            ]
        )
    if not lines:
        rows.append(["", "", Paragraph("Không có hồ sơ.", cell), *[""] * 11])
    # The total is the table's last row, so no page ever holds it alone without the header.
    rows.append([Paragraph(_esc(f"Tổng số: {len(lines)} hồ sơ."), st["bold"]), *[""] * 13])
    fixed = [8, 27, 0, 10, 24, 26, 18, 15, 15, 15, 15, 15, 12, 20]
    fixed_mm = [w * mm for w in fixed]
    fixed_mm[2] = width - sum(fixed_mm)
    table = LongTable(rows, colWidths=fixed_mm, repeatRows=3)
    spans: list[Any] = [("SPAN", (first, 0), (last, 0)), ("SPAN", (0, -1), (-1, -1))]
    spans += [
        ("SPAN", (i, 0), (i, 1)) for i in range(len(REGISTER_COLUMNS)) if i < first or i > last
    ]
    table.setStyle(
        TableStyle(
            [
                *spans,
                ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
                ("BACKGROUND", (0, 0), (-1, 2), _HEAD_BG),
                ("FONTNAME", (0, 0), (-1, -1), SERIF),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("LEADING", (0, 0), (-1, -1), 9.6),
                ("VALIGN", (0, 0), (-1, 1), "MIDDLE"),
                ("VALIGN", (0, 3), (-1, -1), "TOP"),
                ("ALIGN", (0, 3), (0, -1), "CENTER"),
                ("ALIGN", (3, 3), (3, -1), "CENTER"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    story.append(table)
    footer = _footer(f"Sổ theo dõi hồ sơ (Mẫu số 07) — {period.label} — {scope.label}")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
