"""Vietnamese wording of dates and money, NFC normalisation, line wrapping of mixed-font text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from reportlab.pdfbase.pdfmetrics import stringWidth

from counter_app.catalog import fee_line

# Only ordinary spaces and tabs break lines; NO_BREAK (U+00A0) glues words and prints as a space.
_TOKEN = re.compile(r"[ \t]+|[^ \t]+")
NO_BREAK = "\u00a0"
# Where a token too wide for the line may be cut, best first: after URL / code punctuation.
_SOFT_BREAK_TIERS = (frozenset("/"), frozenset("-.@_?&=,;"))


def nfc(text: str) -> str:
    """NFC form: reportlab does no shaping, so decomposed accents would land beside their letter."""
    return unicodedata.normalize("NFC", text)


def two_digits(number: int) -> str:
    """01, 02, … 10, 11 (how counts and days are written on forms)."""
    return f"{number:02d}"


def long_datetime(moment: datetime) -> str:
    """'08 giờ 15 phút, ngày 27 tháng 11 năm 2026'."""
    return (
        f"{moment.hour:02d} giờ {moment.minute:02d} phút, "
        f"ngày {moment.day:02d} tháng {moment.month:02d} năm {moment.year}"
    )


def glue(text: str) -> str:
    """Keep the words of `text` on one line when wrapped."""
    return text.replace(" ", NO_BREAK)


def glued_datetime(moment: datetime) -> str:
    """`long_datetime` that may break only after its comma (no year alone on a line)."""
    return ", ".join(glue(part) for part in long_datetime(moment).split(", "))


def short_datetime(moment: datetime) -> str:
    """'08:15 27/11/2026'."""
    return moment.strftime("%H:%M %d/%m/%Y")


def place_date(place: str, day: date) -> str:
    """'Quảng Ninh, ngày 05 tháng 7 năm 2026': day < 10, month < 3 get a leading 0 (NĐ 30/2020)."""
    day_text = f"{day.day:02d}"
    month_text = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day_text} tháng {month_text} năm {day.year}"


def money(amount: int) -> str:
    """'50.000 đồng', or 'Không thu phí' for 0 with no catalog note (`catalog.fee_line`)."""
    return fee_line(amount)


@lru_cache(maxsize=8192)
def text_width(text: str, font: str, size: float) -> float:
    """Width in points; cached because the same labels are measured on every render."""
    return float(stringWidth(text, font, size))


@dataclass(frozen=True)
class Run:
    """A piece of text in one font."""

    text: str
    font: str


@dataclass(frozen=True)
class Segment:
    """A piece of a laid-out line: start (from the line's left edge), text and font."""

    x: float
    text: str
    font: str


@dataclass(frozen=True)
class Line:
    """One laid-out line and its width."""

    segments: tuple[Segment, ...]
    width: float


class _LineBuilder:
    """Accumulates (text, font, width) pieces of one line, merging neighbours in the same font."""

    def __init__(self, start: float) -> None:
        self.start = start
        self.x = start
        self.pieces: list[tuple[str, str, float, bool]] = []  # text, font, width, is_space

    def has_words(self) -> bool:
        return any(not is_space for _, _, _, is_space in self.pieces)

    def add(self, text: str, font: str, width: float, is_space: bool) -> None:
        self.pieces.append((text, font, width, is_space))
        self.x += width

    def finish(self) -> Line:
        while self.pieces and self.pieces[-1][3]:
            self.x -= self.pieces.pop()[2]
        segments: list[Segment] = []
        x = self.start
        for raw, font, width, _ in self.pieces:
            text = raw.replace(NO_BREAK, " ")
            if segments and segments[-1].font == font:
                last = segments[-1]
                segments[-1] = Segment(last.x, last.text + text, font)
            else:
                segments.append(Segment(x, text, font))
            x += width
        return Line(tuple(segments), self.x)


def _cut(token: str, font: str, size: float, room: float) -> int:
    """How many characters of an over-long token to keep on this line (at least one)."""
    fit = 0
    for i in range(1, len(token) + 1):
        if text_width(token[:i], font, size) > room:
            break
        fit = i
    if fit == 0:
        return 1
    # Cut after a path separator, else after other punctuation, when that keeps at least a third
    # of the line; else mid-token.
    for breaks in _SOFT_BREAK_TIERS:
        soft = max((i + 1 for i in range(fit) if token[i] in breaks), default=0)
        if soft and text_width(token[:soft], font, size) >= room / 3:
            return soft
    return fit


def wrap_runs(
    runs: Sequence[Run],
    size: float,
    width: float,
    *,
    first_indent: float = 0.0,
    rest_indent: float = 0.0,
) -> list[Line]:
    """Greedy word wrap of mixed-font runs; "\\n" forces a break, over-long tokens are cut."""
    lines: list[Line] = []
    line = _LineBuilder(first_indent)
    for run in runs:
        for part_index, part in enumerate(nfc(run.text).split("\n")):
            if part_index:
                lines.append(line.finish())
                line = _LineBuilder(rest_indent)
            for token in _TOKEN.findall(part):
                if token.isspace():
                    if line.has_words():
                        line.add(" ", run.font, text_width(" ", run.font, size), True)
                    continue
                token_width = text_width(token, run.font, size)
                # Break before the token, unless it is wider than a line anyway and a good part of
                # this line is still free: then it is cut here (long URLs, e-mail addresses).
                fits_a_line = token_width <= width - rest_indent
                room_left = width - line.x
                if (
                    line.x + token_width > width
                    and line.has_words()
                    and (fits_a_line or room_left < width / 3)
                ):
                    lines.append(line.finish())
                    line = _LineBuilder(rest_indent)
                rest = token
                while line.x + token_width > width and rest:
                    keep = _cut(rest, run.font, size, width - line.x)
                    piece = rest[:keep]
                    line.add(piece, run.font, text_width(piece, run.font, size), False)
                    lines.append(line.finish())
                    line = _LineBuilder(rest_indent)
                    rest = rest[keep:]
                    token_width = text_width(rest, run.font, size)
                if rest:
                    line.add(rest, run.font, token_width, False)
    lines.append(line.finish())
    return lines


def wrap_text(text: str, font: str, size: float, width: float) -> list[Line]:
    """Wrap plain text in one font."""
    return wrap_runs((Run(text, font),), size, width)
