"""Names, addresses, dates, the chip ID card's QR, and masking for public screens."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from counter_app.identity.numbers import parse_citizen_id
from counter_app.identity.text import (
    ADDRESS_MAX_LENGTH,
    EARLIEST_BIRTH_YEAR,
    ORGANISATION_NAME_MAX_LENGTH,
    PERSON_NAME_MAX_LENGTH,
    InvalidValue,
    _compact,
    _inner,
    _quote,
    _required,
    fold,
    normalize_text,
)

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
    first = part[:1]
    if first.isupper() and first == first.title() and part[1:].islower():
        return part  # already "Nguyễn" (the usual case; what the rule below returns for it)
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
    if text.replace(" ", "").isalpha():
        # Letters and single spaces only (most names; isalpha is exactly the L* categories): the
        # character and joiner rules below hold by construction, only capitals remain.
        return _checked_name_length(
            unicodedata.normalize("NFC", " ".join(_capitalise_part(w) for w in text.split(" ")))
        )
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
    return _checked_name_length(
        unicodedata.normalize("NFC", " ".join(_capitalise_word(word) for word in words))
    )


def _checked_name_length(result: str) -> str:
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
