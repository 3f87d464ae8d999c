"""Bundled fonts: registered once, and every Vietnamese letter has a glyph in every face."""

from __future__ import annotations

import unicodedata

import pytest
from reportlab.pdfbase import pdfmetrics

from counter_app.receipts import fonts

VOWELS = "aăâeêioôơuưy"
CONSONANTS = "bcdđghklmnpqrstvx"
TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng


def vietnamese_letters() -> str:
    """Every letter of the alphabet in both cases with every tone mark, precomposed (NFC)."""
    letters = set(CONSONANTS + CONSONANTS.upper())
    for vowel in VOWELS + VOWELS.upper():
        letters.add(vowel)
        for tone in TONES:
            composed = unicodedata.normalize("NFC", vowel + tone)
            assert len(composed) == 1, f"{vowel}+{tone} has no precomposed form"
            letters.add(composed)
    return "".join(sorted(letters))


def test_alphabet_has_every_letter_form() -> None:
    # 12 vowels × 6 tones (incl. none) × 2 cases = 144, plus 17 consonants × 2 = 34.
    assert len(vietnamese_letters()) == 144 + 34


@pytest.mark.parametrize("font_name", fonts.font_names())
def test_every_face_draws_every_vietnamese_letter(font_name: str) -> None:
    text = vietnamese_letters() + "–—…“”‘’·№0123456789"
    assert fonts.missing_glyphs(text, font_name) == set()


def test_missing_glyphs_reports_what_a_face_lacks() -> None:
    assert fonts.missing_glyphs("a\u4e2d", fonts.SERIF) == {"\u4e2d"}


def test_registration_happens_once() -> None:
    fonts.ensure_fonts()
    first = pdfmetrics.getFont(fonts.SERIF)
    fonts.ensure_fonts()
    assert pdfmetrics.getFont(fonts.SERIF) is first
