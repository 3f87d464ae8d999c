"""What the server accepts inside a pushed record: the core's text rules, field lengths, shapes.

A payload's hash covers its exact bytes, so the server cannot clean a value up; it refuses the
record instead, naming the field, and the counter shows that message on the dossier's badge.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from counter_app.identity import normalize_text

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


def _limit(field: str) -> int:
    if field in LONG_FIELDS:
        return LONG_MAX_CHARS
    return FIELD_MAX_CHARS.get(field, DEFAULT_MAX_CHARS)


def check_text(field: str, value: str) -> None:
    """The core's rules (normalize_text): NFC, no control, format (bidi, zero-width) or surrogate
    characters; whitespace may differ (a clerk's line breaks stay); at most the field's length."""
    if len(value) > _limit(field):
        raise Invalid(f"Trường {field} dài quá {_limit(field)} ký tự (đang có {len(value)}).")
    if value.isascii() and value.isprintable():
        return  # the common case, at C speed
    cleaned = normalize_text(value, multiline=True)
    if "".join(cleaned.split()) != "".join(value.split()):
        raise Invalid(
            f"Trường {field} có ký tự điều khiển, ký tự ẩn hoặc chưa chuẩn hóa Unicode (NFC)."
        )


def check_payload(payload: dict[str, Any]) -> None:
    """Walk every value of a payload: text rules, depth, list and object sizes."""
    _walk("payload", payload, 0)


def _walk(field: str, value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise Invalid(f"Trường {field} lồng quá {MAX_DEPTH} cấp.")
    if isinstance(value, str):
        check_text(field, value)
    elif isinstance(value, dict):
        if len(value) > MAX_KEYS:
            raise Invalid(f"Trường {field} có quá {MAX_KEYS} khóa.")
        for key, inner in value.items():
            if not _KEY.match(key):
                raise Invalid(f"Tên trường không hợp lệ trong {field}.")
            _walk(key, inner, depth + 1)
    elif isinstance(value, list):
        if len(value) > MAX_LIST:
            raise Invalid(f"Trường {field} có quá {MAX_LIST} phần tử.")
        for inner in value:
            _walk(field, inner, depth + 1)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > 2**53:
            raise Invalid(f"Trường {field} có số quá lớn.")
    elif isinstance(value, float) and not math.isfinite(value):
        raise Invalid(f"Trường {field} không phải số hợp lệ.")


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
    try:
        day = datetime.strptime(rest[:6], "%y%m%d").date()
    except ValueError:
        return None
    number = int(rest[7:])
    return (day, number) if number >= 1 else None
