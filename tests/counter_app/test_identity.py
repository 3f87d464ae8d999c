"""Tests for counter_app.identity: applicant data rules."""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.identity import (
    PROVINCE_CODES,
    ChipIdCard,
    IdKind,
    InvalidValue,
    fold,
    guess_id_kind,
    looks_like_chip_id_qr,
    mask_id_number,
    mask_name,
    normalize_address,
    normalize_email,
    normalize_id_number,
    normalize_organisation_name,
    normalize_person_name,
    normalize_phone,
    normalize_text,
    parse_chip_id_qr,
    parse_citizen_id,
    parse_date_vn,
    validate_birth_date,
)

TODAY = date(2026, 3, 15)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def message(func: Callable[[], object]) -> str:
    with pytest.raises(InvalidValue) as info:
        func()
    return str(info.value)


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


# --- names and addresses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("nguyễn văn đức", "Nguyễn Văn Đức"),
        ("NGUYỄN VĂN ĐỨC", "Nguyễn Văn Đức"),
        ("nGUYỄN vĂN đỨC", "Nguyễn Văn Đức"),
        ("  trần   thị\u00a0thuỷ ", "Trần Thị Thuỷ"),
        ("h'hen niê", "H'Hen Niê"),
        ("H’Hen Niê", "H'Hen Niê"),
        ("ksor h'gôn", "Ksor H'Gôn"),
        ("jean-pierre dupont", "Jean-Pierre Dupont"),
        ("Nguyễn V. A", "Nguyễn V. A"),
        ("John McDonald", "John McDonald"),
        ("ưng hoàng phúc", "Ưng Hoàng Phúc"),
        ("ÂU DƯƠNG Ỷ", "Âu Dương Ỷ"),
        ("Lê", "Lê"),
    ],
)
def test_normalize_person_name(raw: str, expected: str) -> None:
    assert normalize_person_name(raw) == expected
    assert normalize_person_name(nfd(raw)) == expected


def test_normalize_person_name_covers_every_vietnamese_letter() -> None:
    lower = (
        "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
    )
    for letter in lower:
        word = letter + "a"
        assert normalize_person_name(word) == letter.upper() + "a"
        assert normalize_person_name(word.upper()) == letter.upper() + "a"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "Không được để trống."),
        ("A", "Phải có ít nhất 2 ký tự."),
        ("Nguyễn Văn 2", "Không được chứa chữ số."),
        ("Nguyễn_Văn", "Có ký tự không hợp lệ “_”"),
        ("Nguyễn @ Văn", "Có ký tự không hợp lệ “@”"),
        ("Nguyễn, Văn", "Có ký tự không hợp lệ “,”"),
        ("-Nguyễn", "Dấu nháy, dấu gạch ngang và dấu chấm phải đứng liền sau một chữ cái"),
        ("Nguyễn--Văn", "Dấu nháy, dấu gạch ngang và dấu chấm phải đứng liền sau một chữ cái"),
        ("Nguyễn -", "Dấu nháy, dấu gạch ngang và dấu chấm phải đứng liền sau một chữ cái"),
        ("Văn'", "Dấu nháy, dấu gạch ngang và dấu chấm phải đứng liền sau một chữ cái"),
        ("a" * 101, "Dài quá 100 ký tự (đang có 101 ký tự)."),
    ],
)
def test_normalize_person_name_rejects(raw: str, expected: str) -> None:
    assert message(lambda: normalize_person_name(raw)).startswith(expected)


@pytest.mark.parametrize("raw", ["ŉa", "ǆa ǅb", "İstanbul", "ßa", "ΣΊΣΥΦΟΣ", "ǰa", "ﬁat"])
def test_normalize_person_name_is_idempotent_on_tricky_letters(raw: str) -> None:
    once = normalize_person_name(raw)
    assert normalize_person_name(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert fold(fold(raw)) == fold(raw)


def test_normalize_person_name_at_length_limits() -> None:
    assert normalize_person_name("Lý") == "Lý"
    assert len(normalize_person_name("a" * 100)) == 100


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CÔNG TY TNHH ABC & XYZ (Việt Nam)", "CÔNG TY TNHH ABC & XYZ (Việt Nam)"),
        ("  Ủy ban nhân dân  phường Hồng Gai ", "Ủy ban nhân dân phường Hồng Gai"),
        ("Công ty Cổ phần 3-2, chi nhánh số 1", "Công ty Cổ phần 3-2, chi nhánh số 1"),
        ("HTX Nông nghiệp 19/5", "HTX Nông nghiệp 19/5"),
    ],
)
def test_normalize_organisation_name(raw: str, expected: str) -> None:
    assert normalize_organisation_name(raw) == expected


def test_normalize_organisation_name_rejects() -> None:
    assert message(lambda: normalize_organisation_name("ABC ☺")) == "Có ký tự không hợp lệ “☺”."
    assert message(lambda: normalize_organisation_name("A|B")) == "Có ký tự không hợp lệ “|”."
    assert message(lambda: normalize_organisation_name("--")).startswith("Phải có ít nhất một")
    assert message(lambda: normalize_organisation_name("")) == "Không được để trống."
    assert message(lambda: normalize_organisation_name("x" * 256)).startswith("Dài quá 255")
    assert len(normalize_organisation_name("x" * 255)) == 255


def test_normalize_address() -> None:
    assert normalize_address(" Số 1,  phường Hồng Gai\n Quảng Ninh ") == (
        "Số 1, phường Hồng Gai Quảng Ninh"
    )
    assert normalize_address("") == ""
    assert message(lambda: normalize_address("a|b")) == "Có ký tự không hợp lệ “|”."


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05/09/1990", date(1990, 9, 5)),
        ("5/9/1990", date(1990, 9, 5)),
        ("05091990", date(1990, 9, 5)),
        (" 05 / 09 / 1990 ", date(1990, 9, 5)),
        ("05-09-1990", date(1990, 9, 5)),
        ("05.09.1990", date(1990, 9, 5)),
        ("1990-09-05", date(1990, 9, 5)),
        ("29/02/2024", date(2024, 2, 29)),
    ],
)
def test_parse_date_vn(raw: str, expected: date) -> None:
    assert parse_date_vn(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "Không được để trống."),
        ("31/02/2020", "Ngày 31/02/2020 không tồn tại."),
        ("29/02/2023", "Ngày 29/02/2023 không tồn tại."),
        ("01/13/2020", "Ngày 01/13/2020 không tồn tại."),
        ("00/01/2020", "Ngày 00/01/2020 không tồn tại."),
        ("01/01/0000", "Ngày 01/01/0000 không tồn tại."),
        ("1/1/90", "Năm phải có đủ 4 chữ số (ví dụ 05/09/1990)."),
        ("5091990", "Ngày không đúng định dạng dd/mm/yyyy (ví dụ 05/09/1990)."),
        ("hôm nay", "Ngày không đúng định dạng dd/mm/yyyy (ví dụ 05/09/1990)."),
        ("05/09/1990 10:00", "Ngày không đúng định dạng dd/mm/yyyy (ví dụ 05/09/1990)."),
    ],
)
def test_parse_date_vn_rejects(raw: str, expected: str) -> None:
    assert message(lambda: parse_date_vn(raw)) == expected


def test_validate_birth_date() -> None:
    assert validate_birth_date(date(1990, 9, 5), today=TODAY) == date(1990, 9, 5)
    assert validate_birth_date(TODAY, today=TODAY) == TODAY
    assert validate_birth_date(date(1900, 1, 1), today=TODAY) == date(1900, 1, 1)
    assert validate_birth_date(datetime(1990, 9, 5, 8, 30), today=TODAY) == date(1990, 9, 5)
    assert message(lambda: validate_birth_date(date(2026, 3, 16), today=TODAY)) == (
        "Ngày sinh 16/03/2026 ở tương lai."
    )
    assert message(lambda: validate_birth_date(date(1899, 12, 31), today=TODAY)) == (
        "Ngày sinh 31/12/1899 trước năm 1900."
    )


# --- chip ID QR -------------------------------------------------------------------------------

QR = (
    "022090012345|123456789|Nguyễn Văn Đức|05091990|Nam"
    "|Tổ 1, khu 2, phường Hồng Gai, TP Hạ Long, Quảng Ninh|15082021"
)
CARD = ChipIdCard(
    id_number="022090012345",
    old_id_number="123456789",
    name="Nguyễn Văn Đức",
    birth_date=date(1990, 9, 5),
    sex="Nam",
    address="Tổ 1, khu 2, phường Hồng Gai, TP Hạ Long, Quảng Ninh",
    issue_date=date(2021, 8, 15),
)


def test_parse_chip_id_qr() -> None:
    assert parse_chip_id_qr(QR, today=TODAY) == CARD
    assert looks_like_chip_id_qr(QR)


def test_parse_chip_id_qr_tolerates_scanner_noise_and_extra_fields() -> None:
    scanned = "\ufeff " + QR + "|extra|0123|\r\n"
    assert parse_chip_id_qr(scanned, today=TODAY) == CARD
    assert parse_chip_id_qr(nfd(QR), today=TODAY) == CARD
    assert looks_like_chip_id_qr(scanned)


def test_parse_chip_id_qr_empty_optional_fields() -> None:
    text = "001305000001||TRẦN THỊ THUỶ|01012005|Nữ|Hà Nội|"
    card = parse_chip_id_qr(text, today=TODAY)
    assert card.old_id_number is None
    assert card.issue_date is None
    assert card.name == "Trần Thị Thuỷ"
    assert card.sex == "Nữ"
    # Six fields, without the issue date at all.
    assert parse_chip_id_qr(text.rstrip("|"), today=TODAY).issue_date is None


def test_parse_chip_id_qr_sex_without_accents_from_keyboard_wedge() -> None:
    card = parse_chip_id_qr(QR.replace("|Nam|", "|NU|"), today=TODAY)
    assert card.sex == "Nữ"


def test_parse_chip_id_qr_accepts_12_digit_old_id() -> None:
    text = QR.replace("|123456789|", "|022090012345|")
    assert parse_chip_id_qr(text, today=TODAY).old_id_number == "022090012345"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "Không được để trống."),
        ("022090012345|123456789|Nguyễn Văn Đức|05091990|Nam", "Mã QR không phải của thẻ"),
        ("hello", "Mã QR không phải của thẻ"),
        (QR.replace("022090012345|", "099090012345|"), "Số định danh trong mã QR không hợp lệ: mã"),
        (QR.replace("022090012345|", "02209001234|"), "Số định danh trong mã QR không hợp lệ"),
        (QR.replace("|123456789|", "|12345|"), "Số CMND cũ trong mã QR không hợp lệ"),
        (QR.replace("Nguyễn Văn Đức", "Nguyễn 3"), "Họ tên trong mã QR không hợp lệ"),
        (QR.replace("Nguyễn Văn Đức", ""), "Họ tên trong mã QR không hợp lệ"),
        (QR.replace("05091990", "31021990"), "Ngày sinh trong mã QR không hợp lệ"),
        (QR.replace("05091990", "0509"), "Ngày sinh trong mã QR không hợp lệ"),
        (QR.replace("05091990", "05092030"), "Ngày sinh trong mã QR không hợp lệ"),
        (QR.replace("|Nam|", "|X|"), "Giới tính trong mã QR không hợp lệ: “X”."),
        (QR.replace("15082021", "15082099"), "Ngày cấp trong mã QR (15/08/2099) ở tương lai."),
        (QR.replace("15082021", "01011980"), "Ngày cấp trong mã QR (01/01/1980) trước ngày"),
        (QR.replace("15082021", "abc"), "Ngày cấp trong mã QR không hợp lệ"),
    ],
)
def test_parse_chip_id_qr_rejects_malformed(text: str, expected: str) -> None:
    assert message(lambda: parse_chip_id_qr(text, today=TODAY)).startswith(expected)


@pytest.mark.parametrize(
    "text",
    [
        "022090012345",
        "022090012345|1|2|3|4",
        "Nguyễn|022090012345|1|2|3|4|5",
        "02209001234|1|2|3|4|5",
        "",
    ],
)
def test_looks_like_chip_id_qr_rejects_typing(text: str) -> None:
    assert not looks_like_chip_id_qr(text)


# --- masking ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("Nguyễn Văn Đức", "Nguyễn V** Đ**"),
        ("Trần Thị Thuỷ Tiên", "Trần T** T** T**"),
        ("Đức", "Đ**"),
        ("  Lê   Ánh ", "Lê Á**"),
        ("", ""),
    ],
)
def test_mask_name(raw: str, masked: str) -> None:
    assert mask_name(raw) == masked
    assert mask_name(nfd(raw)) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("022090012123", "*********123"),
        ("123456789", "******789"),
        ("0101234567-001", "***********001"),
        ("12", "**"),
        ("", ""),
    ],
)
def test_mask_id_number(raw: str, masked: str) -> None:
    assert mask_id_number(raw) == masked


# --- properties -------------------------------------------------------------------------------

# Control, format, surrogate, private-use and unassigned characters never reach an output.
_FORBIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn"}

_any_text = st.text(
    alphabet=st.one_of(
        st.characters(codec=None),
        st.sampled_from(list("0123456789|/.-+@ \n\r\t\u00a0\u200b\u0301\u0303đĐ")),
    ),
    max_size=40,
)


def _assert_clean(text: str, *, multiline: bool = False) -> None:
    assert unicodedata.is_normalized("NFC", text)
    for ch in text:
        if multiline and ch == "\n":
            continue
        assert unicodedata.category(ch) not in _FORBIDDEN, repr(ch)


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
@given(text=_any_text, which=st.integers(min_value=0, max_value=len(_TEXT_FUNCTIONS) - 1))
def test_text_functions_return_clean_text_or_raise_invalid_value(text: str, which: int) -> None:
    func = _TEXT_FUNCTIONS[which]
    try:
        result = func(text)
    except InvalidValue as exc:
        assert str(exc)
        _assert_clean(str(exc))
        return
    _assert_clean(result)
    assert result == result.strip()


@settings(max_examples=200, deadline=None)
@given(text=_any_text)
def test_multiline_normalize_text_is_clean_and_idempotent(text: str) -> None:
    result = normalize_text(text, multiline=True)
    _assert_clean(result, multiline=True)
    assert normalize_text(result, multiline=True) == result


@settings(max_examples=200, deadline=None)
@given(text=_any_text)
def test_fold_is_idempotent_and_ignores_normal_form(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert fold(nfd(text)) == folded
    assert "đ" not in folded


@settings(max_examples=200, deadline=None)
@given(text=_any_text)
def test_normalisers_are_idempotent(text: str) -> None:
    assert normalize_text(normalize_text(text)) == normalize_text(text)
    for func in (normalize_person_name, normalize_phone, normalize_email):
        try:
            once = func(text)
        except InvalidValue:
            continue
        assert func(once) == once


@settings(max_examples=200, deadline=None)
@given(text=_any_text)
def test_parsers_return_values_or_raise_invalid_value(text: str) -> None:
    with contextlib.suppress(InvalidValue):
        assert isinstance(parse_date_vn(text), date)
    with contextlib.suppress(InvalidValue):
        assert isinstance(parse_chip_id_qr(text, today=TODAY), ChipIdCard)
    kind = guess_id_kind(text)
    assert kind is None or isinstance(kind, IdKind)
    assert isinstance(looks_like_chip_id_qr(text), bool)


_qr_like = st.lists(_any_text, min_size=0, max_size=9).map(
    lambda fields: "|".join(["022090012345", *fields])
)


@settings(max_examples=200, deadline=None)
@given(text=_qr_like)
def test_qr_shaped_text_parses_to_clean_card_or_raises_invalid_value(text: str) -> None:
    try:
        card = parse_chip_id_qr(text, today=TODAY)
    except InvalidValue as exc:
        _assert_clean(str(exc))
        return
    for value in (card.id_number, card.name, card.sex, card.address, card.old_id_number or ""):
        _assert_clean(value)
    assert card.birth_date <= TODAY


@settings(max_examples=200, deadline=None)
@given(day=st.dates())
def test_validate_birth_date_accepts_only_1900_to_today(day: date) -> None:
    try:
        assert validate_birth_date(day, today=TODAY) == day
        assert date(1900, 1, 1) <= day <= TODAY
    except InvalidValue:
        assert not date(1900, 1, 1) <= day <= TODAY


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_parse_date_vn_round_trips_shown_dates(day: date) -> None:
    assert parse_date_vn(day.strftime("%d/%m/") + f"{day.year:04d}") == day
    assert parse_date_vn(day.strftime("%d%m") + f"{day.year:04d}") == day


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
