"""The 80 mm queue ticket a kiosk prints: centre, number, area, counters, time, people before
you, and a QR of the page where the citizen follows their turn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reportlab.pdfgen.canvas import Canvas

from counter_app.receipts import fonts
from counter_app.receipts.codes import qr_for
from counter_app.receipts.flow import MM, Align, DocumentInfo, Flow, PageInfo, Style, replay
from counter_app.receipts.slip import MARGIN, MARGIN_BOTTOM, MARGIN_TOP, PAGE_WIDTH, UNBOUNDED
from counter_app.receipts.text import Run, nfc

QR_TARGET = 26 * MM

HEAD = Style(fonts.SANS_BOLD, 9, 12)
LABEL = Style(fonts.SANS, 9, 12)
NUMBER = Style(fonts.SANS_BOLD, 44, 50)
BODY = Style(fonts.SANS, 9, 12.5)
SMALL = Style(fonts.SANS_ITALIC, 7.5, 10)


@dataclass(frozen=True)
class TicketSlip:
    """What the ticket shows."""

    centre: str
    number: str
    area_name: str
    counters: tuple[int, ...]
    issued_at: datetime
    waiting_before: int
    follow_url: str
    priority_label: str = ""


def counters_text(counters: tuple[int, ...]) -> str:
    if not counters:
        return "Quầy: theo bảng hiển thị"
    label = "Quầy số" if len(counters) == 1 else "Các quầy số"
    return f"{label} {', '.join(str(c) for c in counters)}"


def render_ticket(slip: TicketSlip) -> bytes:
    """The ticket PDF: one page 80 mm wide, as tall as its content."""
    fonts.ensure_fonts()
    flow = Flow(
        PAGE_WIDTH, UNBOUNDED, top=MARGIN_TOP, bottom=MARGIN_BOTTOM, left=MARGIN, right=MARGIN
    )

    def centered(text: str, style: Style) -> None:
        flow.paragraph([Run(nfc(text), style.font)], style, align=Align.CENTER)

    for line in slip.centre.split("\n"):
        if line.strip():
            centered(line.strip().upper(), HEAD)
    flow.space(1.5 * MM)
    centered("SỐ THỨ TỰ CỦA BẠN", LABEL)
    centered(slip.number, NUMBER)
    if slip.priority_label:
        centered(f"Ưu tiên: {slip.priority_label}", HEAD)
    centered(slip.area_name, HEAD)
    centered(counters_text(slip.counters), BODY)
    flow.space(1 * MM)
    centered(f"Lấy số lúc {slip.issued_at:%H:%M} ngày {slip.issued_at:%d/%m/%Y}", BODY)
    centered(f"Số người chờ trước bạn: {slip.waiting_before}", BODY)
    flow.space(2 * MM)
    if slip.follow_url:
        qr = qr_for(slip.follow_url, QR_TARGET)
        x = MARGIN + (flow.content_width - qr.width) / 2
        y = flow.y

        def draw(canvas: Canvas, _info: PageInfo) -> None:
            qr.draw(canvas, x, y)

        flow.add(draw)
        flow.advance(qr.height)
        flow.space(1 * MM)
        centered("Quét mã để theo dõi lượt của bạn", SMALL)
    centered("Xin vui lòng chờ đến khi bảng hiển thị và loa gọi số của bạn.", SMALL)
    height = flow.y + MARGIN_BOTTOM
    info = DocumentInfo(
        title=f"Số thứ tự {slip.number}", author=slip.centre, subject=slip.area_name
    )
    return replay(flow.pages, (PAGE_WIDTH, height), ("",), info)
