"""The A4 receipt (Mẫu 01) in two copies: one for the applicant, one kept with the dossier."""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

from counter_app.receipts import fonts, official
from counter_app.receipts.codes import qr_for
from counter_app.receipts.flow import (
    MM,
    Align,
    DocumentInfo,
    Flow,
    PageInfo,
    Style,
    draw_lines,
    measure_table,
    place_table,
    replay,
)
from counter_app.receipts.model import ReceiptData
from counter_app.receipts.official import BODY, TABLE, Heading
from counter_app.receipts.text import (
    Run,
    glued_datetime,
    money,
    short_datetime,
    two_digits,
    wrap_runs,
    wrap_text,
)

RECEIPT_TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
COPY_LABELS = ("Liên 1: Giao người nộp hồ sơ", "Liên 2: Lưu hồ sơ")
QR_CAPTION = "Quét mã để tra cứu tình trạng hồ sơ"
PAPER_HEADER = ("STT", "Tên giấy tờ", "Bản chính", "Bản sao")
QR_TARGET = 26 * MM


def reprint_notice(data: ReceiptData) -> str | None:
    """'BẢN IN LẠI — in lúc 09:30 28/11/2026' for a reprint, None for the first print."""
    if not data.reprint:
        return None
    if data.reprinted_at is None:
        return "BẢN IN LẠI"
    return f"BẢN IN LẠI — in lúc {short_datetime(data.reprinted_at)}"


def register_text(data: ReceiptData) -> str:
    """The register line; blanks stay dotted for the clerk to fill by hand."""
    book = data.register_book if data.register_book else "……"
    seq = str(data.register_seq) if data.register_seq is not None else "……"
    return f"Vào Sổ theo dõi hồ sơ, Quyển số: {book}, Số thứ tự: {seq}"


def paper_rows(data: ReceiptData) -> list[tuple[str, str, str, str]]:
    """Rows of the papers table (one placeholder row when the list is empty)."""
    if not data.papers:
        return [("", "(Không có giấy tờ kèm theo)", "", "")]
    return [
        (str(i), paper.name, str(paper.originals), str(paper.copies))
        for i, paper in enumerate(data.papers, start=1)
    ]


def _qr_block(flow: Flow, url: str) -> None:
    """The lookup QR at left with its caption and the address as text beside it."""
    qr = qr_for(url, QR_TARGET)
    size = qr.width
    gap = 2 * MM
    text_x = official.MARGIN_LEFT + size + gap
    text_width = official.CONTENT_WIDTH - size - gap
    caption = Style(fonts.SERIF_BOLD, 11.5, 15)
    small = Style(fonts.SERIF, 10.5, 13.5)
    caption_lines = wrap_text(QR_CAPTION, caption.font, caption.size, text_width)
    url_lines = wrap_runs(
        (Run("hoặc truy cập: ", fonts.SERIF_ITALIC), Run(url, fonts.SERIF)),
        small.size,
        text_width,
    )
    text_height = len(caption_lines) * caption.leading + len(url_lines) * small.leading
    height = max(size, text_height)
    flow.space(2 * MM)
    flow.ensure(height)
    y = flow.y
    text_y = y + max(0.0, (size - text_height) / 2)

    def op(canvas: Canvas, _info: PageInfo) -> None:
        qr.draw(canvas, official.MARGIN_LEFT, y)
        draw_lines(canvas, caption_lines, caption, text_x, text_y, text_width, Align.LEFT)
        url_y = text_y + len(caption_lines) * caption.leading
        draw_lines(canvas, url_lines, small, text_x, url_y, text_width, Align.LEFT)

    flow.add(op)
    flow.advance(height)


def layout_receipt_a4(data: ReceiptData) -> Flow:
    """Lay out one copy of the receipt; both copies replay it."""
    fonts.ensure_fonts()
    flow = official.new_flow(RECEIPT_TITLE, data.dossier_code)
    heading = Heading(
        data.agency_name, data.unit_name, data.place, data.received_at.date(), data.dossier_code
    )
    official.header(flow, heading)
    official.title(flow, RECEIPT_TITLE, data.dossier_code, reprint_notice(data), copy_line=True)

    official.field(
        flow, "Đơn vị tiếp nhận", official.receiving_unit(data.agency_name, data.counter_label)
    )
    official.field(flow, "Tiếp nhận hồ sơ của", data.applicant_name, bold=True)
    if data.applicant_id_number.strip():
        official.field(flow, "Số định danh cá nhân/CCCD", data.applicant_id_number)
    if data.applicant_address.strip():
        official.field(flow, "Địa chỉ", data.applicant_address)
    contact = official.phone_email(data.applicant_phone, data.applicant_email)
    if contact:
        flow.paragraph(contact, BODY)
    procedure = data.procedure_name
    if data.procedure_code.strip():
        procedure = f"{procedure} (mã thủ tục: {data.procedure_code})"
    official.field(flow, "Nội dung yêu cầu giải quyết", procedure)

    columns = official.columns(
        (12, Align.CENTER), (0, Align.LEFT), (22, Align.CENTER), (22, Align.CENTER)
    )
    papers = measure_table(
        columns,
        PAPER_HEADER,
        paper_rows(data),
        style=TABLE,
        header_font=fonts.SERIF_BOLD,
        padding=1.5 * MM,
    )
    # The item's label stays on the page of the table's first rows.
    flow.space(1 * MM)
    flow.ensure(BODY.leading + 1 * MM + papers.lead_height)
    official.numbered(flow, 1, [Run("Thành phần hồ sơ nộp gồm:", BODY.font)])
    flow.space(1 * MM)
    place_table(flow, papers)
    flow.space(2 * MM)

    official.numbered(
        flow, 2, [Run(f"Số lượng hồ sơ: {two_digits(data.dossier_sets)} (bộ)", BODY.font)]
    )
    official.numbered(
        flow,
        3,
        [Run(f"Thời gian giải quyết hồ sơ theo quy định: {data.processing_time_text}", BODY.font)],
    )
    official.numbered(
        flow, 4, [Run(f"Thời gian nhận hồ sơ: {glued_datetime(data.received_at)}", BODY.font)]
    )
    official.numbered(
        flow,
        5,
        [
            Run("Thời gian trả kết quả giải quyết hồ sơ: ", BODY.font),
            Run(glued_datetime(data.appointment_at), fonts.SERIF_BOLD),
        ],
    )
    official.numbered(
        flow, 6, [Run(f"Đăng ký nhận kết quả tại: {data.result_delivery_text}", BODY.font)]
    )
    official.field(flow, "Phí, lệ phí", money(data.fee))
    flow.paragraph([Run(register_text(data), BODY.font)], BODY)
    if data.notes.strip():
        official.field(flow, "Ghi chú", data.notes)
    if data.lookup_url.strip():
        _qr_block(flow, data.lookup_url.strip())
    official.signatures(
        flow, ("NGƯỜI NỘP HỒ SƠ", data.applicant_name), ("NGƯỜI TIẾP NHẬN HỒ SƠ", data.clerk_name)
    )
    return flow


def render_receipt_a4(data: ReceiptData) -> bytes:
    """The A4 receipt PDF: copy 1 for the applicant, then copy 2 for the file, same layout."""
    flow = layout_receipt_a4(data)
    info = DocumentInfo(
        title=f"{RECEIPT_TITLE} — {data.dossier_code}",
        author=data.agency_name.replace("\n", " "),
        subject=data.procedure_name,
    )
    return replay(
        flow.pages,
        (official.PAGE_WIDTH, official.PAGE_HEIGHT),
        COPY_LABELS,
        info,
        chrome=official.footer(data.dossier_code, reprint=data.reprint),
    )
