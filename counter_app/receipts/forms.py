"""A4 slips that turn a dossier away: Mẫu 02 (supplement request) and the refusal slip."""

from __future__ import annotations

from datetime import datetime

from counter_app.receipts import fonts, official
from counter_app.receipts.flow import (
    MM,
    Align,
    DocumentInfo,
    Flow,
    measure_table,
    place_table,
    replay,
)
from counter_app.receipts.model import RefusalData, SupplementRequestData
from counter_app.receipts.official import BODY, TABLE, Heading
from counter_app.receipts.text import Run, glue, glued_datetime

SUPPLEMENT_TITLE = "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"
REFUSAL_TITLE = "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"
COPY_LABELS = ("Liên 1: Giao người nộp hồ sơ", "Liên 2: Lưu tại Bộ phận tiếp nhận và trả kết quả")


def _applicant(
    flow: Flow,
    *,
    name: str,
    id_number: str,
    address: str,
    phone: str,
    email: str,
    procedure_code: str,
    procedure_name: str,
) -> None:
    """Whose dossier and for which procedure."""
    official.field(flow, "Hồ sơ của", name, bold=True)
    if id_number.strip():
        official.field(flow, "Số định danh cá nhân/CCCD", id_number)
    if address.strip():
        official.field(flow, "Địa chỉ", address)
    contact = official.phone_email(phone, email)
    if contact:
        flow.paragraph(contact, BODY)
    procedure = procedure_name
    if procedure_code.strip():
        procedure = f"{procedure} (mã thủ tục: {procedure_code})"
    official.field(flow, "Nội dung yêu cầu giải quyết", procedure)


def _copies(count: int) -> tuple[str, ...]:
    if count not in (1, 2):
        raise ValueError(f"copies must be 1 or 2, got {count}")
    return COPY_LABELS[:count]


def _render(flow: Flow, title: str, agency: str, subject: str, code: str, copies: int) -> bytes:
    info = DocumentInfo(
        title=f"{title} — {code}" if code else title,
        author=agency.replace("\n", " "),
        subject=subject,
    )
    return replay(
        flow.pages,
        (official.PAGE_WIDTH, official.PAGE_HEIGHT),
        _copies(copies),
        info,
        chrome=official.footer(code),
    )


def _heading(data: SupplementRequestData | RefusalData, moment: datetime) -> Heading:
    return Heading(data.agency_name, data.unit_name, data.place, moment.date(), data.dossier_code)


def _slip_head(title: str, data: SupplementRequestData | RefusalData, moment: datetime) -> Flow:
    """What both slips open with: heading, title, receiving unit, applicant and procedure, time."""
    fonts.ensure_fonts()
    flow = official.new_flow(title, data.dossier_code)
    official.header(flow, _heading(data, moment))
    official.title(flow, title, data.dossier_code, None, copy_line=True)
    official.field(
        flow, "Đơn vị tiếp nhận", official.receiving_unit(data.agency_name, data.counter_label)
    )
    _applicant(
        flow,
        name=data.applicant_name,
        id_number=data.applicant_id_number,
        address=data.applicant_address,
        phone=data.applicant_phone,
        email=data.applicant_email,
        procedure_code=data.procedure_code,
        procedure_name=data.procedure_name,
    )
    official.field(flow, "Thời gian", glued_datetime(moment))
    return flow


def layout_supplement_request(data: SupplementRequestData) -> Flow:
    """Lay out Mẫu 02: who, what, the papers to add or complete and why, whom to ask."""
    flow = _slip_head(SUPPLEMENT_TITLE, data, data.requested_at)
    intro = (
        "Sau khi xem xét, đối chiếu thành phần hồ sơ, Bộ phận tiếp nhận và trả kết quả đề nghị "
        "Ông/Bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:"
    )
    with_reasons = any(paper.reason.strip() for paper in data.missing_papers)
    if with_reasons:
        columns = official.columns((12, Align.CENTER), (0, Align.LEFT), (62, Align.LEFT))
        header: tuple[str, ...] = ("STT", "Giấy tờ cần bổ sung, hoàn thiện", "Lý do")
        rows: list[tuple[str, ...]] = [
            (str(i), paper.name, paper.reason)
            for i, paper in enumerate(data.missing_papers, start=1)
        ]
    else:
        columns = official.columns((12, Align.CENTER), (0, Align.LEFT))
        header = ("STT", "Giấy tờ cần bổ sung, hoàn thiện")
        rows = [(str(i), paper.name) for i, paper in enumerate(data.missing_papers, start=1)]
    if not rows:
        rows = [("", "(Xem lý do dưới đây)")]  # no papers means no reasons column either
    table = measure_table(
        columns, header, rows, style=TABLE, header_font=fonts.SERIF_BOLD, padding=1.5 * MM
    )
    flow.space(1.5 * MM)
    intro_lines = 2 * BODY.leading
    flow.ensure(intro_lines + 1 * MM + table.lead_height)
    flow.paragraph([Run(intro, BODY.font)], BODY)
    flow.space(1 * MM)
    place_table(flow, table)
    flow.space(2 * MM)
    if data.general_reason.strip():
        official.field(flow, "Lý do", data.general_reason)
    whom = data.counter_label.strip() or official.UNIT_IN_TEXT
    contact = f"Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ {whom}"
    if data.contact_phone.strip():
        contact += f", số điện thoại {glue(data.contact_phone.strip())}"
    flow.paragraph([Run(f"{contact} để được hướng dẫn./.", fonts.SERIF_ITALIC)], BODY)
    if data.notes.strip():
        official.field(flow, "Ghi chú", data.notes)
    official.signatures(
        flow, ("NGƯỜI NỘP HỒ SƠ", data.applicant_name), ("NGƯỜI HƯỚNG DẪN", data.clerk_name)
    )
    return flow


def render_supplement_request(data: SupplementRequestData, *, copies: int = 2) -> bytes:
    """Mẫu 02 as A4 PDF bytes: copy 1 for the applicant, copy 2 kept at the counter."""
    flow = layout_supplement_request(data)
    return _render(
        flow, SUPPLEMENT_TITLE, data.agency_name, data.procedure_name, data.dossier_code, copies
    )


def layout_refusal(data: RefusalData) -> Flow:
    """Lay out the refusal slip: who, what, and the numbered reasons."""
    flow = _slip_head(REFUSAL_TITLE, data, data.refused_at)
    flow.space(1.5 * MM)
    flow.paragraph(
        [
            Run(
                "Sau khi nghiên cứu, đối chiếu với các quy định hiện hành, Bộ phận tiếp nhận và "
                "trả kết quả từ chối tiếp nhận hồ sơ này với lý do cụ thể như sau:",
                BODY.font,
            )
        ],
        BODY,
    )
    reasons = [reason for reason in data.reasons if reason.strip()] or ["(Không ghi lý do)"]
    for number, reason in enumerate(reasons, start=1):
        official.numbered(flow, number, [Run(reason, BODY.font)])
    if data.notes.strip():
        official.field(flow, "Ghi chú", data.notes)
    flow.paragraph(
        [Run("Xin thông báo để Ông/Bà được biết và thực hiện./.", fonts.SERIF_ITALIC)], BODY
    )
    official.signatures(
        flow, ("NGƯỜI NỘP HỒ SƠ", data.applicant_name), ("NGƯỜI TIẾP NHẬN HỒ SƠ", data.clerk_name)
    )
    return flow


def render_refusal(data: RefusalData, *, copies: int = 2) -> bytes:
    """The refusal slip as A4 PDF bytes: copy 1 for the applicant, copy 2 kept at the counter."""
    flow = layout_refusal(data)
    return _render(
        flow, REFUSAL_TITLE, data.agency_name, data.procedure_name, data.dossier_code, copies
    )
