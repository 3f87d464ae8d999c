"""Tests for counter_app.identity.numbers: citizen IDs, other ID kinds, phones and e-mails."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.identity import (
    PROVINCE_CODES,
    IdKind,
    InvalidValue,
    guess_id_kind,
    mask_id_number,
    normalize_email,
    normalize_id_number,
    normalize_phone,
    parse_citizen_id,
)
from tests.counter_app.identity.common import TODAY, message

# --- citizen ID -------------------------------------------------------------------------------


def test_province_codes_are_the_63_pre_2025_provinces() -> None:
    assert len(PROVINCE_CODES) == 63
    assert all(len(code) == 3 and code.isdigit() for code in PROVINCE_CODES)
    assert PROVINCE_CODES["001"] == "Hà Nội"
    assert PROVINCE_CODES["022"] == "Quảng Ninh"
    assert PROVINCE_CODES["031"] == "Hải Phòng"
    assert PROVINCE_CODES["038"] == "Thanh Hóa"
    assert PROVINCE_CODES["048"] == "Đà Nẵng"
    assert PROVINCE_CODES["079"] == "Hồ Chí Minh"
    assert PROVINCE_CODES["096"] == "Cà Mau"
    assert len(set(PROVINCE_CODES.values())) == 63
    assert all(unicodedata.is_normalized("NFC", name) for name in PROVINCE_CODES.values())


@pytest.mark.parametrize(
    ("number", "male", "year"),
    [
        ("022090012345", True, 1990),
        ("001185000001", False, 1985),
        ("079205123456", True, 2005),
        ("096326654321", False, 2026),
        ("038000000000", True, 1900),
    ],
)
def test_parse_citizen_id_decodes_sex_and_year(number: str, male: bool, year: int) -> None:
    info = parse_citizen_id(number, today=TODAY)
    assert info.number == number
    assert info.male is male
    assert info.sex == ("Nam" if male else "Nữ")
    assert info.birth_year == year
    assert info.birth_year_century + info.birth_year_two_digits == year
    assert info.province_name == PROVINCE_CODES[number[:3]]


def test_parse_citizen_id_ignores_typed_separators() -> None:
    info = parse_citizen_id(" 022.0.90 012 345 ", today=TODAY)
    assert info.number == "022090012345"
    assert info.province_code == "022"
    assert info.province_name == "Quảng Ninh"


def test_parse_citizen_id_accepts_full_width_digits() -> None:
    assert parse_citizen_id("０２２０９００１２３４５", today=TODAY).number == "022090012345"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "Không được để trống."),
        ("02209001234", "Số định danh cá nhân phải có đúng 12 chữ số (đang có 11 chữ số)."),
        ("0220900123456", "Số định danh cá nhân phải có đúng 12 chữ số (đang có 13 chữ số)."),
        ("02209001234A", "Số định danh cá nhân chỉ gồm chữ số."),
        ("099090012345", "Mã tỉnh 099 trong số định danh không tồn tại."),
        ("003090012345", "Mã tỉnh 003 trong số định danh không tồn tại."),
        ("022231012345", "Năm sinh trong số định danh (2031) ở tương lai."),
        ("022327012345", "Năm sinh trong số định danh (2027) ở tương lai."),
        ("022400012345", "Năm sinh trong số định danh (2100) ở tương lai."),
        ("022999012345", "Năm sinh trong số định danh (2399) ở tương lai."),
    ],
)
def test_parse_citizen_id_rejects(raw: str, expected: str) -> None:
    assert message(lambda: parse_citizen_id(raw, today=TODAY)) == expected


def test_parse_citizen_id_accepts_later_century_once_it_has_come() -> None:
    info = parse_citizen_id("022400012345", today=date(2100, 1, 1))
    assert info.birth_year == 2100
    assert info.male


# --- other ID kinds ---------------------------------------------------------------------------


def test_id_kind_values_and_labels() -> None:
    assert [kind.value for kind in IdKind] == ["cccd", "cmnd", "passport", "enterprise", "other"]
    assert IdKind.PASSPORT.label == "Hộ chiếu"
    for kind in IdKind:
        assert kind.label
        assert unicodedata.is_normalized("NFC", kind.label)


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("022 090 012 345", IdKind.CITIZEN_ID, "022090012345"),
        ("123 456 789", IdKind.OLD_ID, "123456789"),
        ("c1234567", IdKind.PASSPORT, "C1234567"),
        ("B 9876543", IdKind.PASSPORT, "B9876543"),
        ("0101234567", IdKind.ENTERPRISE, "0101234567"),
        ("0101234567-001", IdKind.ENTERPRISE, "0101234567-001"),
        ("0101234567 – 001", IdKind.ENTERPRISE, "0101234567-001"),
        ("0101234567001", IdKind.ENTERPRISE, "0101234567-001"),
        (" 000.00.00.H49 ", IdKind.OTHER, "000.00.00.H49"),
        ("cccd", IdKind.OTHER, "cccd"),
    ],
)
def test_normalize_id_number(raw: str, kind: IdKind, expected: str) -> None:
    assert normalize_id_number(raw, kind, today=TODAY) == expected


def test_normalize_id_number_accepts_kind_as_plain_string() -> None:
    assert normalize_id_number("123456789", IdKind("cmnd"), today=TODAY) == "123456789"


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("12345678", IdKind.OLD_ID, "Số chứng minh nhân dân phải có đúng 9 chữ số"),
        ("12345678x", IdKind.OLD_ID, "Số chứng minh nhân dân chỉ gồm chữ số."),
        ("ABCDEFGH", IdKind.PASSPORT, "Số hộ chiếu gồm 6 đến 12"),
        ("C12", IdKind.PASSPORT, "Số hộ chiếu gồm 6 đến 12"),
        ("Đ1234567", IdKind.PASSPORT, "Số hộ chiếu gồm 6 đến 12"),
        ("010123456", IdKind.ENTERPRISE, "Mã số doanh nghiệp gồm 10 chữ số"),
        ("0101234567-01", IdKind.ENTERPRISE, "Mã số doanh nghiệp gồm 10 chữ số"),
        ("0101234567-000", IdKind.ENTERPRISE, "Mã số doanh nghiệp gồm 10 chữ số"),
        ("   ", IdKind.OTHER, "Không được để trống."),
        ("A|B", IdKind.OTHER, "Có ký tự không hợp lệ “|”."),
        ("x" * 51, IdKind.OTHER, "Dài quá 50 ký tự"),
    ],
)
def test_normalize_id_number_rejects(raw: str, kind: IdKind, expected: str) -> None:
    assert message(lambda: normalize_id_number(raw, kind, today=TODAY)).startswith(expected)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("022090012345", IdKind.CITIZEN_ID),
        ("022 090 012 345", IdKind.CITIZEN_ID),
        ("123456789", IdKind.OLD_ID),
        ("C1234567", IdKind.PASSPORT),
        ("n1234567", IdKind.PASSPORT),
        ("0101234567", IdKind.ENTERPRISE),
        ("0101234567-001", IdKind.ENTERPRISE),
        ("000.00.00.H49", None),
        ("12345", None),
        ("", None),
        ("Nguyễn", None),
    ],
)
def test_guess_id_kind(raw: str, kind: IdKind | None) -> None:
    assert guess_id_kind(raw) == kind


# --- phone and e-mail -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0084 912 345 678", "0912345678"),
        ("(+84) 0912.345.678", "0912345678"),
        ("091-234-5678", "0912345678"),
        ("0312345678", "0312345678"),
        ("0567 890 123", "0567890123"),
        ("0701234567", "0701234567"),
        ("0888.123.456", "0888123456"),
        ("024 3825 6686", "02438256686"),
        ("0203 3835 555", "02033835555"),
        ("+84 24 3825 6686", "02438256686"),
        ("０９１２３４５６７８", "0912345678"),
    ],
)
def test_normalize_phone(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "Không được để trống."),
        ("091234567", "Không đúng định dạng số Việt Nam (ví dụ 0912345678)."),
        ("09123456789", "Không đúng định dạng số Việt Nam (ví dụ 0912345678)."),
        ("0112345678", "Không đúng định dạng số Việt Nam (ví dụ 0912345678)."),
        ("0612345678", "Không đúng định dạng số Việt Nam (ví dụ 0912345678)."),
        ("0243825668", "Không đúng định dạng số Việt Nam (ví dụ 0912345678)."),
        ("+1 202 555 0100", "Chỉ nhận số điện thoại Việt Nam (mã quốc gia +84)."),
        ("0912 abc 678", "Số điện thoại chỉ gồm chữ số"),
        ("09+12345678", "Số điện thoại chỉ gồm chữ số"),
    ],
)
def test_normalize_phone_rejects(raw: str, expected: str) -> None:
    assert message(lambda: normalize_phone(raw)).startswith(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("nguyenvana@gmail.com", "nguyenvana@gmail.com"),
        ("  Nguyen.Van.A@Gmail.COM ", "nguyen.van.a@gmail.com"),
        ("mailto:vp@quangninh.gov.vn", "vp@quangninh.gov.vn"),
        ("a+tag@sub.example.com.vn", "a+tag@sub.example.com.vn"),
        ("x@xn--d1acufc.xn--p1ai", "x@xn--d1acufc.xn--p1ai"),
        ("ten＠gmail.com", "ten@gmail.com"),
    ],
)
def test_normalize_email(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "nguyenvana",
        "nguyenvana@",
        "@gmail.com",
        "a@gmail",
        "a@gmail.c",
        "a@-gmail.com",
        "a@gmail..com",
        "a..b@gmail.com",
        ".a@gmail.com",
        "a@b@gmail.com",
        "a|b@gmail.com",
        "a@gmail.com1",
    ],
)
def test_normalize_email_rejects_malformed(raw: str) -> None:
    assert message(lambda: normalize_email(raw)) == (
        "Địa chỉ email không đúng định dạng (ví dụ nguyenvana@gmail.com)."
    )


def test_normalize_email_explains_spaces_and_accents() -> None:
    assert message(lambda: normalize_email("nguyen van a@gmail.com")) == (
        "Địa chỉ email không được chứa dấu cách."
    )
    assert message(lambda: normalize_email("đức@gmail.com")).startswith(
        "Địa chỉ email chỉ gồm chữ cái không dấu"
    )
    assert message(lambda: normalize_email("a" * 250 + "@gmail.com")).startswith("Dài quá 254")


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    code=st.sampled_from(sorted(PROVINCE_CODES)),
    gender_century=st.integers(min_value=0, max_value=3),
    year=st.integers(min_value=0, max_value=99),
    serial=st.integers(min_value=0, max_value=999_999),
)
def test_parse_citizen_id_decodes_every_valid_number(
    code: str, gender_century: int, year: int, serial: int
) -> None:
    number = f"{code}{gender_century}{year:02d}{serial:06d}"
    birth_year = 1900 + (gender_century // 2) * 100 + year
    if birth_year > TODAY.year:
        with pytest.raises(InvalidValue):
            parse_citizen_id(number, today=TODAY)
        return
    info = parse_citizen_id(number, today=TODAY)
    assert info.birth_year == birth_year
    assert info.male is (gender_century % 2 == 0)
    assert info.province_name == PROVINCE_CODES[code]
    assert guess_id_kind(number) is IdKind.CITIZEN_ID
    assert mask_id_number(number) == "*" * 9 + number[-3:]
