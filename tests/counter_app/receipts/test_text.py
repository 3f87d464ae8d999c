"""Wording of dates and money, and the line wrapper every form relies on."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.receipts import fonts
from counter_app.receipts.text import (
    Run,
    glued_datetime,
    long_datetime,
    money,
    place_date,
    short_datetime,
    text_width,
    two_digits,
    wrap_runs,
    wrap_text,
)

fonts.ensure_fonts()


def test_long_datetime_pads_every_part() -> None:
    moment = datetime(2026, 1, 5, 8, 5)
    assert long_datetime(moment) == "08 giờ 05 phút, ngày 05 tháng 01 năm 2026"
    assert long_datetime(datetime(2026, 11, 27, 14, 30)) == (
        "14 giờ 30 phút, ngày 27 tháng 11 năm 2026"
    )


def test_short_datetime() -> None:
    assert short_datetime(datetime(2026, 11, 28, 9, 30)) == "09:30 28/11/2026"


def test_place_date_follows_the_decree_on_leading_zeros() -> None:
    # Day < 10 and month < 3 take a leading zero; other months do not.
    assert place_date("Quảng Ninh", date(2026, 11, 27)) == "Quảng Ninh, ngày 27 tháng 11 năm 2026"
    assert place_date("Quảng Ninh", date(2026, 7, 5)) == "Quảng Ninh, ngày 05 tháng 7 năm 2026"
    assert place_date("Hạ Long", date(2026, 2, 14)) == "Hạ Long, ngày 14 tháng 02 năm 2026"


def test_money() -> None:
    assert money(0) == "Không thu phí"
    assert money(50_000) == "50.000 đồng"
    assert money(1_250_000) == "1.250.000 đồng"
    assert money(500) == "500 đồng"


def test_two_digits() -> None:
    assert [two_digits(n) for n in (1, 9, 10, 123)] == ["01", "09", "10", "123"]


def _plain(lines: list) -> list[str]:  # type: ignore[type-arg]
    return ["".join(segment.text for segment in line.segments) for line in lines]


def test_wrap_breaks_at_spaces_and_keeps_width() -> None:
    text = "Cấp giấy chứng nhận đăng ký hộ kinh doanh cho hộ gia đình tại phường Hồng Gai"
    width = 150.0
    lines = wrap_text(text, fonts.SERIF, 12, width)
    assert len(lines) > 1
    assert " ".join(_plain(lines)) == text
    assert all(line.width <= width + 1e-6 for line in lines)


def test_wrap_cuts_an_overlong_url_after_punctuation() -> None:
    url = "https://dichvucong.quangninh.gov.vn/tra-cuu/000.00.00.H49-261127-0001"
    lines = wrap_text(url, fonts.SANS, 7, 120)
    assert "".join(_plain(lines)) == url
    assert len(lines) >= 2
    assert all(line.width <= 120 + 1e-6 for line in lines)
    assert _plain(lines)[0][-1] in "/-.", "cut after punctuation, not mid-word"


def test_wrap_normalises_to_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Thuỷ")
    lines = wrap_text(decomposed, fonts.SERIF, 12, 500)
    assert _plain(lines) == ["Nguyễn Thị Thuỷ"]
    assert unicodedata.is_normalized("NFC", _plain(lines)[0])


def test_newline_forces_a_break_and_runs_keep_their_fonts() -> None:
    lines = wrap_runs(
        [
            Run("Tiếp nhận hồ sơ của: ", fonts.SERIF),
            Run("Nguyễn Văn A\nDòng hai", fonts.SERIF_BOLD),
        ],
        12,
        500,
    )
    assert _plain(lines) == ["Tiếp nhận hồ sơ của: Nguyễn Văn A", "Dòng hai"]
    assert [s.font for s in lines[0].segments] == [fonts.SERIF, fonts.SERIF_BOLD]
    first, second = lines[0].segments
    assert abs(second.x - text_width("Tiếp nhận hồ sơ của: ", fonts.SERIF, 12)) < 1e-6
    assert first.x == 0


def test_hanging_indent() -> None:
    lines = wrap_runs([Run("1. " + "chữ " * 40, fonts.SERIF)], 12, 200, rest_indent=15)
    assert lines[0].segments[0].x == 0
    assert all(line.segments[0].x == 15 for line in lines[1:])


def test_glued_datetime_breaks_only_after_its_comma() -> None:
    moment = datetime(2026, 11, 27, 8, 15)
    text = "Nhận hồ sơ lúc: " + glued_datetime(moment)
    width = text_width("Nhận hồ sơ lúc: 08 giờ 15 phút, ngày 27 tháng 11", fonts.SANS, 8)
    lines = _plain(wrap_text(text, fonts.SANS, 8, width))
    assert lines == ["Nhận hồ sơ lúc: 08 giờ 15 phút,", "ngày 27 tháng 11 năm 2026"]


WORDS = st.lists(
    st.sampled_from(
        [
            "hồ",
            "sơ",
            "Nguyễn",
            "Thuỷ",
            "đăng",
            "ký",
            "kinh",
            "doanh",
            "QUẢNG",
            "NINH",
            "000.00.00.H49-261127-0001",
            "https://dichvucong.quangninh.gov.vn/tra-cuu/000.00.00.H49-261127-0001",
            "a" * 60,
        ]
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(WORDS, st.floats(min_value=30, max_value=500), st.sampled_from(fonts.font_names()))
def test_wrap_never_overflows_and_loses_nothing(words: list[str], width: float, font: str) -> None:
    text = " ".join(words)
    lines = wrap_text(text, font, 10, width)
    for line in lines:
        single_char = sum(len(s.text) for s in line.segments) == 1
        assert line.width <= width + 1e-6 or single_char
    assert "".join(_plain(lines)).replace(" ", "") == text.replace(" ", "")
