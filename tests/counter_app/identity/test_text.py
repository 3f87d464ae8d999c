"""Tests for counter_app.identity.text: whitespace, control characters, NFC and folding."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.identity import (
    IdKind,
    InvalidValue,
    fold,
    has_lone_mark,
    mask_id_number,
    mask_name,
    normalize_address,
    normalize_email,
    normalize_id_number,
    normalize_organisation_name,
    normalize_person_name,
    normalize_phone,
    normalize_text,
    parse_citizen_id,
)
from tests.counter_app.identity.common import TODAY, any_text, assert_clean, message, nfd

# --- normalize_text ---------------------------------------------------------------------------


def test_normalize_text_trims_and_collapses_all_whitespace() -> None:
    raw = "\u00a0 Nguyễn\t\tVăn\u2003 Đức \u3000"
    assert normalize_text(raw) == "Nguyễn Văn Đức"


def test_normalize_text_drops_control_and_zero_width_characters() -> None:
    assert normalize_text("\ufeffNguy\u200bễn\x00 V\u00adăn\x07") == "Nguyễn Văn"


def test_normalize_text_composes_nfd_input() -> None:
    assert normalize_text(nfd("Thuỷ Đặng")) == "Thuỷ Đặng"
    assert unicodedata.is_normalized("NFC", normalize_text(nfd("Thuỷ Đặng")))


def test_normalize_text_recomposes_accent_split_by_zero_width_char() -> None:
    assert normalize_text("e\u200b\u0301") == "é"


# Tone mark typed before the vowel-shape mark (as some old input methods do), and the other
# orders: each must become the one precomposed letter.
_GRAVE, _ACUTE, _TILDE, _HOOK, _DOT = "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"
_CIRCUMFLEX, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"


@pytest.mark.parametrize(
    ("raw", "letter"),
    [
        ("e" + _TILDE + _CIRCUMFLEX, "ễ"),
        ("e" + _GRAVE + _CIRCUMFLEX, "ề"),
        ("E" + _HOOK + _CIRCUMFLEX, "Ể"),
        ("a" + _ACUTE + _CIRCUMFLEX, "ấ"),
        ("a" + _TILDE + _BREVE, "ẵ"),
        ("A" + _GRAVE + _BREVE, "Ằ"),
        ("o" + _HOOK + _CIRCUMFLEX, "ổ"),
        ("a" + _DOT + _BREVE, "ặ"),
        ("a" + _BREVE + _DOT, "ặ"),
        ("e" + _CIRCUMFLEX + _DOT, "ệ"),
        ("e" + _DOT + _CIRCUMFLEX, "ệ"),
        ("o" + _GRAVE + _HORN, "ờ"),
        ("o" + _HORN + _GRAVE, "ờ"),
        ("u" + _DOT + _HORN, "ự"),
        ("u" + _TILDE + _HORN, "ữ"),
        ("ẽ" + _CIRCUMFLEX, "ễ"),  # a precomposed letter with the shape mark typed after it
        ("á" + _BREVE, "ắ"),
    ],
)
def test_normalize_text_composes_marks_typed_in_any_order(raw: str, letter: str) -> None:
    assert len(letter) == 1
    assert normalize_text(raw) == letter
    assert normalize_text("Nguy" + raw + "n") == "Nguy" + letter + "n"


def test_marks_typed_out_of_order_reach_names_addresses_and_search_keys() -> None:
    typed = "nguye" + _TILDE + _CIRCUMFLEX + "n tha" + _GRAVE + _BREVE + "ng"
    assert normalize_person_name(typed) == "Nguyễn Thằng"
    assert normalize_address("To" + _HOOK + _CIRCUMFLEX + " 1") == "Tổ 1"
    assert fold(typed) == "nguyen thang"


def test_stray_marks_that_form_no_vietnamese_letter_are_left_as_typed() -> None:
    # A circumflex over "i" or a breve over "e" is no Vietnamese letter: nothing to reorder.
    assert normalize_text("i" + _ACUTE + _CIRCUMFLEX) == "í" + _CIRCUMFLEX
    assert normalize_text("e" + _ACUTE + _BREVE) == "é" + _BREVE


def test_normalize_text_drops_an_accent_standing_alone() -> None:
    # A tone mark typed after a space, or first in the field: nothing to sit on (probe F7).
    assert normalize_text("\u0301") == ""
    assert normalize_text("Hạ Long \u0301") == "Hạ Long"
    assert normalize_text("\u0301\u0302An") == "An"
    assert normalize_text("Dòng 1\n\u0300 dòng 2", multiline=True) == "Dòng 1\ndòng 2"
    assert has_lone_mark("Hạ \u0301Long") and has_lone_mark("\u0303")
    # An accent after its letter is no lone accent, composed or not.
    assert not has_lone_mark("Nguyễn") and not has_lone_mark(nfd("Nguyễn Văn"))
    assert normalize_text(nfd("Nguyễn Văn")) == "Nguyễn Văn"


@settings(max_examples=200, deadline=None)
@given(text=any_text)
def test_normalize_text_never_leaves_a_lone_accent(text: str) -> None:
    assert not has_lone_mark(normalize_text(text))
    assert not has_lone_mark(normalize_text(text, multiline=True))


def test_normalize_text_single_line_turns_newlines_into_spaces() -> None:
    assert normalize_text("dòng 1\r\ndòng 2\n") == "dòng 1 dòng 2"


def test_normalize_text_multiline_keeps_line_breaks() -> None:
    raw = "  dòng  1 \r\n\r\n\r\n\r\n dòng 2\u2028dòng 3\n\n"
    assert normalize_text(raw, multiline=True) == "dòng 1\n\ndòng 2\ndòng 3"


def test_normalize_text_max_length_counts_after_normalising() -> None:
    assert normalize_text(nfd("Đức") + "   ", max_length=3) == "Đức"
    assert message(lambda: normalize_text("Nguyễn", max_length=5)) == (
        "Dài quá 5 ký tự (đang có 6 ký tự)."
    )


# --- fold -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Nguyễn Văn Đức", "nguyen van duc"),
        ("THUỶ", "thuy"),
        ("Thuý", "thuy"),
        ("thuy", "thuy"),
        ("  ĐẶNG   thị\u00a0Hoà ", "dang thi hoa"),
        ("Ðặng", "dang"),  # Eth typed for Đ by old fonts
        ("Hoà", "hoa"),
        ("Hòa", "hoa"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded
    assert fold(nfd(raw)) == folded


# --- properties -------------------------------------------------------------------------------

_TEXT_FUNCTIONS: list[Callable[[str], str]] = [
    normalize_text,
    normalize_phone,
    normalize_email,
    normalize_person_name,
    normalize_organisation_name,
    normalize_address,
    fold,
    mask_name,
    mask_id_number,
    lambda text: parse_citizen_id(text, today=TODAY).number,
    *(partial(normalize_id_number, kind=kind, today=TODAY) for kind in IdKind),
]


@settings(max_examples=200, deadline=None)
@given(text=any_text, which=st.integers(min_value=0, max_value=len(_TEXT_FUNCTIONS) - 1))
def test_text_functions_return_clean_text_or_raise_invalid_value(text: str, which: int) -> None:
    func = _TEXT_FUNCTIONS[which]
    try:
        result = func(text)
    except InvalidValue as exc:
        assert str(exc)
        assert_clean(str(exc))
        return
    assert_clean(result)
    assert result == result.strip()


@settings(max_examples=200, deadline=None)
@given(text=any_text)
def test_multiline_normalize_text_is_clean_and_idempotent(text: str) -> None:
    result = normalize_text(text, multiline=True)
    assert_clean(result, multiline=True)
    assert normalize_text(result, multiline=True) == result


@settings(max_examples=200, deadline=None)
@given(text=any_text)
def test_fold_is_idempotent_and_ignores_normal_form(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert fold(nfd(text)) == folded
    assert "đ" not in folded


@settings(max_examples=200, deadline=None)
@given(text=any_text)
def test_normalisers_are_idempotent(text: str) -> None:
    assert normalize_text(normalize_text(text)) == normalize_text(text)
    for func in (normalize_person_name, normalize_phone, normalize_email):
        try:
            once = func(text)
        except InvalidValue:
            continue
        assert func(once) == once
