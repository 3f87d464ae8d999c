"""A4 forms for dossiers that run late or stop: Mẫu 04, 05 and 06 of Thông tư 03/2025/TT-VPCP.

- Mẫu 04 "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết": the apology and new date;
- Mẫu 05 "Thông báo dừng giải quyết hồ sơ": the stop notice with its reason;
- Mẫu 06 "Phiếu kiểm soát quá trình giải quyết hồ sơ": the hand-over log kept with the dossier.

The circular's own form bodies could not be read (resources/forms/SOURCES-04-06.md): the fields
follow the forms of Thông tư 01/2018/TT-VPCP these replace and the provincial templates, under the
same two-column head as the other forms (`official.header`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from reportlab.pdfgen.canvas import Canvas

from counter_app.receipts import fonts, official
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
from counter_app.receipts.model import DEFAULT_UNIT_NAME
from counter_app.receipts.official import BODY, TABLE, Heading
from counter_app.receipts.text import Run, glue, glued_datetime, long_datetime, wrap_text

APOLOGY_TITLE = "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"
STOP_TITLE = "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"
CONTROL_TITLE = "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"
HEAD_SIGNATURE = "THỦ TRƯỞNG CƠ QUAN"
HEAD_SIGN_HINT = "(Ký, ghi rõ họ tên và đóng dấu)"
NUMBER_LINE = "Số: ........../.........."


@dataclass(frozen=True, kw_only=True)
class LetterParty:
    """The agency writing and the citizen it writes to (what Mẫu 04 and 05 share)."""

    agency_name: str  # lines separated by "\n", parent agency first
    place: str
    issued_at: datetime
    dossier_code: str
    applicant_name: str
    procedure_code: str
    procedure_name: str
    received_at: datetime
    applicant_address: str = ""
    applicant_phone: str = ""
    applicant_email: str = ""
    unit_name: str = DEFAULT_UNIT_NAME
    signer_name: str = ""  # printed under the signature; "" leaves room to write it


@dataclass(frozen=True, kw_only=True)
class ApologyData:
    """Mẫu 04: the appointment the dossier missed (or will miss), why, and the new one."""

    party: LetterParty
    previous_appointment: datetime
    new_appointment: datetime
    reason: str


@dataclass(frozen=True, kw_only=True)
class StopNoticeData:
    """Mẫu 05: when and why processing stopped."""

    party: LetterParty
    appointment: datetime
    stopped_at: datetime
    reason: str


@dataclass(frozen=True)
class HandOffRow:
    """One hand-over of the dossier: from, to, when, and against the appointment then in force."""

    giver: str
    taker: str
    at: datetime
    timeliness: str  # "Trước hạn", "Đúng hạn", "Quá hạn"
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class ControlSlipData:
    """Mẫu 06: the dossier, its dates, and each hand-over from its history."""

    agency_name: str
    place: str
    printed_at: datetime
    dossier_code: str
    applicant_name: str
    procedure_code: str
    procedure_name: str
    received_at: datetime
    appointment_at: datetime
    original_appointment_at: datetime
    processing_unit: str
    hand_offs: tuple[HandOffRow, ...]
    unit_name: str = DEFAULT_UNIT_NAME
    appointment_notes: tuple[str, ...] = ()  # "Gia hạn: … → … (lý do)"
    blank_rows: int = 2  # rows left to fill by hand; 0 once the dossier is closed


def _letter_head(title: str, party: LetterParty) -> Flow:
    """Head, "Số: …" under the agency, the title and "Kính gửi" with the citizen's contacts."""
    fonts.ensure_fonts()
    flow = official.new_flow(title, party.dossier_code)
    official.header(
        flow,
        Heading(
            party.agency_name,
            party.unit_name,
            party.place,
            party.issued_at.date(),
            party.dossier_code,
        ),
    )
    flow.paragraph(
        [Run(NUMBER_LINE, fonts.SERIF)],
        BODY,
        align=Align.CENTER,
        width=official.LEFT_HEAD_WIDTH,
    )
    official.title(flow, title, party.dossier_code, None, copy_line=False)
    official.field(flow, "Kính gửi", f"Ông/Bà {party.applicant_name}", bold=True)
    if party.applicant_address.strip():
        official.field(flow, "Địa chỉ", party.applicant_address)
    contact = official.phone_email(party.applicant_phone, party.applicant_email)
    if contact:
        flow.paragraph(contact, BODY)
    flow.space(2 * MM)
    return flow


def _agency(party: LetterParty) -> str:
    """The writing agency as named in a sentence: the centre's own line of the head, in sentence
    case with the place name kept capitalised ("Trung tâm … tỉnh Quảng Ninh")."""
    lines = [line.strip() for line in party.agency_name.split("\n") if line.strip()]
    name = lines[-1] if lines else official.UNIT_IN_TEXT
    if not name.isupper():
        return name
    sentence = name[:1] + name[1:].lower()
    place = party.place.strip()
    return sentence.replace(place.lower(), place) if place else sentence


def _sentence(text: str) -> str:
    """A reason as the end of a sentence: one full stop."""
    return text.strip().rstrip(".;") + "."


def _day(moment: datetime | date) -> str:
    """'27 tháng 11 năm 2026', kept on one line."""
    return glue(f"{moment.day:02d} tháng {moment.month:02d} năm {moment.year}")


def _received(party: LetterParty, agency: str) -> list[Run]:
    """The opening of Mẫu 04 and 05: when the agency received which dossier (its code in bold);
    each form finishes the sentence its own way."""
    procedure = official.procedure_text(party.procedure_name, party.procedure_code)
    return [
        Run(
            f"Ngày {_day(party.received_at)}, {agency} tiếp nhận hồ sơ của Ông/Bà đề nghị "
            f"giải quyết thủ tục hành chính: {procedure}; mã hồ sơ: ",
            BODY.font,
        ),
        Run(party.dossier_code, fonts.SERIF_BOLD),
    ]


def _recipients_and_signature(flow: Flow, party: LetterParty, extra: tuple[str, ...]) -> None:
    """'Nơi nhận' at left and the head of the agency's signature at right, kept on one page."""
    half = official.CONTENT_WIDTH / 2
    small = Style(fonts.SERIF, 11, 13.5)
    small_bold_italic = Style(fonts.SERIF_BOLD_ITALIC, 12, 15)
    hint = Style(fonts.SERIF_ITALIC, 11, 14)
    who = official.HEAD_BOLD
    name = Style(fonts.SERIF_BOLD, 12, 15)
    recipients = ["- Như trên;", *extra, f"- Lưu: {party.unit_name.lower()}."]
    recipient_lines = [wrap_text(r, small.font, small.size, half - 4 * MM) for r in recipients]
    left_height = small_bold_italic.leading + sum(len(r) for r in recipient_lines) * small.leading
    sign_room = 24 * MM
    who_lines = wrap_text(HEAD_SIGNATURE, who.font, who.size, half)
    hint_lines = wrap_text(HEAD_SIGN_HINT, hint.font, hint.size, half)
    name_lines = (
        wrap_text(party.signer_name, name.font, name.size, half)
        if party.signer_name.strip()
        else []
    )
    right_height = (
        len(who_lines) * who.leading + hint.leading + sign_room + len(name_lines) * name.leading
    )
    flow.space(6 * MM)
    flow.ensure(max(left_height, right_height))
    y = flow.y
    left_x = official.MARGIN_LEFT
    right_x = official.MARGIN_LEFT + half

    def op(canvas: Canvas, _info: PageInfo) -> None:
        title = wrap_text("Nơi nhận:", small_bold_italic.font, small_bold_italic.size, half)
        draw_lines(canvas, title, small_bold_italic, left_x, y, half, Align.LEFT)
        line_y = y + small_bold_italic.leading
        for lines in recipient_lines:
            draw_lines(canvas, lines, small, left_x, line_y, half, Align.LEFT)
            line_y += len(lines) * small.leading
        draw_lines(canvas, who_lines, who, right_x, y, half, Align.CENTER)
        hint_y = y + len(who_lines) * who.leading
        draw_lines(canvas, hint_lines, hint, right_x, hint_y, half, Align.CENTER)
        draw_lines(
            canvas, name_lines, name, right_x, hint_y + hint.leading + sign_room, half, Align.CENTER
        )

    flow.add(op)
    flow.advance(max(left_height, right_height))


def _render(flow: Flow, title: str, party: LetterParty) -> bytes:
    """Mẫu 04 and 05 go to the applicant: one copy."""
    return official.render_a4(
        flow,
        title,
        agency=party.agency_name,
        subject=party.procedure_name,
        code=party.dossier_code,
        copies=("Bản gửi người nộp hồ sơ",),
    )


def layout_apology(data: ApologyData) -> Flow:
    """Lay out Mẫu 04."""
    party = data.party
    flow = _letter_head(APOLOGY_TITLE, party)
    agency = _agency(party)
    paragraphs = [
        [
            *_received(party, agency),
            Run(".", BODY.font),
        ],
        [
            Run("Thời hạn trả kết quả giải quyết hồ sơ đã hẹn: ", BODY.font),
            Run(glued_datetime(data.previous_appointment), fonts.SERIF_BOLD),
            Run(".", BODY.font),
        ],
        [
            Run(
                "Tuy nhiên, đến nay hồ sơ của Ông/Bà chưa được giải quyết xong đúng thời hạn "
                "đã hẹn. Lý do: ",
                BODY.font,
            ),
            Run(_sentence(data.reason), BODY.font),
        ],
        [
            Run(
                f"Sự chậm trễ này đã gây phiền hà cho Ông/Bà. {agency} trân trọng xin lỗi Ông/Bà "
                "và đề nghị Ông/Bà đồng ý gia hạn thời gian giải quyết hồ sơ. Kết quả giải "
                "quyết hồ sơ sẽ được trả cho Ông/Bà vào: ",
                BODY.font,
            ),
            Run(glued_datetime(data.new_appointment), fonts.SERIF_BOLD),
            Run(".", BODY.font),
        ],
        [Run("Rất mong nhận được sự thông cảm của Ông/Bà./.", fonts.SERIF_ITALIC)],
    ]
    first_line = 10 * MM
    for runs in paragraphs:
        flow.paragraph(runs, BODY, indent=first_line)
        flow.space(1.5 * MM)
    _recipients_and_signature(flow, party, ())
    return flow


def render_apology(data: ApologyData) -> bytes:
    """Mẫu 04 as A4 PDF bytes."""
    return _render(layout_apology(data), APOLOGY_TITLE, data.party)


def layout_stop_notice(data: StopNoticeData) -> Flow:
    """Lay out Mẫu 05."""
    party = data.party
    flow = _letter_head(STOP_TITLE, party)
    agency = _agency(party)
    paragraphs = [
        [
            *_received(party, agency),
            Run(f"; hẹn trả kết quả: {glued_datetime(data.appointment)}.", BODY.font),
        ],
        [
            Run(f"{agency} thông báo dừng giải quyết hồ sơ nêu trên kể từ ", BODY.font),
            Run(glued_datetime(data.stopped_at), fonts.SERIF_BOLD),
            Run(".", BODY.font),
        ],
        [Run("Lý do dừng giải quyết: ", fonts.SERIF_BOLD), Run(_sentence(data.reason), BODY.font)],
        [
            Run(
                "Ông/Bà liên hệ Bộ phận tiếp nhận và trả kết quả để được hướng dẫn và nhận lại "
                "hồ sơ, giấy tờ đã nộp (nếu có).",
                BODY.font,
            )
        ],
        [Run("Xin thông báo để Ông/Bà được biết./.", fonts.SERIF_ITALIC)],
    ]
    for runs in paragraphs:
        flow.paragraph(runs, BODY, indent=10 * MM)
        flow.space(1.5 * MM)
    _recipients_and_signature(flow, party, ())
    return flow


def render_stop_notice(data: StopNoticeData) -> bytes:
    """Mẫu 05 as A4 PDF bytes."""
    return _render(layout_stop_notice(data), STOP_TITLE, data.party)


CONTROL_HEADER = (
    "TÊN CƠ QUAN, BỘ PHẬN",
    "THỜI GIAN GIAO, NHẬN HỒ SƠ",
    "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/ Đúng hạn/ Quá hạn)",
    "GHI CHÚ",
)


def layout_control_slip(data: ControlSlipData) -> Flow:
    """Lay out Mẫu 06: the dossier's dates, then one table row per hand-over."""
    fonts.ensure_fonts()
    flow = official.new_flow(CONTROL_TITLE, data.dossier_code)
    official.header(
        flow,
        Heading(
            data.agency_name, data.unit_name, data.place, data.printed_at.date(), data.dossier_code
        ),
    )
    official.title(flow, CONTROL_TITLE, data.dossier_code, None, copy_line=False)
    flow.paragraph(
        [Run(f"(Kèm theo hồ sơ của: {data.applicant_name})", fonts.SERIF_ITALIC)],
        BODY,
        align=Align.CENTER,
    )
    flow.space(2 * MM)
    procedure = official.procedure_text(data.procedure_name, data.procedure_code)
    official.field(flow, "Nội dung yêu cầu giải quyết", procedure)
    official.field(flow, "Ngày nhận hồ sơ", glued_datetime(data.received_at))
    official.field(flow, "Ngày hẹn trả kết quả", glued_datetime(data.original_appointment_at))
    if data.appointment_at != data.original_appointment_at:
        official.field(flow, "Ngày hẹn trả sau gia hạn", glued_datetime(data.appointment_at))
    official.field(flow, "Cơ quan (bộ phận) giải quyết hồ sơ", data.processing_unit or "…")
    official.field(flow, "Cơ quan phối hợp giải quyết hồ sơ", "…")
    flow.space(2 * MM)
    columns = official.columns(
        (0, Align.LEFT), (50, Align.LEFT), (34, Align.CENTER), (38, Align.LEFT)
    )
    rows: list[tuple[str, ...]] = []
    for number, row in enumerate(data.hand_offs, start=1):
        rows.append(
            (
                f"{number}. Giao: {row.giver}\nNhận: {row.taker}",
                f"{long_datetime(row.at)}\n\nNgười giao:\nNgười nhận:",
                row.timeliness,
                row.note,
            )
        )
    # Rows left blank for the hand-overs still to come: the slip travels with the paper dossier
    # and is filled in by hand (the first one from whoever holds the dossier now).
    unit = data.unit_name[:1] + data.unit_name[1:].lower()
    holder = data.hand_offs[-1].taker if data.hand_offs else unit
    if holder.startswith("Người nộp"):
        holder = unit
    blank_time = "… giờ … phút, ngày … tháng … năm …\n\nNgười giao:\nNgười nhận:"
    for extra in range(data.blank_rows):
        giver = holder if extra == 0 else "…"
        rows.append((f"{len(rows) + 1}. Giao: {giver}\nNhận: …", blank_time, "", ""))
    table = measure_table(
        columns,
        CONTROL_HEADER,
        rows,
        style=TABLE,
        header_font=fonts.SERIF_BOLD,
        padding=1.5 * MM,
    )
    place_table(flow, table)
    if data.appointment_notes:
        flow.space(2 * MM)
        for note in data.appointment_notes:
            flow.paragraph([Run(note, fonts.SERIF_ITALIC)], BODY)
    return flow


def render_control_slip(data: ControlSlipData) -> bytes:
    """Mẫu 06 as A4 PDF bytes (one copy: it travels with the dossier)."""
    return official.render_a4(
        layout_control_slip(data),
        CONTROL_TITLE,
        agency=data.agency_name,
        subject=data.procedure_name,
        code=data.dossier_code,
        copies=("Lưu cùng hồ sơ",),
    )
