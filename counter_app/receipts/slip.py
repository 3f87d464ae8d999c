"""The receipt as one 80 mm thermal slip (72 mm printable), as long as its content.

The slip carries two machine-readable codes. A QR of the lookup URL when the URL carries the
dossier code (a phone opens the status page; the kiosk finds the code in it with
`counter_app.dossier_codes.extract_code`), otherwise of the bare code. And a Code128 of the code for
hand-held 1D laser scanners: a dossier code's Code128 is ~77 mm with its quiet zones at the minimum
2 dots a module, wider than the roll, so it is printed along the roll, beside the QR, unless a short
code fits across.
"""

from __future__ import annotations

import math

from reportlab.pdfgen.canvas import Canvas

from counter_app.catalog import fee_line
from counter_app.dossier_codes import extract_code
from counter_app.receipts import fonts
from counter_app.receipts.codes import (
    DOT,
    code128_modules,
    code128_path,
    qr_for,
)
from counter_app.receipts.flow import (
    MM,
    Align,
    Column,
    DocumentInfo,
    Flow,
    PageInfo,
    Style,
    draw_lines,
    fit_size,
    measure_table,
    place_table,
    replay,
)
from counter_app.receipts.model import ReceiptData
from counter_app.receipts.official import procedure_text, receiving_unit
from counter_app.receipts.receipt_a4 import (
    QR_CAPTION,
    RECEIPT_TITLE,
    paper_rows,
    register_text,
    reprint_notice,
)
from counter_app.receipts.text import (
    Run,
    glue,
    glued_datetime,
    nfc,
    place_date,
    two_digits,
    wrap_text,
)

# 80 mm rounded down to whole 203-dpi dots (79.95 mm): with both page sides whole dots, a
# renderer at 203 dpi maps every dot-snapped bar edge onto a pixel edge (it rounds the page size).
PAGE_WIDTH = math.floor(80 * MM / DOT) * DOT
MARGIN = 4 * MM  # 72 mm printable on an 80 mm roll
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
MARGIN_TOP = 3 * MM
MARGIN_BOTTOM = 8 * MM  # room before the cutter
UNBOUNDED = 100_000.0
LINE_INSET = 0.5  # points; table rules are 0.5 pt wide
QR_TARGET = 34 * MM
BAR_HEIGHT = 8 * MM
TURNED_BAR_HEIGHT = 14 * MM  # across the roll: long bars are easy to aim a laser at
COPY_LABEL = "Liên giao người nộp hồ sơ"
SLIP_TITLE = RECEIPT_TITLE.replace(" VÀ ", "\nVÀ ")  # two balanced lines

HEAD = Style(fonts.SANS, 7.5, 10)
HEAD_BOLD = Style(fonts.SANS_BOLD, 7.5, 10)
TITLE = Style(fonts.SANS_BOLD, 10, 13)
BODY = Style(fonts.SANS, 8, 11)
SMALL = Style(fonts.SANS, 7, 9.5)
ITALIC = Style(fonts.SANS_ITALIC, 7.5, 10)
TABLE = Style(fonts.SANS, 7.5, 10)


def slip_qr_content(data: ReceiptData) -> str:
    """What the slip's QR holds: the lookup URL if it carries the code, else the code."""
    url = data.lookup_url.strip()
    if url and extract_code(url) == data.dossier_code:
        return url
    return data.dossier_code


def _rule(flow: Flow, dashed: bool = True) -> None:
    flow.space(1.5 * MM)
    y = flow.y

    def op(canvas: Canvas, _info: PageInfo) -> None:
        canvas.saveState()
        if dashed:
            canvas.setDash(2, 2)
        canvas.line(MARGIN, -y, MARGIN + CONTENT_WIDTH, -y)
        canvas.restoreState()

    flow.add(op)
    flow.advance(1.5 * MM)


def _centered(flow: Flow, text: str, style: Style) -> None:
    flow.paragraph([Run(text, style.font)], style, align=Align.CENTER)


def _field(flow: Flow, label: str, value: str, *, bold: bool = False) -> None:
    value_font = fonts.SANS_BOLD if bold else BODY.font
    flow.paragraph([Run(f"{label}: ", BODY.font), Run(value, value_font)], BODY)


def _code_text(flow: Flow, code: str) -> None:
    """The dossier code in large bold type: one line if it fits at ≥ 9 pt, wrapped otherwise."""
    size = fit_size(nfc(code), fonts.SANS_BOLD, 14, flow.content_width, 9)
    style = Style(fonts.SANS_BOLD, size, size * 1.3)
    _centered(flow, code, style)


def _codes(flow: Flow, data: ReceiptData) -> None:
    """The QR, then the Code128 across the roll if it fits, else along the roll beside the QR."""
    qr = qr_for(slip_qr_content(data), QR_TARGET)
    bars = code128_path(code128_modules(data.dossier_code), BAR_HEIGHT)
    caption = wrap_text(QR_CAPTION, ITALIC.font, ITALIC.size, qr.width + 8 * MM)
    if bars.width <= CONTENT_WIDTH:
        x = MARGIN + (CONTENT_WIDTH - qr.width) / 2
        y = flow.y
        flow.add(lambda canvas, _info: qr.draw(canvas, x, y))
        flow.advance(qr.height)
        _centered(flow, QR_CAPTION, ITALIC)
        flow.space(1 * MM)
        bars_x = MARGIN + (CONTENT_WIDTH - bars.width) / 2
        bars_y = flow.y
        flow.add(lambda canvas, _info: bars.draw(canvas, bars_x, bars_y))
        flow.advance(bars.height + 1 * MM)
        return
    turned = code128_path(code128_modules(data.dossier_code), TURNED_BAR_HEIGHT)
    # Bars at the right edge, the QR and its caption centred in what is left at the left.
    bars_x = MARGIN + CONTENT_WIDTH - turned.height
    left_width = CONTENT_WIDTH - turned.height - 2 * MM
    qr_x = MARGIN + (left_width - qr.width) / 2
    caption_x = MARGIN
    top = flow.y
    qr_block = qr.height + len(caption) * ITALIC.leading
    qr_top = top + max(0.0, (turned.width - qr_block) / 2)

    def op(canvas: Canvas, _info: PageInfo) -> None:
        turned.draw_turned(canvas, bars_x, top)
        qr.draw(canvas, qr_x, qr_top)
        draw_lines(canvas, caption, ITALIC, caption_x, qr_top + qr.height, left_width, Align.CENTER)

    flow.add(op)
    flow.advance(max(turned.width, qr_block))


def _reprint_box(flow: Flow, text: str) -> None:
    style = Style(fonts.SANS_BOLD, 9, 12)
    pad = 1.5 * MM
    lines = wrap_text(text, style.font, style.size, CONTENT_WIDTH - 2 * pad)
    height = len(lines) * style.leading + 2 * pad
    flow.space(1.5 * MM)
    y = flow.y

    def op(canvas: Canvas, _info: PageInfo) -> None:
        canvas.saveState()
        canvas.setLineWidth(1.2)
        canvas.rect(MARGIN + 0.6, -y - height, CONTENT_WIDTH - 1.2, height, stroke=1, fill=0)
        canvas.restoreState()
        draw_lines(
            canvas, lines, style, MARGIN + pad, y + pad, CONTENT_WIDTH - 2 * pad, Align.CENTER
        )

    flow.add(op)
    flow.advance(height)


def layout_receipt_slip(data: ReceiptData) -> Flow:
    """Lay the slip out on an unbounded page; its height is then cut to the content."""
    fonts.ensure_fonts()
    # Ruled lines are centred on their position: inset by half a line so none sticks out of 72 mm.
    inset = MARGIN + LINE_INSET
    flow = Flow(
        PAGE_WIDTH, UNBOUNDED, top=MARGIN_TOP, bottom=MARGIN_BOTTOM, left=inset, right=inset
    )
    for agency_line in nfc(data.agency_name).split("\n"):
        if agency_line.strip():
            _centered(flow, agency_line.strip(), HEAD)
    _centered(flow, data.unit_name, HEAD_BOLD)
    _rule(flow)
    flow.space(1 * MM)
    _centered(flow, SLIP_TITLE, TITLE)
    _centered(flow, f"({COPY_LABEL})", ITALIC)
    notice = reprint_notice(data)
    if notice:
        _reprint_box(flow, notice)
    flow.space(1.5 * MM)
    _centered(flow, "Mã hồ sơ", BODY)
    _code_text(flow, data.dossier_code)
    flow.space(1 * MM)
    _codes(flow, data)
    _rule(flow)

    _field(flow, "Đơn vị tiếp nhận", receiving_unit(data.agency_name, data.counter_label))
    _field(flow, "Người nộp", data.applicant_name, bold=True)
    if data.applicant_id_number.strip():
        _field(flow, "Số định danh/CCCD", data.applicant_id_number)
    if data.applicant_address.strip():
        _field(flow, "Địa chỉ", data.applicant_address)
    if data.applicant_phone.strip():
        _field(flow, "Điện thoại", glue(data.applicant_phone))
    if data.applicant_email.strip():
        _field(flow, "Email", data.applicant_email)
    procedure = procedure_text(data.procedure_name, data.procedure_code)
    _field(flow, "Nội dung yêu cầu giải quyết", procedure)

    flow.space(1 * MM)
    flow.paragraph([Run("Thành phần hồ sơ:", BODY.font)], BODY)
    name_width = flow.content_width - (6 + 11 + 11) * MM
    table = measure_table(
        (
            Column(6 * MM, Align.CENTER),
            Column(name_width, Align.LEFT),
            Column(11 * MM, Align.CENTER),
            Column(11 * MM, Align.CENTER),
        ),
        ("TT", "Tên giấy tờ", "Bản chính", "Bản sao"),
        paper_rows(data),
        style=TABLE,
        header_font=fonts.SANS_BOLD,
        padding=1 * MM,
    )
    place_table(flow, table)
    flow.space(1.5 * MM)
    _field(flow, "Số lượng hồ sơ", f"{two_digits(data.dossier_sets)} (bộ)")
    _field(flow, "Thời gian giải quyết", data.processing_time_text)
    _field(flow, "Nhận hồ sơ lúc", glued_datetime(data.received_at))
    _field(flow, "Hẹn trả kết quả", glued_datetime(data.appointment_at), bold=True)
    _field(flow, "Nhận kết quả tại", data.result_delivery_text)
    _field(flow, "Phí, lệ phí", fee_line(data.fee, data.fee_note))
    if data.register_book or data.register_seq is not None:
        flow.paragraph([Run(register_text(data), BODY.font)], BODY)
    if data.notes.strip():
        _field(flow, "Ghi chú", data.notes)
    _rule(flow)
    _field(flow, "Người tiếp nhận", data.clerk_name, bold=True)
    if data.lookup_url.strip():
        flow.paragraph(
            [Run("Tra cứu: ", fonts.SANS_ITALIC), Run(data.lookup_url.strip(), fonts.SANS)], SMALL
        )
    flow.space(1 * MM)
    _centered(flow, place_date(nfc(data.place), data.received_at.date()), ITALIC)
    return flow


def render_receipt_slip(data: ReceiptData) -> bytes:
    """The slip PDF: one page 80 mm wide and exactly as tall as its content."""
    flow = layout_receipt_slip(data)
    # A whole number of dots tall too (see PAGE_WIDTH).
    height = math.ceil((flow.y + MARGIN_BOTTOM) / DOT) * DOT
    info = DocumentInfo(
        title=f"{RECEIPT_TITLE} — {data.dossier_code}",
        author=data.agency_name.replace("\n", " "),
        subject=data.procedure_name,
    )
    return replay(flow.pages, (PAGE_WIDTH, height), (COPY_LABEL,), info)
