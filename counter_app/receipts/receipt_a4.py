"""The A4 receipt (Mẫu 01) in two copies: one for the applicant, one kept with the dossier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from reportlab.pdfgen.canvas import Canvas

from counter_app.catalog import fee_line
from counter_app.receipts import fonts, official
from counter_app.receipts.codes import qr_matrix, qr_module_dots, qr_path
from counter_app.receipts.flow import (
    MM,
    Align,
    Flow,
    PageInfo,
    Style,
    draw_lines,
    measure_table,
    place_table,
)
from counter_app.receipts.model import ReceiptData
from counter_app.receipts.official import TABLE, Heading
from counter_app.receipts.text import (
    Run,
    glued_datetime,
    short_datetime,
    two_digits,
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


def paper_label(name: str, pages: int) -> str:
    """A paper's name, with its page count when one was recorded (fees may depend on it)."""
    return f"{name} ({two_digits(pages)} trang)" if pages > 0 else name


def paper_rows(data: ReceiptData) -> list[tuple[str, str, str, str]]:
    """Rows of the papers table (one placeholder row when the list is empty)."""
    if not data.papers:
        return [("", "(Không có giấy tờ kèm theo)", "", "")]
    return [
        (str(i), paper_label(paper.name, paper.pages), str(paper.originals), str(paper.copies))
        for i, paper in enumerate(data.papers, start=1)
    ]


@dataclass(frozen=True)
class Density:
    """Type sizes and gaps of one way of setting the receipt; tighter ones keep it to one sheet."""

    body: Style
    table: Style
    padding: float
    title_above: float
    title_below: float
    sign_above: float
    sign_room: float
    qr_target: float


DENSITIES: Final = (
    Density(
        body=Style(fonts.SERIF, 12, 15.5),
        table=TABLE,
        padding=1.4 * MM,
        title_above=6 * MM,
        title_below=2.5 * MM,
        sign_above=5 * MM,
        sign_room=20 * MM,
        qr_target=QR_TARGET,
    ),
    Density(
        body=Style(fonts.SERIF, 11.5, 14),
        table=Style(fonts.SERIF, 10.5, 12.5),
        padding=1 * MM,
        title_above=3 * MM,
        title_below=1.5 * MM,
        sign_above=3 * MM,
        sign_room=17 * MM,
        qr_target=24 * MM,
    ),
    Density(
        body=Style(fonts.SERIF, 11, 13),
        table=Style(fonts.SERIF, 10, 11.5),
        padding=0.7 * MM,
        title_above=2 * MM,
        title_below=1 * MM,
        sign_above=2 * MM,
        sign_room=15 * MM,
        qr_target=22 * MM,
    ),
)


def _items_and_qr(
    flow: Flow, data: ReceiptData, d: Density, matrix: tuple[bytes, ...] | None
) -> None:
    """Items 2–6, fee and register line, with the lookup QR beside them at the right.

    Those lines are short, so the QR takes room that was blank anyway instead of a band of its
    own: this is what keeps a receipt of ten papers on one sheet.
    """
    body = d.body
    url = data.lookup_url.strip()
    qr = qr_path(matrix, qr_module_dots(len(matrix), d.qr_target)) if url and matrix else None
    caption = Style(fonts.SERIF_ITALIC, 8.5, 10)
    gap = 3 * MM
    width = official.CONTENT_WIDTH - (qr.width + gap if qr is not None else 0.0)
    block_height = 0.0
    if qr is not None:
        caption_lines = wrap_text(QR_CAPTION, caption.font, caption.size, qr.width)
        block_height = qr.height + len(caption_lines) * caption.leading
        flow.ensure(block_height)
        top = flow.y
        qr_x = official.MARGIN_LEFT + official.CONTENT_WIDTH - qr.width
        symbol = qr

        def op(canvas: Canvas, _info: PageInfo) -> None:
            symbol.draw(canvas, qr_x, top)
            draw_lines(
                canvas,
                caption_lines,
                caption,
                qr_x,
                top + symbol.height,
                symbol.width,
                Align.CENTER,
            )

        flow.add(op)
    top_page, top = len(flow.pages), flow.y
    items = (
        [Run(f"Số lượng hồ sơ: {two_digits(data.dossier_sets)} (bộ)", body.font)],
        [Run(f"Thời gian giải quyết hồ sơ theo quy định: {data.processing_time_text}", body.font)],
        [Run(f"Thời gian nhận hồ sơ: {glued_datetime(data.received_at)}", body.font)],
        [
            Run("Thời gian trả kết quả giải quyết hồ sơ: ", body.font),
            Run(glued_datetime(data.appointment_at), fonts.SERIF_BOLD),
        ],
        [Run(f"Đăng ký nhận kết quả tại: {data.result_delivery_text}", body.font)],
    )
    for number, runs in enumerate(items, start=2):
        official.numbered(flow, number, runs, body, width=width)
    fee = fee_line(data.fee, data.fee_note, data.fee_detail)
    official.field(flow, "Phí, lệ phí", fee, style=body, width=width)
    flow.paragraph([Run(register_text(data), body.font)], body, width=width)
    if len(flow.pages) == top_page and flow.y < top + block_height:
        flow.advance(top + block_height - flow.y)
    if url:
        flow.paragraph(
            [Run("Tra cứu tình trạng hồ sơ tại: ", fonts.SERIF_ITALIC), Run(url, fonts.SERIF)],
            Style(fonts.SERIF, 10, 12),
        )


def layout_receipt_a4(
    data: ReceiptData,
    density: Density = DENSITIES[0],
    matrix: tuple[bytes, ...] | None = None,
) -> Flow:
    """Lay out one copy of the receipt at one density; both copies replay it.

    `matrix` is the lookup URL's QR when the caller already encoded it (the densest part to
    compute: encoded once per render, not once per density tried).
    """
    fonts.ensure_fonts()
    d = density
    body = d.body
    flow = official.new_flow(RECEIPT_TITLE, data.dossier_code)
    heading = Heading(
        data.agency_name, data.unit_name, data.place, data.received_at.date(), data.dossier_code
    )
    official.header(flow, heading)
    official.title(
        flow,
        RECEIPT_TITLE,
        data.dossier_code,
        reprint_notice(data),
        copy_line=True,
        above=d.title_above,
        below=d.title_below,
    )
    official.field(
        flow,
        "Bộ phận tiếp nhận và trả kết quả",
        official.receiving_unit(data.agency_name, data.counter_label),
        style=body,
    )
    official.field(flow, "Tiếp nhận hồ sơ của", data.applicant_name, bold=True, style=body)
    if data.applicant_id_number.strip():
        official.field(flow, "Số định danh cá nhân/CCCD", data.applicant_id_number, style=body)
    if data.applicant_address.strip():
        official.field(flow, "Địa chỉ", data.applicant_address, style=body)
    contact = official.phone_email(data.applicant_phone, data.applicant_email)
    if contact:
        flow.paragraph(contact, body)
    procedure = official.procedure_text(data.procedure_name, data.procedure_code)
    official.field(flow, "Nội dung yêu cầu giải quyết", procedure, style=body)

    columns = official.columns(
        (11, Align.CENTER), (0, Align.LEFT), (20, Align.CENTER), (20, Align.CENTER)
    )
    papers = measure_table(
        columns,
        PAPER_HEADER,
        paper_rows(data),
        style=d.table,
        header_font=fonts.SERIF_BOLD,
        padding=d.padding,
    )
    # The item's label stays on the page of the table's first rows.
    flow.space(0.5 * MM)
    flow.ensure(body.leading + 1 * MM + papers.lead_height)
    official.numbered(flow, 1, [Run("Thành phần hồ sơ nộp gồm:", body.font)], body)
    flow.space(0.5 * MM)
    place_table(flow, papers)
    flow.space(1.5 * MM)
    url = data.lookup_url.strip()
    _items_and_qr(flow, data, d, matrix if matrix is not None or not url else qr_matrix(url))
    if data.notes.strip():
        official.field(flow, "Ghi chú", data.notes, style=body)
    official.signatures(
        flow,
        ("NGƯỜI NỘP HỒ SƠ", data.applicant_name),
        ("NGƯỜI TIẾP NHẬN HỒ SƠ", data.clerk_name),
        sign_room=d.sign_room,
        above=d.sign_above,
    )
    return flow


def fitted_layout(data: ReceiptData) -> Flow:
    """The roomiest density that keeps one copy on one sheet; a list too long for any flows on.

    A list too long for one sheet flows at the tightest density: fewer continuation pages.
    """
    url = data.lookup_url.strip()
    matrix = qr_matrix(url) if url else None
    flow = layout_receipt_a4(data, DENSITIES[0], matrix)
    for density in DENSITIES[1:]:
        if len(flow.pages) == 1:
            break
        flow = layout_receipt_a4(data, density, matrix)
    return flow


def render_receipt_a4(data: ReceiptData) -> bytes:
    """The A4 receipt PDF: copy 1 for the applicant, then copy 2 for the file, same layout."""
    return official.render_a4(
        fitted_layout(data),
        RECEIPT_TITLE,
        agency=data.agency_name,
        subject=data.procedure_name,
        code=data.dossier_code,
        copies=COPY_LABELS,
        reprint=data.reprint,
    )
