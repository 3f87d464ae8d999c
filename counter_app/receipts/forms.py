"""A4 slips that turn a dossier away: Mẫu 02 (supplement request) and Mẫu 03 (refusal).

Wording and order follow the forms as far as they could be read; resources/forms/SOURCES.md says
which parts of Phụ lục I of Thông tư 03/2025/TT-VPCP could not be checked.
"""

from __future__ import annotations

from datetime import datetime

from counter_app.receipts import fonts, official
from counter_app.receipts.flow import MM, Flow
from counter_app.receipts.model import MissingPaper, RefusalData, SupplementRequestData
from counter_app.receipts.official import BODY, Heading
from counter_app.receipts.text import Run, glue

SUPPLEMENT_TITLE = "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"
REFUSAL_TITLE = "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"
COPY_LABELS = ("Liên 1: Giao người nộp hồ sơ", "Liên 2: Lưu tại Bộ phận tiếp nhận và trả kết quả")


def _applicant(
    flow: Flow,
    data: SupplementRequestData | RefusalData,
    name_label: str,
) -> None:
    """Whose dossier and for which procedure, in the order of Mẫu 02 and 03."""
    official.field(flow, name_label, data.applicant_name, bold=True)
    if data.applicant_id_number.strip():
        official.field(flow, "Số định danh cá nhân/CCCD", data.applicant_id_number)
    if data.applicant_address.strip():
        official.field(flow, "Địa chỉ", data.applicant_address)
    contact = official.phone_email(data.applicant_phone, data.applicant_email)
    if contact:
        flow.paragraph(contact, BODY)
    procedure = official.procedure_text(data.procedure_name, data.procedure_code)
    official.field(flow, "Nội dung yêu cầu giải quyết", procedure)


def _copies(count: int) -> tuple[str, ...]:
    if count not in (1, 2):
        raise ValueError(f"copies must be 1 or 2, got {count}")
    return COPY_LABELS[:count]


def _render(flow: Flow, title: str, agency: str, subject: str, code: str, copies: int) -> bytes:
    return official.render_a4(
        flow, title, agency=agency, subject=subject, code=code, copies=_copies(copies)
    )


def _heading(data: SupplementRequestData | RefusalData, moment: datetime) -> Heading:
    return Heading(data.agency_name, data.unit_name, data.place, moment.date(), data.dossier_code)


def _slip_head(title: str, data: SupplementRequestData | RefusalData, moment: datetime) -> Flow:
    """What both slips open with: heading (place and date), title, code and copy label."""
    fonts.ensure_fonts()
    flow = official.new_flow(title, data.dossier_code)
    official.header(flow, _heading(data, moment))
    official.title(flow, title, data.dossier_code, None, copy_line=True)
    return flow


def _item(paper: MissingPaper) -> str:
    name = paper.name.strip()
    return f"{name}: {paper.reason.strip()}" if paper.reason.strip() else name


def layout_supplement_request(data: SupplementRequestData) -> Flow:
    """Lay out Mẫu 02: whose dossier, what to add or complete and why, whom to ask."""
    flow = _slip_head(SUPPLEMENT_TITLE, data, data.requested_at)
    _applicant(flow, data, "Hồ sơ của")
    flow.space(1.5 * MM)
    flow.paragraph([Run("Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:", BODY.font)], BODY)
    items = [_item(paper) for paper in data.missing_papers if paper.name.strip()]
    for number, item in enumerate(items, start=1):
        official.numbered(flow, number, [Run(item, BODY.font)])
    if not items:
        flow.paragraph([Run("(Xem lý do dưới đây)", fonts.SERIF_ITALIC)], BODY)
    if data.general_reason.strip():
        official.field(flow, "Lý do", data.general_reason)
    whom = data.counter_label.strip() or official.UNIT_IN_TEXT
    contact = f"Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ với {whom}"
    if data.contact_phone.strip():
        contact += f", số điện thoại {glue(data.contact_phone.strip())}"
    flow.space(1 * MM)
    flow.paragraph([Run(f"{contact} để được hướng dẫn./.", fonts.SERIF_ITALIC)], BODY)
    if data.notes.strip():
        official.field(flow, "Ghi chú", data.notes)
    official.signatures(flow, None, ("NGƯỜI HƯỚNG DẪN", data.clerk_name))
    return flow


def render_supplement_request(data: SupplementRequestData, *, copies: int = 2) -> bytes:
    """Mẫu 02 as A4 PDF bytes: copy 1 for the applicant, copy 2 kept at the counter."""
    flow = layout_supplement_request(data)
    return _render(
        flow, SUPPLEMENT_TITLE, data.agency_name, data.procedure_name, data.dossier_code, copies
    )


def layout_refusal(data: RefusalData) -> Flow:
    """Lay out Mẫu 03: who, which procedure, and the numbered reasons for refusing it."""
    flow = _slip_head(REFUSAL_TITLE, data, data.refused_at)
    official.field(
        flow,
        "Bộ phận tiếp nhận và trả kết quả",
        official.receiving_unit(data.agency_name, data.counter_label),
    )
    _applicant(flow, data, "Tiếp nhận hồ sơ của")
    flow.space(1.5 * MM)
    flow.paragraph(
        [
            Run(
                "Qua nghiên cứu, đối chiếu với các quy định hiện hành, Bộ phận tiếp nhận và trả "
                "kết quả từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:",
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
    flow.space(1 * MM)
    flow.paragraph(
        [Run("Xin thông báo để Ông/Bà được biết và thực hiện./.", fonts.SERIF_ITALIC)], BODY
    )
    official.signatures(flow, None, ("NGƯỜI TIẾP NHẬN HỒ SƠ", data.clerk_name))
    return flow


def render_refusal(data: RefusalData, *, copies: int = 2) -> bytes:
    """The refusal slip as A4 PDF bytes: copy 1 for the applicant, copy 2 kept at the counter."""
    flow = layout_refusal(data)
    return _render(
        flow, REFUSAL_TITLE, data.agency_name, data.procedure_name, data.dossier_code, copies
    )
