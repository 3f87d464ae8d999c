"""What the server accepts inside a pushed record: the core's text rules, field lengths, shapes.

A payload's hash covers its exact bytes, so the server cannot clean a value up; it refuses the
record instead, naming the field, and the counter shows that message on the dossier's badge.
"""

from __future__ import annotations

import math
import re
import unicodedata
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
    characters; whitespace may differ (a clerk's line breaks stay); at most the field's length."""
    if len(value) > _limit(field):
        raise Invalid(f"Trường {field} dài quá {_limit(field)} ký tự (đang có {len(value)}).")
    if value.isprintable() and unicodedata.is_normalized("NFC", value):
        # The common case, at C speed: isprintable() is false for exactly the characters
        # normalize_text drops (control, format, surrogate, private-use, unassigned, odd spaces).
        return
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
