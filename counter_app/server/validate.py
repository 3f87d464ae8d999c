"""What the server accepts inside a pushed record: the core's text rules, field lengths, shapes.

A payload's hash covers its exact bytes, so the server cannot clean a value up; it refuses the
record instead, naming the field, and the counter shows that message on the dossier's badge.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from counter_app.domain import INTAKE_STATUS, ApplicantKind, Channel, ResultDelivery
from counter_app.identity import (
    IdKind,
    InvalidValue,
    check_birth_date_against_id,
    guess_id_kind,
    has_lone_mark,
    normalize_email,
    normalize_id_number,
    normalize_organisation_name,
    normalize_person_name,
    normalize_phone,
    normalize_text,
    validate_birth_date,
)
from counter_app.intake import EARLIEST_RECEIVED, FIELD_LABELS
from counter_app.issuing import CLOCK_TOLERANCE
from counter_app.settings import MAX_COUNTER_NO

#: Longest value of any text field not listed below (characters).
DEFAULT_MAX_CHARS = 500
#: Free-text fields a clerk writes by hand.
LONG_FIELDS = frozenset(
    {"notes", "summary", "missing_papers_reason", "reason", "comment", "note", "result"}
)
LONG_MAX_CHARS = 4000
FIELD_MAX_CHARS = {
    "code": 64,
    "uuid": 36,
    "dossier_uuid": 36,
    "dossier_code": 64,
    "unit_identifier": 48,
    "procedure_code": 32,
    "procedure_name": 500,
    "name": 255,
    "clerk_name": 255,
    "actor": 255,
    "id_number": 32,
    "phone": 16,
    "email": 254,
    "address": 500,
    "delivery_address": 500,
    # The counter's own limit (intake.py cleans the clerk's text to 1000 characters).
    "undigitised_reason": 1000,
}
MAX_DEPTH = 6
MAX_LIST = 500
MAX_KEYS = 100
#: A record's canonical JSON, at most (a dossier with 100 papers is ~20 KB).
MAX_RECORD_CHARS = 256 * 1024
APPOINTMENT_CHANGE_KEYS = frozenset({"previous", "new", "reason", "apology"})
_KEY = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")


class Invalid(ValueError):
    """str(exc) is a Vietnamese sentence naming the field."""


_LIMITS = {**FIELD_MAX_CHARS, **dict.fromkeys(LONG_FIELDS, LONG_MAX_CHARS)}
# Keys already seen to be well-formed: the same few dozen names recur in every record.
_GOOD_KEYS: set[str] = set()


def _limit(field: str) -> int:
    return _LIMITS.get(field, DEFAULT_MAX_CHARS)


def check_text(field: str, value: str) -> None:
    """The core's rules (normalize_text): NFC, no control, format (bidi, zero-width) or surrogate
    characters, no accent standing alone; whitespace may differ (a clerk's line breaks stay);
    at most the field's length."""
    if len(value) > _limit(field):
        raise Invalid(f"Trường {field} dài quá {_limit(field)} ký tự (đang có {len(value)}).")
    if value.isprintable() and unicodedata.is_normalized("NFC", value) and not has_lone_mark(value):
        # The common case, at C speed: isprintable() is false for exactly the characters
        # normalize_text drops (control, format, surrogate, private-use, unassigned, odd spaces).
        return
    if has_lone_mark(value):
        raise Invalid(
            f"Trường {field} có dấu (sắc, huyền, mũ…) đứng riêng, không đi sau chữ cái nào."
        )
    cleaned = normalize_text(value, multiline=True)
    if "".join(cleaned.split()) != "".join(value.split()):
        raise Invalid(
            f"Trường {field} có ký tự điều khiển, ký tự ẩn hoặc chưa chuẩn hóa Unicode (NFC)."
        )


def check_payload(payload: dict[str, Any]) -> None:
    """Every value of a payload: text rules, depth, list and object sizes (iterative: a record is
    checked for each of thousands a second)."""
    stack: list[tuple[str, Any, int]] = [("payload", payload, 0)]
    limits, good_keys, default = _LIMITS, _GOOD_KEYS, DEFAULT_MAX_CHARS
    while stack:
        field, value, depth = stack.pop()
        kind = type(value)
        if kind is str:
            if (
                len(value) <= limits.get(field, default)
                and value.isprintable()
                and unicodedata.is_normalized("NFC", value)
                and not has_lone_mark(value)
            ):
                continue
            check_text(field, value)
        elif kind is dict:
            if depth >= MAX_DEPTH:
                raise Invalid(f"Trường {field} lồng quá {MAX_DEPTH} cấp.")
            if len(value) > MAX_KEYS:
                raise Invalid(f"Trường {field} có quá {MAX_KEYS} khóa.")
            for key, inner in value.items():
                if key not in good_keys:
                    if not _KEY.match(key):
                        raise Invalid(f"Tên trường không hợp lệ trong {field}.")
                    if len(good_keys) < 10_000:
                        good_keys.add(key)
                stack.append((key, inner, depth + 1))
        elif kind is list:
            if depth >= MAX_DEPTH:
                raise Invalid(f"Trường {field} lồng quá {MAX_DEPTH} cấp.")
            if len(value) > MAX_LIST:
                raise Invalid(f"Trường {field} có quá {MAX_LIST} phần tử.")
            stack.extend((field, inner, depth + 1) for inner in value)
        elif kind is int:
            if abs(value) > 2**53:
                raise Invalid(f"Trường {field} có số quá lớn.")
        elif kind is float:
            if not math.isfinite(value):
                raise Invalid(f"Trường {field} không phải số hợp lệ.")
        elif kind is not bool and value is not None:
            raise Invalid(f"Trường {field} có giá trị không hợp lệ.")


def parse_dt(value: Any) -> datetime | None:
    """A local ISO time from a payload (offset dropped); None when absent or malformed."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        return None


def appointment_change(p: dict[str, Any]) -> dict[str, Any] | None:
    """The event's optional appointment change (brief's contract), checked; None when absent."""
    raw = p.get("appointment_change")
    if raw is None:
        return None
    if not isinstance(raw, dict) or not set(raw) <= APPOINTMENT_CHANGE_KEYS:
        raise Invalid("Trường appointment_change phải gồm previous, new, reason, apology.")
    previous, new = parse_dt(raw.get("previous")), parse_dt(raw.get("new"))
    if previous is None or new is None:
        raise Invalid("Ngày hẹn cũ hoặc mới trong appointment_change không hợp lệ.")
    reason = raw.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 1000:
        raise Invalid("Lý do đổi ngày hẹn phải là văn bản tối đa 1000 ký tự.")
    apology = raw.get("apology", False)
    if not isinstance(apology, bool):
        raise Invalid("Trường apology phải là true hoặc false.")
    return {
        "previous": previous.isoformat(),
        "new": new.isoformat(),
        "reason": reason,
        "apology": apology,
    }


def code_parts(code: str, unit: str) -> tuple[date, int] | None:
    """(day, number) of a code `<unit>-YYMMDD-NNNN` of exactly this unit; None otherwise."""
    prefix = f"{unit}-"
    if not code.startswith(prefix):
        return None
    rest = code[len(prefix) :]
    if len(rest) != 11 or rest[6] != "-" or not (rest[:6] + rest[7:]).isdigit():
        return None
    try:  # not strptime: this runs twice for every pushed dossier
        day = date(2000 + int(rest[0:2]), int(rest[2:4]), int(rest[4:6]))
    except ValueError:
        return None
    number = int(rest[7:])
    return (day, number) if number >= 1 else None


# ---------------------------------------------------------------------------------------------
# A dossier's content: the rules intake applies at the counter, applied again by the server, so a
# bug or a tampered PC cannot write what the counter itself would refuse.

#: How far past the server's clock a pushed received time may be: the tolerance the counter itself
#: allows between its clock and the server's before it asks the clerk to confirm (issuing.py).
RECEIVED_AHEAD_TOLERANCE = CLOCK_TOLERANCE

#: Single-line fields intake cleans with normalize_text (intake.py `_clean_text`), and the one it
#: cleans keeping line breaks: the server wants them exactly as that cleaning leaves them.
INTAKE_TEXT_FIELDS = ("summary", "missing_papers_reason", "undigitised_reason", "delivery_address")
INTAKE_MULTILINE_FIELDS = ("notes",)

_LABELS = {
    **FIELD_LABELS,
    "missing_papers_reason": FIELD_LABELS["missing_reason"],
    "appointment_at": "Ngày hẹn trả kết quả",
    "status": "Trạng thái hồ sơ",
    "channel": "Kênh tiếp nhận",
    "applicant.id_kind": "Loại giấy tờ tùy thân",
    "counter_no": "Số quầy",
}


_CHANNELS = frozenset(c.value for c in Channel)
_DELIVERIES = frozenset(d.value for d in ResultDelivery)
_APPLICANT_KINDS = frozenset(k.value for k in ApplicantKind)


def _field(name: str) -> str:
    """ "Trường received_at (Thời điểm tiếp nhận)": the key the counter's developer greps for and
    the label the clerk reads on the dossier's badge."""
    label = _LABELS.get(name)
    return f"Trường {name} ({label})" if label else f"Trường {name}"


def _show(value: datetime) -> str:
    return value.strftime("%H:%M %d/%m/%Y")


def _local_time(p: dict[str, Any], key: str) -> datetime:
    raw = p.get(key)
    value = parse_dt(raw)
    if value is None:
        raise Invalid(f"{_field(key)} không phải thời điểm hợp lệ (dạng YYYY-MM-DDTHH:MM:SS).")
    if datetime.fromisoformat(str(raw)).tzinfo is not None:
        # The counter sends the centre's wall time; an offset would move the code's day.
        raise Invalid(f"{_field(key)} phải là giờ Việt Nam, không kèm múi giờ.")
    return value


def _unchanged(
    name: str, value: Any, clean: Callable[[str], str], *, spaces_may_differ: bool = False
) -> None:
    """The value is text that the core's normaliser for this field leaves exactly as it is (in a
    multi-line field, but for its whitespace: a clerk's tabs and blank lines stay, as
    `check_text` allows)."""
    if not isinstance(value, str):
        raise Invalid(f"{_field(name)} phải là văn bản.")
    if value == "" and clean is normalize_text:
        return  # most optional fields are empty, and normalize_text keeps "" as it is
    try:
        cleaned = clean(value)
    except InvalidValue as exc:
        raise Invalid(f"{_field(name)}: {_lower_first(str(exc))}") from None
    if spaces_may_differ:
        cleaned, value = "".join(cleaned.split()), "".join(value.split())
    if cleaned != value:
        raise Invalid(
            f"{_field(name)} chưa được chuẩn hóa như khi tiếp nhận tại quầy "
            f"(đúng ra là «{cleaned[:80]}»)."
        )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def check_dossier_dates(p: dict[str, Any], code_day: date, now: datetime) -> None:
    """Received at the code's day, not later than the server's clock allows, appointment after.

    Old received times are genuine (a dossier received offline is pushed days later; a clerk
    backdates yesterday's paper dossiers): only the future bound depends on the server's clock.
    """
    received = _local_time(p, "received_at")
    appointment = _local_time(p, "appointment_at")
    latest = now + RECEIVED_AHEAD_TOLERANCE
    if received > latest:
        raise Invalid(
            f"{_field('received_at')} {_show(received)} ở tương lai theo đồng hồ máy chủ "
            f"({_show(now)}); hãy kiểm tra đồng hồ của máy quầy."
        )
    if received < EARLIEST_RECEIVED:
        raise Invalid(f"{_field('received_at')} không được trước năm {EARLIEST_RECEIVED.year}.")
    if received.date() != code_day:
        raise Invalid(
            f"{_field('received_at')} là ngày {received:%d/%m/%Y}, khác ngày trong mã hồ sơ "
            f"({code_day:%d/%m/%Y}): mã hồ sơ mang ngày tiếp nhận."
        )
    if appointment < received:
        raise Invalid(
            f"{_field('appointment_at')} {_show(appointment)} trước thời điểm tiếp nhận "
            f"{_show(received)}."
        )


def check_event_time(p: dict[str, Any], now: datetime) -> None:
    """An event happened before it was pushed: its time is not in the server's future (the public
    page lists a dossier's events by time)."""
    at = _local_time(p, "at")
    if at > now + RECEIVED_AHEAD_TOLERANCE:
        raise Invalid(
            f"Trường at (thời điểm của sự kiện) {_show(at)} ở tương lai theo đồng hồ máy chủ "
            f"({_show(now)}); hãy kiểm tra đồng hồ của máy quầy."
        )


def check_applicant(applicant: dict[str, Any], today: date) -> None:
    """The applicant as intake leaves it: the identity module's rules, each value unchanged."""
    raw_kind = applicant.get("kind", int(ApplicantKind.CITIZEN))
    if type(raw_kind) is not int or raw_kind not in _APPLICANT_KINDS:
        raise Invalid(f"{_field('applicant.kind')} không hợp lệ.")
    kind = ApplicantKind(raw_kind)
    name = applicant.get("name")
    _unchanged(
        "applicant.name",
        name,
        normalize_person_name if kind.is_person else normalize_organisation_name,
    )
    number = applicant.get("id_number")
    if not isinstance(number, str):
        raise Invalid(f"{_field('applicant.id_number')} phải là văn bản.")
    # The kind intake chose; a record without one gets intake's own guess.
    raw_id_kind = applicant.get("id_kind") or guess_id_kind(number)
    if raw_id_kind is None:
        raw_id_kind = IdKind.CITIZEN_ID if kind.is_person else IdKind.ENTERPRISE
    try:
        id_kind = IdKind(raw_id_kind)
    except ValueError:
        raise Invalid(f"{_field('applicant.id_kind')} không hợp lệ.") from None
    _unchanged(
        "applicant.id_number", number, lambda v: normalize_id_number(v, id_kind, today=today)
    )
    birth = applicant.get("birth_date")
    if birth is not None:
        try:
            day = date.fromisoformat(birth) if isinstance(birth, str) else None
        except ValueError:
            day = None
        if day is None:
            raise Invalid(f"{_field('applicant.birth_date')} không phải ngày hợp lệ (YYYY-MM-DD).")
        try:
            validate_birth_date(day, today=today)
            if id_kind is IdKind.CITIZEN_ID:
                check_birth_date_against_id(number, day, today=today)
        except InvalidValue as exc:
            raise Invalid(f"{_field('applicant.birth_date')}: {_lower_first(str(exc))}") from None
    for key, clean in (("phone", normalize_phone), ("email", normalize_email)):
        value = applicant.get(key, "")
        if value != "":
            _unchanged(f"applicant.{key}", value, clean)
    _unchanged("applicant.address", applicant.get("address", ""), normalize_text)


def check_first_status(p: dict[str, Any], version: int) -> None:
    """A first version is what intake creates; later versions may carry any status (the
    counter's own hand-backs and supplements), which the server ignores after intake anyway."""
    status = p.get("status")
    if version == 1 and status != INTAKE_STATUS:
        raise Invalid(
            f"{_field('status')}: hồ sơ mới (phiên bản 1) phải ở trạng thái {int(INTAKE_STATUS)} "
            f"({INTAKE_STATUS.label}), không phải {status}."
        )


def check_dossier_content(p: dict[str, Any], *, code_day: date, now: datetime) -> None:
    """Everything intake would have refused in a pushed dossier (but its status, see
    `check_first_status`), as `Invalid` naming the field."""
    check_dossier_dates(p, code_day, now)
    if "fee" in p:
        fee = p["fee"]
        if type(fee) is not int or fee < 0:
            raise Invalid(f"{_field('fee')} phải là số nguyên không âm (đồng), không phải {fee!r}.")
    channel = p.get("channel", int(Channel.IN_PERSON))
    if type(channel) is not int or channel not in _CHANNELS:
        raise Invalid(f"{_field('channel')} không hợp lệ.")
    if p.get("result_delivery", ResultDelivery.COUNTER.value) not in _DELIVERIES:
        raise Invalid(f"{_field('result_delivery')} không hợp lệ.")
    counter_no = p.get("counter_no", 1)
    # The counter's number (as settings allow); its unit is checked through the code, since centres
    # sharing one code sequence (code_scope "centre") have many counters in one unit.
    if type(counter_no) is not int or not 1 <= counter_no <= MAX_COUNTER_NO:
        raise Invalid(f"{_field('counter_no')} phải từ 1 đến {MAX_COUNTER_NO}.")
    sets = p.get("dossier_sets", 1)
    if type(sets) is not int or not 1 <= sets <= 99:
        raise Invalid(f"{_field('dossier_sets')} phải từ 1 đến 99 bộ.")
    applicant = p.get("applicant")
    if not isinstance(applicant, dict):
        raise Invalid(f"{_field('applicant')} thiếu hoặc không hợp lệ.")
    check_applicant(applicant, now.date())
    for key in INTAKE_TEXT_FIELDS:
        _unchanged(key, p.get(key, ""), normalize_text)
    for key in INTAKE_MULTILINE_FIELDS:
        _unchanged(
            key,
            p.get(key, ""),
            lambda v: normalize_text(v, multiline=True),
            spaces_may_differ=True,
        )
