"""Bundled TTF fonts, registered with reportlab once per process (Helvetica has no Vietnamese)."""

from __future__ import annotations

import threading
from typing import Final

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from counter_app.resources import resource_path

# Times-compatible serif for the official forms; sans for the thermal slip (clearer at 203 dpi).
SERIF: Final = "CounterSerif"
SERIF_BOLD: Final = "CounterSerif-Bold"
SERIF_ITALIC: Final = "CounterSerif-Italic"
SERIF_BOLD_ITALIC: Final = "CounterSerif-BoldItalic"
SANS: Final = "CounterSans"
SANS_BOLD: Final = "CounterSans-Bold"
SANS_ITALIC: Final = "CounterSans-Italic"

_FILES: Final[dict[str, str]] = {
    SERIF: "LiberationSerif-Regular.ttf",
    SERIF_BOLD: "LiberationSerif-Bold.ttf",
    SERIF_ITALIC: "LiberationSerif-Italic.ttf",
    SERIF_BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
    SANS: "NotoSans-Regular.ttf",
    SANS_BOLD: "NotoSans-Bold.ttf",
    SANS_ITALIC: "NotoSans-Italic.ttf",
}

_lock = threading.Lock()
_registered = False


def ensure_fonts() -> None:
    """Register the bundled fonts; parsing them costs ~60 ms, so only the first time."""
    global _registered  # noqa: PLW0603 - a process-wide, register-once cache is the point
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, file_name in _FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file_name))))
        _registered = True


def font_names() -> tuple[str, ...]:
    """The registered font names, for checks over every face."""
    return tuple(_FILES)


def missing_glyphs(text: str, font_name: str) -> set[str]:
    """Characters of `text` that the font cannot draw (reportlab would print them blank)."""
    ensure_fonts()
    font = pdfmetrics.getFont(font_name)
    char_to_glyph: dict[int, int] = font.face.charToGlyph
    return {ch for ch in text if not ch.isspace() and ord(ch) not in char_to_glyph}
