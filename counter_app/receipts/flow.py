"""A small top-down layout engine: measures once, records draw operations per page, replays them.

Platypus would do, but a receipt is a fixed form: laying it out by hand is simpler to make exact
and ~3x faster, and recording lets the two copies of a receipt share one layout.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum

from reportlab import rl_config
from reportlab.pdfgen.canvas import Canvas

from counter_app.receipts.text import Line, Run, nfc, text_width, wrap_runs

MM = 72.0 / 25.4
_SAVE_LOCK = threading.Lock()


@dataclass(frozen=True)
class PageInfo:
    """What a replayed page knows about itself: which copy, which page of how many."""

    copy_label: str
    page_no: int
    page_count: int


# A recorded drawing step. The canvas is translated so y = 0 is the page top; y grows upwards,
# so a point `d` points below the top is drawn at y = -d.
Op = Callable[[Canvas, PageInfo], None]


class Align(Enum):
    """Horizontal alignment of a text block."""

    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Style:
    """Font, size and line height of a text block."""

    font: str
    size: float
    leading: float

    def baseline(self) -> float:
        """Distance from a line box's top to its baseline (room above for stacked accents)."""
        return self.leading - 0.27 * self.size


def draw_lines(
    canvas: Canvas,
    lines: Sequence[Line],
    style: Style,
    x: float,
    y: float,
    width: float,
    align: Align,
) -> None:
    """Draw laid-out lines whose first line box starts `y` points below the page top."""
    for index, line in enumerate(lines):
        offset = 0.0
        if align is Align.CENTER:
            offset = (width - line.width) / 2
        elif align is Align.RIGHT:
            offset = width - line.width
        baseline = -(y + index * style.leading + style.baseline())
        for segment in line.segments:
            canvas.setFont(segment.font, style.size)
            canvas.drawString(x + offset + segment.x, baseline, segment.text)


def _lines_op(
    lines: Sequence[Line], style: Style, x: float, y: float, width: float, align: Align
) -> Op:
    def op(canvas: Canvas, _info: PageInfo) -> None:
        draw_lines(canvas, lines, style, x, y, width, align)

    return op


class Flow:
    """Lays blocks out top-down across pages of a fixed size and records how to draw them."""

    def __init__(
        self,
        width: float,
        height: float,
        *,
        top: float,
        bottom: float,
        left: float,
        right: float,
        continuation: Callable[[Flow], None] | None = None,
    ) -> None:
        self.page_width = width
        self.page_height = height
        self.top = top
        self.bottom = bottom
        self.left = left
        self.content_width = width - left - right
        self.pages: list[list[Op]] = [[]]
        self.y = top
        self._continuation = continuation
        self._fresh = False

    @property
    def room(self) -> float:
        """Height left on the current page."""
        return self.page_height - self.bottom - self.y

    def new_page(self) -> None:
        """Start a page and draw the continuation header, if any."""
        self.pages.append([])
        self.y = self.top
        if self._continuation is not None:
            self._continuation(self)
        self._fresh = True

    def ensure(self, height: float) -> None:
        """Start a new page unless `height` fits (a fresh page takes anything: no endless loop)."""
        if height > self.room and not self._fresh:
            self.new_page()

    def add(self, op: Op) -> None:
        """Record a drawing step on the current page."""
        self.pages[-1].append(op)

    def advance(self, height: float) -> None:
        """Move the cursor down after placing something."""
        self.y += height
        self._fresh = False

    def space(self, height: float) -> None:
        """Vertical gap, dropped at the top of a page."""
        if not self._fresh:
            self.y = min(self.y + height, self.page_height - self.bottom)

    def lines(
        self,
        lines: Sequence[Line],
        style: Style,
        *,
        x: float | None = None,
        width: float | None = None,
        align: Align = Align.LEFT,
        keep: int = 2,
    ) -> None:
        """Place wrapped lines; a paragraph may split across pages, `keep` lines stay together."""
        left = self.left if x is None else x
        box = self.content_width if width is None else width
        remaining = list(lines)
        self.ensure(min(keep, len(remaining)) * style.leading)
        while remaining:
            fit = max(1, int((self.room + 0.01) // style.leading))
            chunk, remaining = remaining[:fit], remaining[fit:]
            self.add(_lines_op(chunk, style, left, self.y, box, align))
            self.advance(len(chunk) * style.leading)
            if remaining:
                self.new_page()

    def paragraph(
        self,
        runs: Sequence[Run],
        style: Style,
        *,
        indent: float = 0.0,
        hanging: float = 0.0,
        align: Align = Align.LEFT,
        x: float | None = None,
        width: float | None = None,
    ) -> None:
        """Wrap and place mixed-font text; `hanging` indents the lines after the first."""
        box = self.content_width if width is None else width
        wrapped = wrap_runs(runs, style.size, box, first_indent=indent, rest_indent=hanging)
        self.lines(wrapped, style, x=x, width=box, align=align)


@dataclass(frozen=True)
class Column:
    """A table column: width in points, alignment of its cells."""

    width: float
    align: Align


@dataclass(frozen=True)
class Table:
    """A measured table: wrapped cells and row heights, ready to place."""

    columns: tuple[Column, ...]
    style: Style
    padding: float
    header: tuple[tuple[Line, ...], ...]
    header_height: float
    rows: tuple[tuple[tuple[tuple[Line, ...], ...], float], ...]

    @property
    def lead_height(self) -> float:
        """Header plus first row: what must fit below a caption kept with the table."""
        return self.header_height + (self.rows[0][1] if self.rows else 0.0)


def measure_table(
    columns: Sequence[Column],
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    style: Style,
    header_font: str,
    padding: float,
) -> Table:
    """Wrap every cell to its column and compute row heights."""

    def measure(cells: Sequence[str], font: str) -> tuple[tuple[tuple[Line, ...], ...], float]:
        wrapped = tuple(
            tuple(wrap_runs((Run(cell, font),), style.size, col.width - 2 * padding))
            for cell, col in zip(cells, columns, strict=True)
        )
        return wrapped, max(len(w) for w in wrapped) * style.leading + 2 * padding

    head, head_height = measure(header, header_font)
    body = tuple(measure(row, style.font) for row in rows)
    return Table(tuple(columns), style, padding, head, head_height, body)


def _row_op(
    table: Table, x0: float, y: float, cells: tuple[tuple[Line, ...], ...], height: float
) -> Op:
    def op(canvas: Canvas, _info: PageInfo) -> None:
        path = canvas.beginPath()
        x = x0
        inner = table.padding
        for col, lines in zip(table.columns, cells, strict=True):
            path.rect(x, -y - height, col.width, height)
            draw_lines(
                canvas, lines, table.style, x + inner, y + inner, col.width - 2 * inner, col.align
            )
            x += col.width
        canvas.drawPath(path, stroke=1, fill=0)

    return op


def place_table(flow: Flow, table: Table) -> None:
    """Place a ruled table; rows move whole to the next page, where the header is repeated."""
    flow.ensure(table.lead_height)
    flow.add(_row_op(table, flow.left, flow.y, table.header, table.header_height))
    flow.advance(table.header_height)
    for cells, height in table.rows:
        if height > flow.room:
            flow.new_page()
            flow.add(_row_op(table, flow.left, flow.y, table.header, table.header_height))
            flow.advance(table.header_height)
        flow.add(_row_op(table, flow.left, flow.y, cells, height))
        flow.advance(height)


@dataclass(frozen=True)
class DocumentInfo:
    """PDF metadata."""

    title: str
    author: str
    subject: str


def replay(
    pages: Sequence[Sequence[Op]],
    page_size: tuple[float, float],
    copy_labels: Sequence[str],
    info: DocumentInfo,
    chrome: Op | None = None,
) -> bytes:
    """Draw the recorded pages once per copy label into one PDF and return its bytes."""
    with binary_streams():
        return _replay(pages, page_size, copy_labels, info, chrome)


@contextmanager
def binary_streams() -> Iterator[None]:
    """Skip reportlab's ASCII85 layer over compressed streams while rendering.

    ASCII85 only makes a PDF 25% larger and, in pure Python, costs ~5 ms a receipt. reportlab reads
    the switch from its global config, so it is set for the duration and restored afterwards (a
    concurrent reportlab document would at worst get binary streams too: still a valid PDF).
    """
    with _SAVE_LOCK:  # our own renders never interleave their save/restore of the switch
        previous = rl_config.useA85
        rl_config.useA85 = 0
        try:
            yield
        finally:
            rl_config.useA85 = previous


def _replay(
    pages: Sequence[Sequence[Op]],
    page_size: tuple[float, float],
    copy_labels: Sequence[str],
    info: DocumentInfo,
    chrome: Op | None,
) -> bytes:
    buffer = io.BytesIO()
    # Not invariant: the PDF carries its real creation date (a reprint shows when it was made).
    canvas = Canvas(buffer, pagesize=page_size, invariant=False, pageCompression=1)
    canvas.setTitle(nfc(info.title))
    canvas.setAuthor(nfc(info.author))
    canvas.setSubject(nfc(info.subject))
    canvas.setCreator("counter-app")
    for label in copy_labels:
        for number, ops in enumerate(pages, start=1):
            page = PageInfo(label, number, len(pages))
            canvas.saveState()
            canvas.translate(0, page_size[1])
            canvas.setLineWidth(0.5)
            for op in ops:
                op(canvas, page)
            if chrome is not None:
                chrome(canvas, page)
            canvas.restoreState()
            canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def fit_size(text: str, font: str, size: float, width: float, minimum: float) -> float:
    """The largest size ≤ `size` (down to `minimum`) at which one line of `text` fits `width`."""
    natural = text_width(text, font, size)
    if natural <= width:
        return size
    return max(minimum, size * width / natural)
