"""Pieces shared by the A4 forms: two-column national header, title, fields, signatures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from counter_app.receipts import fonts
from counter_app.receipts.codes import MIN_BAR_DOTS, code128_modules, code128_path, code128_width
from counter_app.receipts.flow import (
    MM,
    Align,
    Column,
    DocumentInfo,
    Flow,
    Op,
    PageInfo,
    Style,
    draw_lines,
    fit_size,
    replay,
)
from counter_app.receipts.text import (
    Line,
    Run,
    glue,
    nfc,
    place_date,
    text_width,
    wrap_text,
)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_TOP = 15 * MM
MARGIN_BOTTOM = 18 * MM  # the footer sits in here
MARGIN_LEFT = 20 * MM
MARGIN_RIGHT = 12 * MM
CONTENT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
LEFT_HEAD_WIDTH = 86 * MM
RIGHT_HEAD_WIDTH = CONTENT_WIDTH - LEFT_HEAD_WIDTH
BAR_HEIGHT = 9 * MM

HEAD = Style(fonts.SERIF, 12, 15)
HEAD_BOLD = Style(fonts.SERIF_BOLD, 12, 15)
DATE_LINE = Style(fonts.SERIF_ITALIC, 12.5, 16)
TITLE = Style(fonts.SERIF_BOLD, 14, 18)
BODY = Style(fonts.SERIF, 12, 16)
TABLE = Style(fonts.SERIF, 11, 14)
SMALL = Style(fonts.SERIF, 10, 12.5)
CODE_TEXT = Style(fonts.SERIF, 10, 12)
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
SIGN_HINT = "(Ký và ghi rõ họ tên)"
UNIT_IN_TEXT = "Bộ phận tiếp nhận và trả kết quả"


@dataclass(frozen=True)
class Heading:
    """What the header of every A4 form shows."""

    agency_name: str
    unit_name: str
    place: str
    day: date
    dossier_code: str  # "" draws no barcode


def new_flow(continuation_title: str, dossier_code: str) -> Flow:
    """An A4 flow whose extra pages start with a one-line reminder of the form and code."""
    reminder = (
        f"{continuation_title} — Mã hồ sơ: {dossier_code}" if dossier_code else continuation_title
    )
    style = Style(fonts.SERIF_ITALIC, 10, 13)

    def continuation(flow: Flow) -> None:
        lines = wrap_text(f"{reminder} (tiếp theo)", style.font, style.size, CONTENT_WIDTH)
        y = flow.y
        height = len(lines) * style.leading

        def op(canvas: Canvas, _info: PageInfo) -> None:
            draw_lines(canvas, lines, style, MARGIN_LEFT, y, CONTENT_WIDTH, Align.LEFT)
            canvas.line(MARGIN_LEFT, -y - height - 2, MARGIN_LEFT + CONTENT_WIDTH, -y - height - 2)

        flow.add(op)
        flow.advance(height + 4 * MM)

    return Flow(
        PAGE_WIDTH,
        PAGE_HEIGHT,
        top=MARGIN_TOP,
        bottom=MARGIN_BOTTOM,
        left=MARGIN_LEFT,
        right=MARGIN_RIGHT,
        continuation=continuation,
    )


def _centered_block(
    ops: list[Callable[[Canvas], None]], text: str, style: Style, x: float, y: float, width: float
) -> float:
    """Queue centred wrapped text at (x, y); return its height."""
    lines = wrap_text(text, style.font, style.size, width)

    def op(canvas: Canvas) -> None:
        draw_lines(canvas, lines, style, x, y, width, Align.CENTER)

    ops.append(op)
    return len(lines) * style.leading


def _fitted(text: str, style: Style, width: float, minimum: float) -> Style:
    """The style shrunk so a short fixed line (national motto, unit name) stays on one line."""
    size = fit_size(nfc(text), style.font, style.size, width, minimum)
    return Style(style.font, size, style.leading) if size != style.size else style


def barcode_fits(modules: str, width: float) -> bool:
    """Whether the Code128 with its quiet zones fits `width` at the minimum 2 dots a module."""
    return code128_width(modules, MIN_BAR_DOTS) <= width


def _barcode_ops(
    ops: list[Callable[[Canvas], None]], code: str, modules: str, x: float, y: float, width: float
) -> float:
    """Queue a Code128 centred in (x, width) at y with the code printed under it; return height."""
    bars = code128_path(modules, BAR_HEIGHT)
    left = x + (width - bars.width) / 2

    def op(canvas: Canvas) -> None:
        bars.draw(canvas, left, y)

    ops.append(op)
    text_height = _centered_block(ops, code, CODE_TEXT, x, y + bars.height + 1, width)
    return bars.height + 1 + text_height


def header(flow: Flow, heading: Heading) -> None:
    """Agency + unit (+ barcode) at left, national motto + place and date at right."""
    ops: list[Callable[[Canvas], None]] = []
    top = flow.y
    left_x, right_x = MARGIN_LEFT, MARGIN_LEFT + LEFT_HEAD_WIDTH
    y = top
    for agency_line in nfc(heading.agency_name).split("\n"):
        if agency_line.strip():
            agency_style = _fitted(agency_line.strip(), HEAD, LEFT_HEAD_WIDTH, 10)
            y += _centered_block(ops, agency_line.strip(), agency_style, left_x, y, LEFT_HEAD_WIDTH)
    unit_style = _fitted(heading.unit_name, HEAD_BOLD, LEFT_HEAD_WIDTH, 10.5)
    y += _centered_block(ops, heading.unit_name, unit_style, left_x, y, LEFT_HEAD_WIDTH)
    rule_y = y + 3
    ops.append(_rule(left_x + LEFT_HEAD_WIDTH / 3, rule_y, LEFT_HEAD_WIDTH / 3))
    y = rule_y + 3 * MM

    below: list[Callable[[Canvas], None]] = []
    below_height = 0.0
    if heading.dossier_code:
        modules = code128_modules(heading.dossier_code)
        if barcode_fits(modules, LEFT_HEAD_WIDTH):
            y += _barcode_ops(ops, heading.dossier_code, modules, left_x, y, LEFT_HEAD_WIDTH)
        elif barcode_fits(modules, CONTENT_WIDTH):
            # A long code's bars get the full width under the header instead of being squeezed.
            below_height = _barcode_ops(
                below, heading.dossier_code, modules, MARGIN_LEFT, 0.0, CONTENT_WIDTH
            )
    left_bottom = y

    y = top
    nation = _fitted(NATION, HEAD_BOLD, RIGHT_HEAD_WIDTH, 10)
    y += _centered_block(ops, NATION, nation, right_x, y, RIGHT_HEAD_WIDTH)
    motto = Style(fonts.SERIF_BOLD, nation.size + 0.5, 16)
    _centered_block(ops, MOTTO, motto, right_x, y, RIGHT_HEAD_WIDTH)
    motto_width = text_width(MOTTO, motto.font, motto.size)
    underline_y = y + motto.baseline() + 0.25 * motto.size
    ops.append(_rule(right_x + (RIGHT_HEAD_WIDTH - motto_width) / 2, underline_y, motto_width))
    y = underline_y + 5 * MM
    y += _centered_block(
        ops, place_date(nfc(heading.place), heading.day), DATE_LINE, right_x, y, RIGHT_HEAD_WIDTH
    )
    right_bottom = y

    flow.add(_replay(ops))
    flow.advance(max(left_bottom, right_bottom) - top)
    if below:
        flow.space(4 * MM)
        shift = flow.y
        flow.add(_replay(below, shift))
        flow.advance(below_height)


def _rule(x: float, y: float, width: float) -> Callable[[Canvas], None]:
    def op(canvas: Canvas) -> None:
        canvas.line(x, -y, x + width, -y)

    return op


def _replay(ops: list[Callable[[Canvas], None]], shift: float = 0.0) -> Op:
    """One recorded step that runs queued canvas calls, optionally moved `shift` points down."""

    def op(canvas: Canvas, _info: PageInfo) -> None:
        if shift:
            canvas.saveState()
            canvas.translate(0, -shift)
        for step in ops:
            step(canvas)
        if shift:
            canvas.restoreState()

    return op


def title(
    flow: Flow,
    text: str,
    dossier_code: str,
    reprint_text: str | None,
    copy_line: bool,
    *,
    above: float = 7 * MM,
    below: float = 3 * MM,
) -> None:
    """Title, "Mã hồ sơ: …", the copy label (filled in per copy) and a boxed reprint notice."""
    flow.space(above)
    flow.paragraph([Run(text, TITLE.font)], TITLE, align=Align.CENTER)
    if dossier_code:
        flow.paragraph(
            [Run("Mã hồ sơ: ", fonts.SERIF), Run(dossier_code, fonts.SERIF_BOLD)],
            BODY,
            align=Align.CENTER,
        )
    if copy_line:
        y = flow.y
        style = Style(fonts.SERIF_ITALIC, 11.5, 15)

        def op(canvas: Canvas, info: PageInfo) -> None:
            lines = wrap_text(f"({info.copy_label})", style.font, style.size, CONTENT_WIDTH)
            draw_lines(canvas, lines[:1], style, MARGIN_LEFT, y, CONTENT_WIDTH, Align.CENTER)

        flow.add(op)
        flow.advance(style.leading)
    if reprint_text:
        boxed(flow, reprint_text)
    flow.space(below)


def boxed(flow: Flow, text: str) -> None:
    """A bold notice in a frame, centred (the reprint notice must be seen)."""
    style = Style(fonts.SERIF_BOLD, 12, 15)
    pad = 2 * MM
    lines = wrap_text(text, style.font, style.size, CONTENT_WIDTH - 2 * pad)
    width = max(line.width for line in lines) + 2 * pad
    height = len(lines) * style.leading + 2 * pad
    flow.space(1.5 * MM)
    flow.ensure(height)
    x = MARGIN_LEFT + (CONTENT_WIDTH - width) / 2
    y = flow.y

    def op(canvas: Canvas, _info: PageInfo) -> None:
        canvas.saveState()
        canvas.setLineWidth(1.5)
        canvas.rect(x, -y - height, width, height, stroke=1, fill=0)
        canvas.restoreState()
        draw_lines(canvas, lines, style, x + pad, y + pad, width - 2 * pad, Align.CENTER)

    flow.add(op)
    flow.advance(height)


def field(
    flow: Flow,
    label: str,
    value: str,
    *,
    bold: bool = False,
    style: Style = BODY,
    width: float | None = None,
) -> None:
    """'Label: value' with wrapped lines aligned under the start of the label."""
    value_font = fonts.SERIF_BOLD if bold else style.font
    flow.paragraph([Run(f"{label}: ", style.font), Run(value, value_font)], style, width=width)


def numbered(
    flow: Flow, number: int, runs: list[Run], style: Style = BODY, *, width: float | None = None
) -> None:
    """'N. text…' with continuation lines indented under the text."""
    prefix = f"{number}. "
    indent = text_width(prefix, style.font, style.size)
    flow.paragraph([Run(prefix, style.font), *runs], style, hanging=indent, width=width)


def phone_email(phone: str, email: str) -> list[Run]:
    """'Số điện thoại: … Email: …' as runs, leaving out whichever is empty."""
    runs: list[Run] = []
    if phone.strip():
        runs.append(Run(f"Số điện thoại: {glue(phone.strip())}", fonts.SERIF))
    if email.strip():
        separator = "; " if runs else ""
        runs.append(Run(f"{separator}Email: {email.strip()}", fonts.SERIF))
    return runs


def signatures(
    flow: Flow,
    left: tuple[str, str] | None,
    right: tuple[str, str],
    *,
    sign_room: float = 22 * MM,
    above: float = 6 * MM,
) -> None:
    """Signature blocks (title, hint, room to sign, printed name), kept on one page.

    `left` None leaves the left half empty: forms signed by the counter alone (Mẫu 02, 03).
    """
    half = CONTENT_WIDTH / 2
    hint = Style(fonts.SERIF_ITALIC, 11, 14)
    name = Style(fonts.SERIF_BOLD, 12, 15)
    blocks: list[tuple[float, list[Line], list[Line], list[Line]]] = []
    sides = [(0.0, left), (half, right)] if left is not None else [(half, right)]
    for offset, (who, person) in sides:
        blocks.append(
            (
                MARGIN_LEFT + offset,
                wrap_text(who, HEAD_BOLD.font, HEAD_BOLD.size, half - 4 * MM),
                wrap_text(SIGN_HINT, hint.font, hint.size, half - 4 * MM),
                wrap_text(person, name.font, name.size, half - 4 * MM) if person.strip() else [],
            )
        )
    titles = max(len(b[1]) for b in blocks) * HEAD_BOLD.leading
    names = max(len(b[3]) for b in blocks) * name.leading
    height = titles + hint.leading + sign_room + names
    flow.space(above)
    flow.ensure(height)
    y = flow.y

    def op(canvas: Canvas, _info: PageInfo) -> None:
        for x, who_lines, hint_lines, name_lines in blocks:
            w = half
            draw_lines(canvas, who_lines, HEAD_BOLD, x, y, w, Align.CENTER)
            draw_lines(canvas, hint_lines, hint, x, y + titles, w, Align.CENTER)
            draw_lines(
                canvas, name_lines, name, x, y + titles + hint.leading + sign_room, w, Align.CENTER
            )

    flow.add(op)
    flow.advance(height)


def footer(dossier_code: str, *, reprint: bool = False) -> Op:
    """Every page's foot: which copy, the code, page n/N (pages of one copy can be told apart)."""
    style = Style(fonts.SERIF_ITALIC, 9, 11)
    left_text = " — Mã hồ sơ: " + dossier_code if dossier_code else ""
    reprint_text = "BẢN IN LẠI — " if reprint else ""

    def op(canvas: Canvas, info: PageInfo) -> None:
        y = PAGE_HEIGHT - 10 * MM
        canvas.setFont(style.font, style.size)
        canvas.drawString(MARGIN_LEFT, -y, nfc(info.copy_label + left_text))
        canvas.drawRightString(
            MARGIN_LEFT + CONTENT_WIDTH,
            -y,
            nfc(f"{reprint_text}Trang {info.page_no}/{info.page_count}"),
        )

    return op


def procedure_text(name: str, code: str) -> str:
    """«Nội dung yêu cầu giải quyết»: the procedure's name, then its code when it has one."""
    return f"{name} (mã thủ tục: {code})" if code.strip() else name


def render_a4(
    flow: Flow,
    title: str,
    *,
    agency: str,
    subject: str,
    code: str,
    copies: tuple[str, ...],
    reprint: bool = False,
) -> bytes:
    """An A4 form's PDF: its pages once per copy label, each page with the footer; the PDF's
    title names the form and the dossier, its author the agency."""
    info = DocumentInfo(
        title=f"{title} — {code}" if code else title,
        author=agency.replace("\n", " "),
        subject=subject,
    )
    return replay(
        flow.pages, (PAGE_WIDTH, PAGE_HEIGHT), copies, info, chrome=footer(code, reprint=reprint)
    )


def columns(*specs: tuple[float, Align]) -> tuple[Column, ...]:
    """Table columns from (width in mm or 0 for "the rest", alignment)."""
    fixed = sum(width * MM for width, _ in specs if width)
    rest = CONTENT_WIDTH - fixed
    return tuple(Column(width * MM if width else rest, align) for width, align in specs)


def receiving_unit(agency_name: str, counter_label: str) -> str:
    """The most specific line of the agency name and the counter: 'TRUNG TÂM … — Quầy số 3'."""
    parts = [part.strip() for part in agency_name.split("\n") if part.strip()]
    agency = parts[-1] if parts else ""
    # Glued so "Quầy số" never ends a line with its number alone on the next.
    return f"{agency} — {glue(counter_label.strip())}" if counter_label.strip() else agency
