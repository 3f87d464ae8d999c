"""The government's announcements of days off and make-up working days, as data files.

`resources/calendar/<year>.json` ships each year's announcement (every day off and make-up day
with the document that announced it); `init` loads them, an admin loads a new year's file with
`counter-app calendar load FILE`, and the server's calendar feed adds or changes single days.
These days go on top of the calendar's base (`counter_app.calendar`): the law's own days, and
for a year with no file loaded, the estimated Tết and 2/9 days that a loaded file replaces.

A file looks like:

    {"format": "counter-app-calendar/1", "year": 2026, "title": "…",
     "days": [{"day": "2026-01-10", "kind": "work", "note": "Làm bù cho thứ Sáu 02/01/2026",
               "reference": "Văn bản 12729/VPCP-KGVX ngày 25/12/2025", "confirmed": true}, …]}

A bad file is refused as a whole with a Vietnamese message naming the line and the field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from counter_app.calendar import DayKind
from counter_app.errors import UserError
from counter_app.identity import normalize_text
from counter_app.resources import resource_path

FORMAT = "counter-app-calendar/1"
_DAYS_KEY = re.compile(r'"days"\s*:\s*\[')
_NOTE_MAX = 255
_REFERENCE_MAX = 255


class CalendarFileError(UserError, ValueError):
    """A calendar file that cannot be loaded; str(exc) names the line and field in Vietnamese."""


@dataclass(frozen=True)
class OfficialDay:
    """One announced day: off or worked, why, and the document that says so."""

    day: date
    kind: DayKind
    note: str
    reference: str
    confirmed: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "kind": self.kind.value,
            "note": self.note,
            "reference": self.reference,
            "confirmed": self.confirmed,
        }


@dataclass(frozen=True)
class CalendarFile:
    """A parsed announcement file for one year."""

    year: int
    title: str
    days: tuple[OfficialDay, ...]


def _entry_spans(text: str) -> list[tuple[int, int]]:
    """Where each element of the "days" array starts and ends in the text (for messages)."""
    match = _DAYS_KEY.search(text)
    if match is None:
        return []
    decoder = json.JSONDecoder()
    spans: list[tuple[int, int]] = []
    pos = match.end()
    while pos < len(text):
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            break
        try:
            _, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            break
        spans.append((pos, end))
        pos = end
    return spans


class _Where:
    """Names an entry of the file in messages: the line of the field at fault, if it can."""

    def __init__(self, source: str, text: str, span: tuple[int, int] | None, index: int) -> None:
        self._source, self._text, self._span, self._index = source, text, span, index

    def __call__(self, field: str | None = None) -> str:
        if self._span is None:
            return f"{self._source}, mục thứ {self._index + 1}"
        start, end = self._span
        pos = self._text.find(f'"{field}"', start, end) if field else -1
        line = self._text.count("\n", 0, pos if pos >= 0 else start) + 1
        return f"{self._source}, dòng {line}"


def parse_calendar(text: str, source: str = "tệp lịch") -> CalendarFile:
    """Validate a calendar file's text; CalendarFileError names the line and field."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CalendarFileError(
            f"{source}, dòng {exc.lineno}: không phải JSON hợp lệ ({exc.msg})."
        ) from exc
    if not isinstance(data, dict):
        raise CalendarFileError(f"{source}: nội dung phải là một đối tượng JSON {{…}}.")
    if data.get("format", FORMAT) != FORMAT:
        raise CalendarFileError(f"{source}, trường «format»: phải là «{FORMAT}».")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise CalendarFileError(f"{source}, trường «year»: phải là một năm, ví dụ 2027.")
    raw_days = data.get("days")
    if not isinstance(raw_days, list) or not raw_days:
        raise CalendarFileError(
            f"{source}, trường «days»: phải là danh sách các ngày nghỉ, ngày làm bù (không rỗng)."
        )
    spans = _entry_spans(text)
    seen: dict[date, int] = {}
    days: list[OfficialDay] = []
    for index, item in enumerate(raw_days):
        where = _Where(source, text, spans[index] if index < len(spans) else None, index)
        days.append(_parse_day(item, where, year))
        previous = seen.get(days[-1].day)
        if previous is not None:
            raise CalendarFileError(
                f"{where('day')}, trường «day»: ngày {days[-1].day:%d/%m/%Y} đã có ở mục thứ "
                f"{previous + 1}; mỗi ngày chỉ ghi một lần."
            )
        seen[days[-1].day] = index
    title = normalize_text(str(data.get("title") or ""), max_length=255)
    return CalendarFile(year, title, tuple(sorted(days, key=lambda d: d.day)))


def _parse_day(item: Any, where: _Where, year: int) -> OfficialDay:
    if not isinstance(item, dict):
        raise CalendarFileError(
            f"{where()}: mỗi ngày phải là một đối tượng {{…}} có «day», «kind»."
        )
    raw_day = item.get("day")
    try:
        day = date.fromisoformat(str(raw_day)) if isinstance(raw_day, str) else None
    except ValueError:
        day = None
    if day is None:
        raise CalendarFileError(
            f"{where('day')}, trường «day»: «{raw_day}» không phải ngày dạng YYYY-MM-DD "
            "(ví dụ 2027-01-01)."
        )
    if day.year != year:
        raise CalendarFileError(
            f"{where('day')}, trường «day»: ngày {day:%d/%m/%Y} không thuộc năm {year} của tệp."
        )
    try:
        kind = DayKind(str(item.get("kind")))
    except ValueError:
        raise CalendarFileError(
            f"{where('kind')}, trường «kind»: phải là «off» (ngày nghỉ) hoặc «work» (ngày làm bù)."
        ) from None
    reference = item.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        raise CalendarFileError(
            f"{where('reference')}, trường «reference»: hãy ghi văn bản công bố ngày này "
            "(ví dụ «Văn bản 12729/VPCP-KGVX ngày 25/12/2025»)."
        )
    note = item.get("note", "")
    if not isinstance(note, str):
        raise CalendarFileError(f"{where('note')}, trường «note»: phải là chữ.")
    confirmed = item.get("confirmed", True)
    if not isinstance(confirmed, bool):
        raise CalendarFileError(
            f"{where('confirmed')}, trường «confirmed»: phải là true hoặc false."
        )
    try:
        clean_note = normalize_text(note, max_length=_NOTE_MAX)
        clean_reference = normalize_text(reference, max_length=_REFERENCE_MAX)
    except ValueError as exc:
        raise CalendarFileError(f"{where()}: {exc}") from exc
    return OfficialDay(day, kind, clean_note, clean_reference, confirmed)


def read_calendar_file(path: Path) -> CalendarFile:
    """Read and validate a calendar file from disk."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CalendarFileError(f"Không đọc được tệp {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise CalendarFileError(f"Tệp {path.name}: phải là văn bản UTF-8.") from exc
    return parse_calendar(text, f"Tệp {path.name}")


def bundled_calendars() -> list[CalendarFile]:
    """The announcements shipped with the app, oldest year first."""
    folder = resource_path("calendar")
    return [read_calendar_file(p) for p in sorted(folder.glob("[0-9][0-9][0-9][0-9].json"))]
