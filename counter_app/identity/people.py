"""Names, addresses, dates, the chip ID card's QR, and masking for public screens."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from counter_app.identity.numbers import CitizenIdInfo, parse_citizen_id
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


# Vowels once marks are folded away ("ư" → "u", "ơ" → "o"); the last four for foreign names.
_VOWELS = frozenset("aeiouyæøœı")
# An address splits into words at spaces and commas; "12b", "3/4c" or "TP.HCM" are no words.
_ADDRESS_SPLIT = re.compile(r"[\s,;]+")
_SCANNER_FIX = (
    "hãy chỉnh bàn phím của máy quét sang chế độ gõ được chữ tiếng Việt (Unicode, xem hướng dẫn "
    "của máy quét) rồi quét lại."
)


class ScannerLostLetters(InvalidValue):
    """A chip-ID QR text whose Vietnamese letters the scanner dropped or garbled.

    The card is fine and the clerk cannot fix the text: the scanner's setting is the cure, so
    the form says so instead of "scan again".
    """


def _has_vowel(word: str) -> bool:
    return any(ch in _VOWELS for ch in fold(word))


def _garbled(text: str) -> bool:
    """Marks replaced by "?"/"�", or UTF-8 bytes typed as Windows-1252/Latin-1 ("Nguyá»…n")."""
    if "?" in text or "\ufffd" in text:
        return True
    for codec in ("cp1252", "latin-1"):
        try:
            fixed = text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
        if fixed != text:
            return True
    return False


def _scanner_damage(name: str, sex: str, address: str) -> str | None:
    """Why a card QR's text looks damaged by the scanner's keyboard setting, or None.

    A scanner typing in a keyboard mode without Vietnamese letters drops them or types "?"
    ("Nguyễn Văn An" → "Nguyn Vn An", "Nữ" → "N"). Every Vietnamese syllable has a vowel, and
    the dropped letters are mostly vowels, so a word without one is a damaged word. When every
    non-ASCII letter is dropped, whole words may survive ("Nguyn", "Hong"), but then nothing in
    the name and address has a mark, and a card prints them with their marks: "Hạ Long", not
    "Ha Long". A real name without marks ("Phan Thanh Long") still has an address with them.
    """
    lost = "Máy quét đã làm mất chữ có dấu tiếng Việt trong mã QR"
    for label, field in (("họ tên", name), ("giới tính", sex), ("địa chỉ", address)):
        if _garbled(field):
            return (
                f"Máy quét đã gõ sai chữ có dấu tiếng Việt trong mã QR "
                f"({label} đọc được «{field}»): {_SCANNER_FIX}"
            )
    if fold(sex) == "n":
        return f"{lost} (giới tính đọc được «{sex}», không phải «Nữ»): {_SCANNER_FIX}"
    for word in name.split(" "):
        letters = "".join(ch for ch in word if _is_letter(ch))
        if letters and not _has_vowel(letters):
            return (
                f"{lost} (họ tên đọc được «{name}»: chữ «{word}» không có nguyên âm): "
                f"{_SCANNER_FIX}"
            )
    for token in _ADDRESS_SPLIT.split(address):
        word = token.strip(".-()")
        if not word.isalpha():
            continue
        # Only words written out: "TP", "KP" or "Tp" are abbreviations, "phng" or "Trn" are not.
        written_out = word.islower() or (
            word[0].isupper() and sum(ch.islower() for ch in word) >= 2
        )
        if written_out and not _has_vowel(word):
            return (
                f"{lost} (địa chỉ đọc được «{address}»: chữ «{word}» không có nguyên âm): "
                f"{_SCANNER_FIX}"
            )
    if name and address and (name + address).isascii():
        return (
            f"{lost} (họ tên «{name}» và địa chỉ «{address}» không có chữ nào có dấu, "
            f"trong khi thẻ căn cước in đủ dấu): {_SCANNER_FIX}"
        )
    return None


def _check_card_against_id(info: CitizenIdInfo, *, birth_date: date, sex: str) -> None:
    """The number encodes sex and birth year: a card QR that disagrees with itself is refused.

    Such a text is a misread or a forged code; filling the form from it would put one
    person's number beside another's data on the receipt.
    """
    untrusted = "dữ liệu trong mã QR không đáng tin cậy."
    if sex != info.sex:
        raise InvalidValue(
            f"Giới tính trong mã QR («{sex}») không khớp với số định danh {info.number} "
            f"(chữ số thứ 4 «{info.number[3]}» là {info.sex.lower()}): {untrusted}"
        )
    if birth_date.year != info.birth_year:
        raise InvalidValue(
            f"Ngày sinh trong mã QR ({_show(birth_date)}) không khớp với số định danh "
            f"{info.number} (chữ số thứ 4–6 «{info.number[3:6]}» là người sinh năm "
            f"{info.birth_year}): {untrusted}"
        )


def parse_chip_id_qr(text: str, *, today: date) -> ChipIdCard:
    """Read "ID|oldID|Name|ddmmyyyy|Sex|Address|ddmmyyyy" from a chip ID card's QR code.

    Also the variant without the old CMND field (the third field is then the birth date), and
    extra trailing fields, which are ignored.
    """
    whole = normalize_text(text)
    if not whole:
        raise InvalidValue("Không được để trống.")
    fields = [normalize_text(field) for field in whole.split("|")]
    if len(fields) < 6:
        raise InvalidValue(
            "Mã QR không phải của thẻ căn cước: cần ít nhất 6 phần ngăn bởi dấu |, "
            f"mới có {len(fields)}."
        )
    if _DATE_COMPACT.fullmatch(fields[2]):
        # The variant without the old CMND: ID|Name|ddmmyyyy|Sex|Address|ddmmyyyy[|…]. In the
        # 7-field layout the third field is the name, which is never 8 digits.
        fields.insert(1, "")
    raw_id, raw_old_id, raw_name, raw_birth, raw_sex, raw_address = fields[:6]
    raw_issue = fields[6] if len(fields) > 6 else ""
    # Before any field's own rules: "Nguy?n" or "N" (for "Nữ") would be refused as a bad name
    # or sex, while the cure is to set the scanner up.
    if damage := _scanner_damage(raw_name, raw_sex, raw_address):
        raise ScannerLostLetters(damage)

    try:
        id_info = parse_citizen_id(raw_id, today=today)
    except InvalidValue as exc:
        raise InvalidValue(f"Số định danh trong mã QR không hợp lệ: {_inner(exc)}") from None
    id_number = id_info.number

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
    _check_card_against_id(id_info, birth_date=birth_date, sex=sex)

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
