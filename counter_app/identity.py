"""Applicant data rules: ID numbers, phones, e-mails, names, dates — validation and normalisation.

The one place these rules live: intake, UI field hints, kiosk and CLI all call this module.
Every function either returns a normalised value (Unicode NFC, no control characters) or raises
`InvalidValue` whose text is a Vietnamese sentence for the user, without the field's label.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "ADDRESS_MAX_LENGTH",
    "ORGANISATION_NAME_MAX_LENGTH",
    "PERSON_NAME_MAX_LENGTH",
    "PROVINCE_CODES",
    "ChipIdCard",
    "CitizenIdInfo",
    "IdKind",
    "InvalidValue",
    "fold",
    "guess_id_kind",
    "looks_like_chip_id_qr",
    "mask_id_number",
    "mask_name",
    "normalize_address",
    "normalize_email",
    "normalize_id_number",
    "normalize_organisation_name",
    "normalize_person_name",
    "normalize_phone",
    "normalize_text",
    "parse_chip_id_qr",
    "parse_citizen_id",
    "parse_date_vn",
    "validate_birth_date",
]

PERSON_NAME_MAX_LENGTH = 100
ORGANISATION_NAME_MAX_LENGTH = 255
ADDRESS_MAX_LENGTH = 255
EMAIL_MAX_LENGTH = 254
OTHER_ID_MAX_LENGTH = 50
EARLIEST_BIRTH_YEAR = 1900


class InvalidValue(ValueError):
    """A value a user typed is not acceptable; str(exc) is a Vietnamese sentence for the user."""


# ---------------------------------------------------------------------------------------------
# Text


# Characters that end a line when a field allows several lines.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# Control, format (zero-width, BOM, soft hyphen, bidi marks), surrogate, private-use, unassigned.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _clean_line(line: str) -> str:
    """Drop invisible characters and collapse every kind of whitespace to single spaces."""
    if line.isprintable():
        # Fast path (C speed): no control/format/unassigned characters and no space but U+0020.
        return " ".join(line.split())
    out: list[str] = []
    for ch in line:
        if ch.isspace():
            out.append(" ")
        elif unicodedata.category(ch) not in _DROPPED_CATEGORIES:
            out.append(ch)
    return " ".join("".join(out).split())


def normalize_text(value: str, *, max_length: int | None = None, multiline: bool = False) -> str:
    """NFC, without invisible characters, whitespace trimmed and collapsed; length-checked."""
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n")
    if multiline:
        lines: list[str] = []
        current: list[str] = []
        for ch in text:
            if ch in _LINE_BREAKS:
                lines.append("".join(current))
                current = []
            else:
                current.append(ch)
        lines.append("".join(current))
        cleaned = [_clean_line(line) for line in lines]
        # Keep paragraph breaks, but never more than one empty line in a row.
        result = re.sub(r"\n{3,}", "\n\n", "\n".join(cleaned)).strip("\n")
    else:
        result = _clean_line(text)
    # Dropping a zero-width character can leave a letter and its accent side by side: recompose.
    result = unicodedata.normalize("NFC", result)
    if max_length is not None and len(result) > max_length:
        raise InvalidValue(f"Dài quá {max_length} ký tự (đang có {len(result)} ký tự).")
    return result


# Eth (Ð/ð) is what old Vietnamese fonts and some keyboards type for Đ/đ.
_D_LETTERS = str.maketrans({"đ": "d", "ð": "d"})
_COMBINING_DIACRITICS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff]")


def fold(value: str) -> str:
    """Search key without accents, đ→d, case-folded: "Nguyễn Văn Đức" → "nguyen van duc"."""
    text = normalize_text(value).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    if decomposed.isascii():
        bare = decomposed
    else:
        # Every combining mark goes; a regex of the common blocks first keeps this fast, since
        # search keys are built for every dossier (and for millions in the benchmark fill).
        bare = _COMBINING_DIACRITICS.sub("", decomposed)
        if not bare.isascii():
            bare = "".join(ch for ch in bare if not unicodedata.category(ch).startswith("M"))
    bare = bare.translate(_D_LETTERS)
    return unicodedata.normalize("NFC", " ".join(bare.split()))


def _required(value: str, *, max_length: int | None = None) -> str:
    """Normalise a one-line value that must not be empty."""
    text = normalize_text(value, max_length=max_length)
    if not text:
        raise InvalidValue("Không được để trống.")
    return text


def _compact(value: str) -> str:
    """A number as typed, with full-width digits made ASCII and spaces, dots and dashes removed."""
    text = unicodedata.normalize("NFKC", normalize_text(value))
    return re.sub(r"[\s.\-]", "", text)


def _quote(ch: str) -> str:
    """Show one character to the user, in Vietnamese quotes."""
    return f"“{ch}”"


def _inner(exc: InvalidValue) -> str:
    """The message of `exc`, to be embedded after a colon."""
    text = str(exc)
    return text[:1].lower() + text[1:]


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

_PHONE_MESSAGE = "Số điện thoại không đúng định dạng Việt Nam (ví dụ 0912345678)."
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


# ---------------------------------------------------------------------------------------------
# Names and addresses

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_NAME_JOINERS = "-'."


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L")


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


def _capitalise_part(part: str) -> str:
    """ "NGUYỄN"/"nguyễn"/"nGUYỄN" → "Nguyễn"; a deliberate mixed case ("McDonald") is kept."""
    # Start at the first letter that has a case: "ʼNa" must stay "ʼNa" on a second pass.
    start = next((i for i, ch in enumerate(part) if ch.upper() != ch.lower()), len(part))
    head, first, rest = part[:start], part[start : start + 1], part[start + 1 :]
    if first.isupper() and rest != rest.upper() and rest != rest.lower():
        return part
    return head + first.title() + rest.lower()


def _capitalise_word(word: str) -> str:
    pieces = re.split(r"([-'.])", word)
    return "".join(_capitalise_part(p) if p not in _NAME_JOINERS else p for p in pieces)


def _valid_name_word(word: str) -> bool:
    """A word is letters, joined by single "-", "'" or "." and possibly ending with "."."""
    prev = ""
    for ch in word:
        if _is_letter(ch):
            pass
        elif _is_mark(ch) or ch in _NAME_JOINERS:
            # An accent or a joiner must follow a letter (or an accent on one).
            if not prev or prev in _NAME_JOINERS:
                return False
        else:
            return False
        prev = ch
    return prev not in "-'"


def normalize_person_name(value: str) -> str:
    """A person's full name, each word capitalised ("nguyễn văn đức" → "Nguyễn Văn Đức")."""
    text = _required(value).translate(_APOSTROPHES)
    if any(unicodedata.category(ch) == "Nd" for ch in text):
        raise InvalidValue("Không được chứa chữ số.")
    for ch in text:
        if not (_is_letter(ch) or _is_mark(ch) or ch == " " or ch in _NAME_JOINERS):
            raise InvalidValue(
                f"Có ký tự không hợp lệ {_quote(ch)}: chỉ dùng chữ cái, dấu cách, "
                "dấu nháy ('), dấu gạch ngang (-) và dấu chấm (.)."
            )
    words = text.split(" ")
    if not all(_valid_name_word(word) for word in words):
        raise InvalidValue(
            "Dấu nháy, dấu gạch ngang và dấu chấm phải đứng liền sau một chữ cái "
            "(ví dụ H'Hen, Jean-Pierre, V.)."
        )
    result = unicodedata.normalize("NFC", " ".join(_capitalise_word(word) for word in words))
    if len(result) < 2:
        raise InvalidValue("Phải có ít nhất 2 ký tự.")
    if len(result) > PERSON_NAME_MAX_LENGTH:
        raise InvalidValue(f"Dài quá {PERSON_NAME_MAX_LENGTH} ký tự (đang có {len(result)} ký tự).")
    return result


# Beyond letters, digits and punctuation, the symbols found in real organisation names.
_ORGANISATION_SYMBOLS = frozenset("&+/@°№")


def normalize_organisation_name(value: str) -> str:
    """An enterprise's or agency's name, kept as typed (capitals are often official)."""
    text = _required(value, max_length=ORGANISATION_NAME_MAX_LENGTH)
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] in "LMNP" or ch == " " or ch in _ORGANISATION_SYMBOLS:
            continue
        raise InvalidValue(f"Có ký tự không hợp lệ {_quote(ch)}.")
    if not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        raise InvalidValue("Phải có ít nhất một chữ cái hoặc chữ số.")
    if len(text) < 2:
        raise InvalidValue("Phải có ít nhất 2 ký tự.")
    return text


def normalize_address(value: str) -> str:
    """A one-line postal address; may be empty (the caller decides whether it is required)."""
    text = normalize_text(value, max_length=ADDRESS_MAX_LENGTH)
    if "|" in text:
        raise InvalidValue(f"Có ký tự không hợp lệ {_quote('|')}.")
    return text


# ---------------------------------------------------------------------------------------------
# Dates


def _show(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def validate_birth_date(value: date, *, today: date) -> date:
    """A date of birth: not in the future, not before 1900."""
    day = value.date() if isinstance(value, datetime) else value
    if day > today:
        raise InvalidValue(f"Ngày sinh {_show(day)} ở tương lai.")
    if day.year < EARLIEST_BIRTH_YEAR:
        raise InvalidValue(f"Ngày sinh {_show(day)} trước năm {EARLIEST_BIRTH_YEAR}.")
    return day


_DATE_DMY = re.compile(r"([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]+)")
_DATE_COMPACT = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{4})")
_DATE_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")


def parse_date_vn(value: str) -> date:
    """A date typed the Vietnamese way: "dd/mm/yyyy", "d/m/yyyy" or "ddmmyyyy" (also yyyy-mm-dd)."""
    text = unicodedata.normalize("NFKC", _required(value)).replace(" ", "")
    message = "Ngày không đúng định dạng dd/mm/yyyy (ví dụ 05/09/1990)."
    if match := _DATE_ISO.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif (match := _DATE_DMY.fullmatch(text)) or (match := _DATE_COMPACT.fullmatch(text)):
        day, month = int(match.group(1)), int(match.group(2))
        if len(match.group(3)) != 4:
            raise InvalidValue("Năm phải có đủ 4 chữ số (ví dụ 05/09/1990).")
        year = int(match.group(3))
    else:
        raise InvalidValue(message)
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidValue(f"Ngày {day:02d}/{month:02d}/{year:04d} không tồn tại.") from None


# ---------------------------------------------------------------------------------------------
# Chip ID card QR


@dataclass(frozen=True)
class ChipIdCard:
    """The applicant data printed in the QR code of a chip ID card."""

    id_number: str
    old_id_number: str | None
    name: str
    birth_date: date
    sex: str
    address: str
    issue_date: date | None


_QR_START = re.compile(r"[0-9]{12}\|")


def looks_like_chip_id_qr(text: str) -> bool:
    """Cheap test telling a scanner's burst from typing: 12 digits, "|", at least 6 fields."""
    stripped = text.lstrip(" \t\r\n\ufeff")
    return _QR_START.match(stripped) is not None and stripped.count("|") >= 5


def _qr_date(field: str, what: str) -> date:
    try:
        return parse_date_vn(field)
    except InvalidValue as exc:
        raise InvalidValue(f"{what} trong mã QR không hợp lệ: {_inner(exc)}") from None


def parse_chip_id_qr(text: str, *, today: date) -> ChipIdCard:
    """Read "ID|oldID|Name|ddmmyyyy|Sex|Address|ddmmyyyy" from a chip ID card's QR code."""
    whole = normalize_text(text)
    if not whole:
        raise InvalidValue("Không được để trống.")
    fields = [normalize_text(field) for field in whole.split("|")]
    if len(fields) < 6:
        raise InvalidValue(
            "Mã QR không phải của thẻ căn cước: cần ít nhất 6 phần ngăn bởi dấu |, "
            f"mới có {len(fields)}."
        )
    raw_id, raw_old_id, raw_name, raw_birth, raw_sex, raw_address = fields[:6]
    raw_issue = fields[6] if len(fields) > 6 else ""

    try:
        id_number = parse_citizen_id(raw_id, today=today).number
    except InvalidValue as exc:
        raise InvalidValue(f"Số định danh trong mã QR không hợp lệ: {_inner(exc)}") from None

    old_id_number: str | None = None
    if raw_old_id:
        old_compact = _compact(raw_old_id)
        # Before the 12-digit card some provinces issued 12-digit CMND numbers.
        if not re.fullmatch(r"[0-9]{9}|[0-9]{12}", old_compact):
            raise InvalidValue("Số CMND cũ trong mã QR không hợp lệ: phải có 9 hoặc 12 chữ số.")
        old_id_number = old_compact

    try:
        name = normalize_person_name(raw_name)
    except InvalidValue as exc:
        raise InvalidValue(f"Họ tên trong mã QR không hợp lệ: {_inner(exc)}") from None

    birth_date = _qr_date(raw_birth, "Ngày sinh")
    try:
        validate_birth_date(birth_date, today=today)
    except InvalidValue as exc:
        raise InvalidValue(f"Ngày sinh trong mã QR không hợp lệ: {_inner(exc)}") from None

    sex_key = fold(raw_sex)
    if sex_key not in ("nam", "nu"):
        raise InvalidValue(f"Giới tính trong mã QR không hợp lệ: {_quote(raw_sex)}.")
    sex = "Nam" if sex_key == "nam" else "Nữ"

    try:
        address = normalize_address(raw_address)
    except InvalidValue as exc:
        raise InvalidValue(f"Địa chỉ trong mã QR không hợp lệ: {_inner(exc)}") from None

    issue_date: date | None = None
    if raw_issue:
        issue_date = _qr_date(raw_issue, "Ngày cấp")
        if issue_date > today:
            raise InvalidValue(f"Ngày cấp trong mã QR ({_show(issue_date)}) ở tương lai.")
        if issue_date < birth_date:
            raise InvalidValue(
                f"Ngày cấp trong mã QR ({_show(issue_date)}) trước ngày sinh ({_show(birth_date)})."
            )

    return ChipIdCard(
        id_number=id_number,
        old_id_number=old_id_number,
        name=name,
        birth_date=birth_date,
        sex=sex,
        address=address,
        issue_date=issue_date,
    )


# ---------------------------------------------------------------------------------------------
# Masking for public screens


def _first_grapheme(word: str) -> str:
    """The first letter of a word together with any accents that follow it."""
    end = 1
    while end < len(word) and _is_mark(word[end]):
        end += 1
    return word[:end]


def mask_name(name: str) -> str:
    """Hide a name on public screens: "Nguyễn Văn Đức" → "Nguyễn V** Đ**"."""
    words = normalize_text(name).split(" ")
    if not words[0]:
        return ""
    if len(words) == 1:
        masked = _first_grapheme(words[0]) + "**"
    else:
        masked = " ".join([words[0], *(_first_grapheme(word) + "**" for word in words[1:])])
    return unicodedata.normalize("NFC", masked)


def mask_id_number(value: str) -> str:
    """Hide all but the last 3 characters of a paper number: "*********123"."""
    compact = re.sub(r"\s", "", normalize_text(value))
    if len(compact) <= 3:
        return "*" * len(compact)
    return unicodedata.normalize("NFC", "*" * (len(compact) - 3) + compact[-3:])
