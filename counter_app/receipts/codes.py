"""Code128 and QR drawn as vector paths sized in whole printer dots, and reading a scan back."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import barcode
import segno
from reportlab.pdfgen.canvas import Canvas

PRINTER_DPI: Final = 203
DOT: Final = 72.0 / PRINTER_DPI  # one thermal-printer dot in points (0.125 mm)
MIN_BAR_DOTS: Final = 2  # 1-dot modules did not decode at 203 dpi (NOTES.md)
QUIET_MODULES: Final = 10  # Code128 needs ≥ 10 modules of white each side
QR_QUIET_MODULES: Final = 4


def snap(value: float) -> float:
    """Round a position (points from the page's top-left) to the printer's dot grid."""
    return round(value / DOT) * DOT


def code128_modules(text: str) -> str:
    """The Code128 bar pattern of `text` as '1' (bar) and '0' (space) modules, stop bar included."""
    if not text or not text.isascii() or not text.isprintable():
        raise ValueError(f"Code128 needs printable ASCII text, got {text!r}")
    modules: str = barcode.get_barcode_class("code128")(text).build()[0]
    return modules


def code128_width(modules: str, dots_per_module: int = MIN_BAR_DOTS) -> float:
    """Width in points of the symbol including both quiet zones."""
    return (len(modules) + 2 * QUIET_MODULES) * dots_per_module * DOT


_DARK_RUN = re.compile(rb"\x01+")


def _runs(bits: Sequence[int]) -> list[tuple[int, int]]:
    """(start, length) of each run of dark (1 / True) modules."""
    return [(m.start(), m.end() - m.start()) for m in _DARK_RUN.finditer(bytes(bits))]


@dataclass(frozen=True)
class DotPath:
    """Filled rectangles in whole printer dots, kept as ready PDF path operators.

    Drawn in a coordinate system of one unit per dot, so every edge is an integer: no rounding,
    no grey edge pixels at 203 dpi, and ~10x cheaper than reportlab's float formatting per rect.
    """

    operators: str
    width_dots: int
    height_dots: int

    @property
    def width(self) -> float:
        return self.width_dots * DOT

    @property
    def height(self) -> float:
        return self.height_dots * DOT

    def draw(self, canvas: Canvas, x: float, y_top: float) -> None:
        """Draw with the top-left corner at (x, y_top) snapped to the dot grid.

        The canvas's origin is the page's top-left corner with y pointing up (see flow.Op).
        """
        canvas.saveState()
        canvas.translate(snap(x), -snap(y_top))
        canvas.scale(DOT, -DOT)  # one unit per dot, y pointing down
        canvas.setFillColorRGB(0, 0, 0)
        canvas.addLiteral(self.operators)
        canvas.restoreState()

    def draw_turned(self, canvas: Canvas, x: float, y_top: float) -> None:
        """Draw turned a quarter clockwise, top-left of its footprint at (x, y_top).

        The footprint is `height` wide and `width` tall: a Code128 printed along a thermal roll,
        whose length is free while its 72 mm width is not. Still whole dots, so still sharp.
        """
        canvas.saveState()
        canvas.translate(snap(x), -snap(y_top))
        canvas.scale(DOT, -DOT)
        # (u, v) → (height − v, u): a rotation, not a mirror, so scanners read it either way.
        canvas.transform(0, 1, -1, 0, self.height_dots, 0)
        canvas.setFillColorRGB(0, 0, 0)
        canvas.addLiteral(self.operators)
        canvas.restoreState()


def _path(rects: Sequence[tuple[int, int, int, int]], width: int, height: int) -> DotPath:
    body = "\n".join(f"{x} {y} {w} {h} re" for x, y, w, h in rects)
    return DotPath(f"{body}\nf" if rects else "", width, height)


def code128_path(modules: str, height: float, dots_per_module: int = MIN_BAR_DOTS) -> DotPath:
    """The bars of a Code128 pattern, quiet zones included in the size (left white)."""
    bar_height = max(1, round(height / DOT))
    quiet = QUIET_MODULES * dots_per_module
    rects = [
        (quiet + start * dots_per_module, 0, length * dots_per_module, bar_height)
        for start, length in _runs([bit == "1" for bit in modules])
    ]
    return _path(rects, 2 * quiet + len(modules) * dots_per_module, bar_height)


def qr_matrix(content: str) -> tuple[bytes, ...]:
    """The QR module matrix (no quiet zone) of `content` as rows of 0/1 bytes, ECC M or better."""
    qr = segno.make(content, error="m", micro=False)
    return tuple(bytes(row) for row in qr.matrix)


def qr_module_dots(matrix_size: int, target: float) -> int:
    """Whole dots per QR module so the symbol with its quiet zone is at most `target` wide."""
    dots = int(target / ((matrix_size + 2 * QR_QUIET_MODULES) * DOT))
    return max(dots, MIN_BAR_DOTS)


def qr_path(matrix: Sequence[Sequence[int]], dots_per_module: int) -> DotPath:
    """A QR matrix as one path, quiet zone included in the size; rows' dark runs become rects."""
    quiet = QR_QUIET_MODULES * dots_per_module
    rects = [
        (
            quiet + start * dots_per_module,
            quiet + row * dots_per_module,
            length * dots_per_module,
            dots_per_module,
        )
        for row, bits in enumerate(matrix)
        for start, length in _runs(bits)
    ]
    size = 2 * quiet + len(matrix) * dots_per_module
    return _path(rects, size, size)


def qr_for(content: str, target: float) -> DotPath:
    """The QR of `content` at the largest whole-dot module that keeps it within `target` points."""
    matrix = qr_matrix(content)
    return qr_path(matrix, qr_module_dots(len(matrix), target))
