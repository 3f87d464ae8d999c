"""Identity numbers (CCCD, CMND, passport, enterprise code), phones and e-mails."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from counter_app.identity.text import (
    EMAIL_MAX_LENGTH,
    OTHER_ID_MAX_LENGTH,
    InvalidValue,
    _compact,
    _quote,
    _required,
    normalize_text,
)

# ---------------------------------------------------------------------------------------------
# ID numbers


class IdKind(StrEnum):
    """Kinds of identity papers an applicant gives a number from."""

    CITIZEN_ID = "cccd"
    OLD_ID = "cmnd"
    PASSPORT = "passport"
    ENTERPRISE = "enterprise"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Vietnamese name of the kind, for pickers and printed receipts."""
        return _ID_KIND_LABELS[self]


_ID_KIND_LABELS: Mapping[IdKind, str] = MappingProxyType(
    {
        IdKind.CITIZEN_ID: "Căn cước / Căn cước công dân (số định danh cá nhân)",
        IdKind.OLD_ID: "Chứng minh nhân dân (9 số)",
        IdKind.PASSPORT: "Hộ chiếu",
        IdKind.ENTERPRISE: "Mã số doanh nghiệp / mã số thuế",
        IdKind.OTHER: "Mã số khác (cơ quan, tổ chức)",
    }
)

# Province codes of birth registration, the first 3 digits of a personal identification number.
# Source: Phụ lục I "Danh mục mã tỉnh, thành phố trực thuộc trung ương nơi công dân đăng ký khai
# sinh", Thông tư 07/2016/TT-BCA (kept by Thông tư 59/2021/TT-BCA), cross-checked against the table
# republished by thuvienphapluat.vn (63 entries). The 2025 merger into 34 provinces does not change
# existing numbers, so the pre-2025 names stay here on purpose.
PROVINCE_CODES: Mapping[str, str] = MappingProxyType(
    {
        "001": "Hà Nội",
        "002": "Hà Giang",
        "004": "Cao Bằng",
        "006": "Bắc Kạn",
        "008": "Tuyên Quang",
        "010": "Lào Cai",
        "011": "Điện Biên",
        "012": "Lai Châu",
        "014": "Sơn La",
        "015": "Yên Bái",
        "017": "Hòa Bình",
        "019": "Thái Nguyên",
        "020": "Lạng Sơn",
        "022": "Quảng Ninh",
        "024": "Bắc Giang",
        "025": "Phú Thọ",
        "026": "Vĩnh Phúc",
        "027": "Bắc Ninh",
        "030": "Hải Dương",
        "031": "Hải Phòng",
        "033": "Hưng Yên",
        "034": "Thái Bình",
        "035": "Hà Nam",
        "036": "Nam Định",
        "037": "Ninh Bình",
        "038": "Thanh Hóa",
        "040": "Nghệ An",
        "042": "Hà Tĩnh",
        "044": "Quảng Bình",
        "045": "Quảng Trị",
        "046": "Thừa Thiên Huế",
        "048": "Đà Nẵng",
        "049": "Quảng Nam",
        "051": "Quảng Ngãi",
        "052": "Bình Định",
        "054": "Phú Yên",
        "056": "Khánh Hòa",
        "058": "Ninh Thuận",
        "060": "Bình Thuận",
        "062": "Kon Tum",
        "064": "Gia Lai",
        "066": "Đắk Lắk",
        "067": "Đắk Nông",
        "068": "Lâm Đồng",
        "070": "Bình Phước",
        "072": "Tây Ninh",
        "074": "Bình Dương",
        "075": "Đồng Nai",
        "077": "Bà Rịa - Vũng Tàu",
        "079": "Hồ Chí Minh",
        "080": "Long An",
        "082": "Tiền Giang",
        "083": "Bến Tre",
        "084": "Trà Vinh",
        "086": "Vĩnh Long",
        "087": "Đồng Tháp",
        "089": "An Giang",
        "091": "Kiên Giang",
        "092": "Cần Thơ",
        "093": "Hậu Giang",
        "094": "Sóc Trăng",
        "095": "Bạc Liêu",
        "096": "Cà Mau",
    }
)


@dataclass(frozen=True)
class CitizenIdInfo:
    """What a 12-digit personal identification number says about its holder."""

    number: str
    province_code: str
    province_name: str
    male: bool
    birth_year_century: int
    birth_year_two_digits: int

    @property
    def birth_year(self) -> int:
        """The full year of birth."""
        return self.birth_year_century + self.birth_year_two_digits

    @property
    def sex(self) -> str:
        """Sex as printed on the card: "Nam" or "Nữ"."""
        return "Nam" if self.male else "Nữ"


_DIGITS = re.compile(r"[0-9]+")


def _digits_only(value: str, what: str) -> str:
    """Digits of `value` without separators; InvalidValue if empty or anything else is in it."""
    if value.isascii() and value.isdigit():
        return value  # already compact (every stored number, and what a scanner types)
    compact = _compact(value)
    if not compact:
        raise InvalidValue("Không được để trống.")
    if not _DIGITS.fullmatch(compact):
        raise InvalidValue(f"{what} chỉ gồm chữ số.")
    return compact


def parse_citizen_id(value: str, *, today: date) -> CitizenIdInfo:
    """Check a 12-digit personal identification number (CCCD) and decode it."""
    number = _digits_only(value, "Số định danh cá nhân")
    if len(number) != 12:
        raise InvalidValue(
            f"Số định danh cá nhân phải có đúng 12 chữ số (đang có {len(number)} chữ số)."
        )
    province_code = number[:3]
    province_name = PROVINCE_CODES.get(province_code)
    if province_name is None:
        raise InvalidValue(f"Mã tỉnh {province_code} trong số định danh không tồn tại.")
    # G: 0/1 male/female born 1900–1999, 2/3 born 2000–2099, and so on each century.
    gender_century = int(number[3])
    century = 1900 + (gender_century // 2) * 100
    two_digits = int(number[4:6])
    birth_year = century + two_digits
    if birth_year > today.year:
        raise InvalidValue(f"Năm sinh trong số định danh ({birth_year}) ở tương lai.")
    return CitizenIdInfo(
        number=number,
        province_code=province_code,
        province_name=province_name,
        male=gender_century % 2 == 0,
        birth_year_century=century,
        birth_year_two_digits=two_digits,
    )


def check_birth_date_against_id(number: str, birth_date: date, *, today: date) -> None:
    """InvalidValue unless the date of birth's year is the one the 12-digit number encodes.

    The number's 4th digit gives the century (0/1: 1900s, 2/3: 2000s, …) and the 5th–6th the
    last two digits of the year, so 022085… is someone born in 1985: a 1990 birth date is a typo
    in one of the two fields, and receiving it would print a wrong identity on the receipt.
    """
    info = parse_citizen_id(number, today=today)
    if info.birth_year != birth_date.year:
        raise InvalidValue(
            f"năm sinh {birth_date.year} không khớp với số định danh cá nhân {info.number} "
            f"(chữ số thứ 4–6 «{info.number[3:6]}» là người sinh năm {info.birth_year}). "
            "Hãy kiểm tra lại ngày sinh hoặc số định danh."
        )


_PASSPORT = re.compile(r"[A-Z0-9]{6,12}")
_ENTERPRISE = re.compile(r"([0-9]{10})(?:-?([0-9]{3}))?")


def _normalize_passport(value: str) -> str:
    """Passport numbers: Latin capitals and digits (Vietnamese ones are a letter and 7 digits)."""
    text = re.sub(r"[\s.\-]", "", unicodedata.normalize("NFKC", _required(value))).upper()
    if not _PASSPORT.fullmatch(text) or not any(ch.isdigit() for ch in text):
        raise InvalidValue("Số hộ chiếu gồm 6 đến 12 chữ cái không dấu và chữ số (ví dụ C1234567).")
    return text


def _normalize_enterprise(value: str) -> str:
    """Enterprise / tax code: 10 digits, or 10 digits, "-" and 3 digits for a dependent unit."""
    text = re.sub(r"[\s.]", "", unicodedata.normalize("NFKC", _required(value)))
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)  # dashes a word processor substitutes
    match = _ENTERPRISE.fullmatch(text)
    if match is None or match.group(2) == "000":
        raise InvalidValue(
            "Mã số doanh nghiệp gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số "
            "với đơn vị phụ thuộc (ví dụ 0101234567 hoặc 0101234567-001)."
        )
    main, branch = match.group(1), match.group(2)
    return f"{main}-{branch}" if branch else main


def normalize_id_number(value: str, kind: IdKind, *, today: date) -> str:
    """Check an applicant's paper number of the given kind and return it in canonical form."""
    kind = IdKind(kind)
    if kind == IdKind.CITIZEN_ID:
        return parse_citizen_id(value, today=today).number
    if kind == IdKind.OLD_ID:
        number = _digits_only(value, "Số chứng minh nhân dân")
        if len(number) != 9:
            raise InvalidValue(
                f"Số chứng minh nhân dân phải có đúng 9 chữ số (đang có {len(number)} chữ số)."
            )
        return number
    if kind == IdKind.PASSPORT:
        return _normalize_passport(value)
    if kind == IdKind.ENTERPRISE:
        return _normalize_enterprise(value)
    text = _required(value, max_length=OTHER_ID_MAX_LENGTH)
    if "|" in text:  # the field separator of chip-card QR texts and of exports
        raise InvalidValue(f"Có ký tự không hợp lệ {_quote('|')}.")
    return text


def guess_id_kind(value: str) -> IdKind | None:
    """Which kind a typed number most likely is, or None when it fits none (UI hint only)."""
    text = normalize_text(value)
    compact = re.sub(r"[\s.]", "", text)
    if re.fullmatch(r"[0-9]{12}", compact):
        return IdKind.CITIZEN_ID
    if re.fullmatch(r"[0-9]{9}", compact):
        return IdKind.OLD_ID
    if re.fullmatch(r"[A-Za-z][0-9]{7}", compact):
        return IdKind.PASSPORT
    if re.fullmatch(r"[0-9]{10}(?:-[0-9]{3})?", compact):
        return IdKind.ENTERPRISE
    return None


# ---------------------------------------------------------------------------------------------
# Phone and e-mail

_PHONE_MESSAGE = "Không đúng định dạng số Việt Nam (ví dụ 0912345678)."
# Mobiles: 10 digits, 03x/05x/07x/08x/09x. Landlines since 2017: 02 + area code + subscriber,
# always 11 digits (e.g. 024 3825 6686, 0203 3835 555).
_MOBILE = re.compile(r"0[35789][0-9]{8}")
_LANDLINE = re.compile(r"02[0-9]{9}")


def normalize_phone(value: str) -> str:
    """A Vietnamese phone number in national form ("+84 912 345 678" → "0912345678")."""
    text = unicodedata.normalize("NFKC", _required(value))
    compact = re.sub(r"[\s.\-()/]", "", text)
    if not re.fullmatch(r"\+?[0-9]+", compact):
        raise InvalidValue(
            "Số điện thoại chỉ gồm chữ số, có thể có dấu cách, dấu chấm, dấu gạch ngang "
            "và +84 ở đầu."
        )
    national: str
    if compact.startswith(("+84", "0084")):
        rest = compact.removeprefix("+84").removeprefix("0084")
        national = "0" + rest.removeprefix("0")  # "+84 (0) 912…" is common on business cards
    elif compact.startswith("+"):
        raise InvalidValue("Chỉ nhận số điện thoại Việt Nam (mã quốc gia +84).")
    elif compact.startswith("84") and len(compact) in (11, 12):
        national = "0" + compact[2:]
    else:
        national = compact
    if _MOBILE.fullmatch(national) or _LANDLINE.fullmatch(national):
        return national
    raise InvalidValue(_PHONE_MESSAGE)


# RFC 5322 "dot-atom" without "|", which our exports and the chip-card QR use as a separator.
_EMAIL_LOCAL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{}~-]+)*")
_EMAIL_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def normalize_email(value: str) -> str:
    """An e-mail address, lower-cased, checked for a plausible form ("ten@mien.vn")."""
    text = unicodedata.normalize("NFKC", _required(value)).strip().lower()
    text = text.removeprefix("mailto:")
    message = "Địa chỉ email không đúng định dạng (ví dụ nguyenvana@gmail.com)."
    if " " in text:
        raise InvalidValue("Địa chỉ email không được chứa dấu cách.")
    if not text.isascii():
        raise InvalidValue("Địa chỉ email chỉ gồm chữ cái không dấu, chữ số và các dấu . _ - +.")
    if len(text) > EMAIL_MAX_LENGTH:
        raise InvalidValue(f"Dài quá {EMAIL_MAX_LENGTH} ký tự (đang có {len(text)} ký tự).")
    local, at, domain = text.rpartition("@")
    if not at or not local or len(local) > 64 or not _EMAIL_LOCAL.fullmatch(local):
        raise InvalidValue(message)
    labels = domain.split(".")
    if len(labels) < 2 or not all(_EMAIL_LABEL.fullmatch(label) for label in labels):
        raise InvalidValue(message)
    tld = labels[-1]
    if not (re.fullmatch(r"[a-z]{2,63}", tld) or tld.startswith("xn--")):
        raise InvalidValue(message)
    return text
