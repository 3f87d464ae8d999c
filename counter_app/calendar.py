"""Working time: opening hours, public holidays, days off and make-up days, appointment dates.

All datetimes are naive local wall time in Vietnam (Asia/Ho_Chi_Minh, UTC+7, no daylight saving
since 1975). An aware datetime passed in is converted to that wall time; results are always naive.

How an appointment ("ngày hẹn trả") is counted, so that a clerk finds it natural:

- The *effective start* is the receipt itself when it falls inside a session; otherwise the next
  opening (received 12:00 → 13:30 the same day; received Friday 18:00 → Monday 07:30). A session
  is half-open: received at exactly 11:30 or 17:00 counts from the next opening.
- A procedure's optional afternoon *cut-off* (e.g. certified copies, 15:00): a dossier received on
  a working day strictly after the cut-off starts at the next working day's opening.
- N working days (N ≥ 1): the Nth working day after the effective start's day (that day itself is
  not counted), at the effective start's clock time. When that day's sessions differ (a Saturday
  morning, a make-up day), the clock is clamped into them: before the first opening → the first
  opening; in a gap or after closing → the end of the session before it. Received Friday 18:00,
  3 working days → Thursday 07:30; a Saturday-morning centre, clock 15:00 → Saturday 11:30.
- 0 working days ("trong ngày"): the end of the effective day's last session. With a 15:00
  cut-off: received 14:00 → 17:00 the same day; received 15:30 → 17:00 the next working day.
- Working hours: added along the sessions from the effective start; when they run out exactly
  at a session end, the appointment is that end (11:30, not 13:30).
- N calendar days: the effective start's date + N. On a working day, the same clock time clamped
  as above; on a day off, rolled forward to the next working day's *opening*. (Keeping the clock
  time there would give a dossier received Friday 08:00 an earlier appointment than one received
  Thursday 16:00 when both deadlines fall on a weekend; the opening keeps "later receipt, never
  earlier appointment".) 0 calendar days is "trong ngày", as for working days.
- Amounts in days must be whole numbers: half a day is entered as working hours.

Working days: a calendar exception (the editable table) decides first; then the base days off
(below) are off; then the weekday's sessions decide. A WORK exception ("làm bù") on a Saturday or
Sunday, or on a weekday without sessions, uses the make-up sessions (Monday's, see
`WorkingHours.makeup_sessions`).

The base days off, and how far each can be trusted (`DaySource`):

- *law*: what Bộ luật Lao động 2019, Điều 112 fixes by itself: 1/1, Giỗ Tổ (10/3 âm lịch), 30/4,
  1/5, 2/9, and (khoản 3) the next working day when one of them falls on a Saturday or Sunday.
- *estimate*: which five days of Tết and which day next to 2/9 are off is chosen each year by the
  Prime Minister's announcement. For a year whose announcement is loaded (an *official year*: a
  file from resources/calendar, `calendar load`, or the server's calendar feed), the announced
  days are exceptions and the estimate is dropped; for any other year the `holidays` package's
  guess is used, as an estimate, and every appointment counted over that year says so
  (`estimated_years`, `estimate_warning`).
- 24/11 "Ngày Văn hóa Việt Nam" is not a day off (see `_not_in_force`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Any

import holidays

from counter_app.errors import UserError

TimeRange = tuple[time, time]
DaySessions = tuple[TimeRange, ...]
Span = tuple[datetime, datetime]

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")
# Longest run of consecutive days off tolerated before a calendar is declared broken (Tết is ~9).
MAX_DAYS_OFF_IN_A_ROW = 366

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
_TIME_TEXT = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


class ProcessingUnit(StrEnum):
    """How a procedure's processing time is measured."""

    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    CALENDAR_DAYS = "calendar_days"

    @property
    def label(self) -> str:
        """The unit as printed on receipts, e.g. "ngày làm việc"."""
        return _UNIT_LABELS[self]

    def describe(self, amount: float) -> str:
        """Text such as "3 ngày làm việc", "1,5 giờ làm việc", "trong ngày" (zero days)."""
        if amount == 0 and self is not ProcessingUnit.WORKING_HOURS:
            return "trong ngày"
        number = f"{amount:g}".replace(".", ",")
        return f"{number} {self.label}"


_UNIT_LABELS = {
    ProcessingUnit.WORKING_DAYS: "ngày làm việc",
    ProcessingUnit.WORKING_HOURS: "giờ làm việc",
    ProcessingUnit.CALENDAR_DAYS: "ngày",
}


class DayKind(StrEnum):
    """A calendar exception: an extra day off, or a (make-up) working day."""

    OFF = "off"
    WORK = "work"

    @property
    def label(self) -> str:
        """Vietnamese label for the exceptions table."""
        return "Ngày nghỉ" if self is DayKind.OFF else "Ngày làm việc (làm bù)"


class DaySource(StrEnum):
    """Why a base day is off: fixed by the law alone, or the guess of a yearly announcement."""

    LAW = "law"
    ESTIMATE = "estimate"


LAW_REFERENCE = "Bộ luật Lao động 2019, Điều 112"
LAW_COMPENSATION_REFERENCE = "Bộ luật Lao động 2019, Điều 111 khoản 3"

# The days Điều 112 fixes by the solar date (Giỗ Tổ, by the lunar one, is found in the package).
_LAW_SOLAR_DAYS = (
    (1, 1, "Tết Dương lịch"),
    (4, 30, "Ngày Chiến thắng"),
    (5, 1, "Ngày Quốc tế Lao động"),
    (9, 2, "Quốc khánh"),
)
_HUNG_KINGS_NAME = "Ngày Giỗ Tổ Hùng Vương"


@dataclass(frozen=True)
class BaseHoliday:
    """A day off of the base: its Vietnamese name, why it is off, the law's article if any."""

    name: str
    source: DaySource
    reference: str  # LAW_REFERENCE or LAW_COMPENSATION_REFERENCE; "" for an estimate


def estimate_note(year: int) -> str:
    """What `calendar show` writes beside a guessed day off."""
    return f"ước tính, chưa có thông báo chính thức năm {year}"


def estimate_warning(years: Iterable[int]) -> str:
    """The one-line warning beside an appointment counted over years without an announcement;
    "" when there are none."""
    listed = sorted(set(years))
    if not listed:
        return ""
    named = ", ".join(str(y) for y in listed)
    return (
        f"Lưu ý: ngày hẹn tính theo lịch nghỉ ước tính năm {named} "
        "(chưa có thông báo chính thức), có thể thay đổi."
    )


def estimate_json(years: Iterable[int]) -> dict[str, object]:
    """The JSON keys every appointment output carries: "calendar_estimated", "estimated_years"."""
    listed = sorted(set(years))
    return {"calendar_estimated": bool(listed), "estimated_years": listed}


def _folded(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _not_in_force(day: date, name: str) -> bool:
    """24/11 "Ngày Văn hóa Việt Nam" and its weekend substitute: the `holidays` package (0.109)
    lists them from 2026, but no text puts the day off in force (resources/calendar/SOURCES.md:
    Nghị quyết 30/NQ-CP of 26/02/2026 only asks for a Labour Code amendment; BLLĐ 2019 Điều 112
    still lists 11 days). Matched by date and by name, so a renamed or moved entry stays out; a
    loaded file (or the server's feed) that says the day is off still makes it off."""
    if "văn hóa" in _folded(name) or "văn hoá" in _folded(name):
        return True
    if day.month != 11:
        return False
    substitute = date(day.year, 11, 24).weekday() >= 5 and day.day in (25, 26)
    return day.day == 24 or substitute


@cache
def _base_year(year: int) -> Mapping[date, BaseHoliday]:
    """The base days off of a year: the law's own, then the package's guesses (estimates)."""
    table = holidays.country_holidays("VN", years=year, language="vi")
    package = {d: str(n) for d, n in table.items() if not _not_in_force(d, str(n))}
    law: dict[date, str] = {date(year, m, d): name for m, d, name in _LAW_SOLAR_DAYS}
    # Giỗ Tổ: the package's lunar date, by name, else the one package day between late March and
    # April (10/3 âm lịch always falls there); without it the package's day stays an estimate.
    hung = [d for d, n in package.items() if "giỗ tổ" in _folded(n) and "bù" not in _folded(n)]
    if not hung:
        hung = [d for d in package if date(year, 3, 20) <= d <= date(year, 4, 29)]
    if len(hung) == 1:
        law[hung[0]] = _HUNG_KINGS_NAME
    days = {d: BaseHoliday(n, DaySource.LAW, LAW_REFERENCE) for d, n in law.items()}
    # Điều 111 khoản 3: a holiday on the weekly rest day (Saturday, Sunday for the civil service)
    # gives the next working day off; 30/4 on a Sunday → 1/5 is a holiday too → 2/5.
    for day in sorted(law):
        if day.weekday() < 5:
            continue
        substitute = day + timedelta(days=1)
        while substitute.weekday() >= 5 or substitute in days:
            substitute += timedelta(days=1)
        days[substitute] = BaseHoliday(
            f"{law[day]} (nghỉ bù)", DaySource.LAW, LAW_COMPENSATION_REFERENCE
        )
    for day, name in package.items():
        if day not in days and day.year == year:
            days[day] = BaseHoliday(name, DaySource.ESTIMATE, "")
    return MappingProxyType(dict(sorted(days.items())))


def unannounced_estimates(year: int, announced: Iterable[date]) -> list[date]:
    """The guessed days off of `year` that an announcement leaves out entirely (none of its days
    within 3 days): once the year is official they become working days. A file with the New
    Year's swap only would otherwise silently turn the guessed Tết into working days."""
    days = sorted(announced)
    return [
        d
        for d, entry in _base_year(year).items()
        if entry.source is DaySource.ESTIMATE
        and d.weekday() < 5
        and not any(abs((d - a).days) <= 3 for a in days)
    ]


def _fmt_time(t: time) -> str:
    return t.strftime("%H:%M:%S" if t.second or t.microsecond else "%H:%M")


def _parse_time(text: Any, where: str) -> time:
    match = _TIME_TEXT.match(str(text).strip()) if isinstance(text, str) else None
    if match:
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        if hour < 24 and minute < 60 and second < 60:
            return time(hour, minute, second)
    raise ValueError(f"{where}: giờ “{text}” không hợp lệ, hãy nhập dạng HH:MM (ví dụ 07:30).")


def _validate_day(weekday: int, sessions: Any) -> DaySessions:
    name = WEEKDAY_NAMES_VI[weekday]
    result: list[TimeRange] = []
    for item in sessions:
        start, end = item if isinstance(item, tuple | list) and len(item) == 2 else (None, None)
        if not isinstance(start, time) or not isinstance(end, time):
            raise ValueError(f"Giờ làm việc {name}: mỗi buổi gồm giờ bắt đầu và giờ kết thúc.")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"Giờ làm việc {name}: giờ không được kèm múi giờ.")
        if start >= end:
            raise ValueError(
                f"Giờ làm việc {name}: giờ bắt đầu {_fmt_time(start)} phải trước "
                f"giờ kết thúc {_fmt_time(end)}."
            )
        if result and start < result[-1][1]:
            raise ValueError(
                f"Giờ làm việc {name}: buổi {_fmt_time(start)}–{_fmt_time(end)} phải bắt đầu "
                f"sau khi buổi trước kết thúc ({_fmt_time(result[-1][1])}), "
                "các buổi xếp theo thứ tự và không chồng lên nhau."
            )
        result.append((start, end))
    return tuple(result)


@dataclass(frozen=True)
class WorkingHours:
    """Opening sessions per weekday (0=Monday); validated, immutable, hashable."""

    sessions: Mapping[int, DaySessions] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.sessions) - set(range(7))
        if unknown:
            raise ValueError(f"Giờ làm việc: thứ trong tuần không hợp lệ: {sorted(unknown)}.")
        days = {wd: _validate_day(wd, self.sessions.get(wd, ())) for wd in range(7)}
        # Frozen: store a read-only normalised copy so callers cannot change it afterwards.
        object.__setattr__(self, "sessions", MappingProxyType(days))

    def __hash__(self) -> int:
        return hash(tuple(self.sessions[wd] for wd in range(7)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkingHours):
            return NotImplemented
        return all(self.sessions[wd] == other.sessions[wd] for wd in range(7))

    @classmethod
    def default(cls) -> WorkingHours:
        """07:30–11:30 and 13:30–17:00, Monday to Friday."""
        day = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
        return cls({wd: day for wd in range(5)})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkingHours:
        """From {"mon": [["07:30", "11:30"], ...], ..., "sat": []}; a missing weekday is closed."""
        if not isinstance(data, Mapping):
            raise ValueError("Giờ làm việc: dữ liệu không hợp lệ.")
        unknown = [k for k in data if k not in WEEKDAY_KEYS]
        if unknown:
            raise ValueError(
                f"Giờ làm việc: khóa không hợp lệ {unknown}; dùng {', '.join(WEEKDAY_KEYS)}."
            )
        days: dict[int, DaySessions] = {}
        for wd, key in enumerate(WEEKDAY_KEYS):
            where = f"Giờ làm việc {WEEKDAY_NAMES_VI[wd]}"
            raw = data.get(key) or []
            if isinstance(raw, str) or not isinstance(raw, list | tuple):
                raise ValueError(
                    f"{where}: cần một danh sách các buổi [giờ bắt đầu, giờ kết thúc]."
                )
            pairs: list[TimeRange] = []
            for item in raw:
                if isinstance(item, str) or not isinstance(item, list | tuple) or len(item) != 2:
                    raise ValueError(f"{where}: mỗi buổi gồm đúng hai giờ [bắt đầu, kết thúc].")
                pairs.append((_parse_time(item[0], where), _parse_time(item[1], where)))
            days[wd] = tuple(pairs)
        return cls(days)

    def to_dict(self) -> dict[str, list[list[str]]]:
        """JSON-friendly form read back by `from_dict`."""
        return {
            key: [[_fmt_time(s), _fmt_time(e)] for s, e in self.sessions[wd]]
            for wd, key in enumerate(WEEKDAY_KEYS)
        }

    @property
    def makeup_sessions(self) -> DaySessions:
        """Sessions of a make-up working day: Monday's, else the first weekday that opens."""
        for wd in range(7):
            if self.sessions[wd]:
                return self.sessions[wd]
        return ()


def _local(at: datetime) -> datetime:
    """Naive Vietnam wall time (aware datetimes are converted)."""
    if at.tzinfo is None:
        return at
    return at.astimezone(VIETNAM_TZ).replace(tzinfo=None)


class InvalidDuration(UserError, ValueError):
    """A processing time the calendar cannot count (negative, not a number, fractional days,
    absurdly long): a user error, said in Vietnamese, never a traceback."""


#: The longest processing time counted, in days (working hours: 8 a day). The longest in the
#: catalog is months, an extension at most 365 working days: ten years means a typing mistake.
MAX_DURATION_DAYS = 3650


def _whole(amount: float, unit: ProcessingUnit) -> int:
    if amount != int(amount):
        raise InvalidDuration(
            f"Thời hạn tính theo {unit.label} phải là số nguyên (nhận được {amount:g}); "
            "thời hạn nửa ngày hãy nhập theo giờ làm việc (ví dụ 4 giờ làm việc)."
        )
    return int(amount)


class WorkingCalendar:
    """Working days and appointment dates for one centre; immutable, caches per-day answers.

    Build a new calendar when the hours or the exceptions table change.
    """

    def __init__(
        self,
        hours: WorkingHours | None = None,
        exceptions: Mapping[date, DayKind] | None = None,
        use_public_holidays: bool = True,
        official_years: Iterable[int] = (),
    ) -> None:
        self._hours = hours or WorkingHours.default()
        self._official = frozenset(official_years)
        self._exceptions: dict[date, DayKind] = {
            (d.date() if isinstance(d, datetime) else d): DayKind(kind)
            for d, kind in (exceptions or {}).items()
        }
        self._use_public_holidays = use_public_holidays
        self._spans: dict[date, tuple[Span, ...]] = {}
        self._year_cumulative: dict[int, tuple[int, ...]] = {}

    @property
    def hours(self) -> WorkingHours:
        """The weekly opening sessions."""
        return self._hours

    @property
    def exceptions(self) -> Mapping[date, DayKind]:
        """The editable days off / make-up days, read-only."""
        return MappingProxyType(self._exceptions)

    @property
    def use_public_holidays(self) -> bool:
        """Whether Vietnam's public holidays are days off."""
        return self._use_public_holidays

    # --- days -----------------------------------------------------------------------------------

    @property
    def official_years(self) -> frozenset[int]:
        """The years whose announcement of days off is loaded."""
        return self._official

    def is_official_year(self, year: int) -> bool:
        """Whether `year`'s announcement is loaded (else its Tết and 2/9 days are estimates)."""
        return year in self._official

    def base_holiday(self, d: date) -> BaseHoliday | None:
        """The base day off on `d` (ignores exceptions); an official year has no estimates."""
        if not self._use_public_holidays:
            return None
        entry = _base_year(d.year).get(d)
        if entry is None or (entry.source is DaySource.ESTIMATE and d.year in self._official):
            return None
        return entry

    def holiday_name(self, d: date) -> str | None:
        """The base day off's Vietnamese name, or None (ignores exceptions)."""
        entry = self.base_holiday(d)
        return entry.name if entry is not None else None

    def is_estimate(self, d: date) -> bool:
        """Whether `d` is off only by the guess of an announcement not loaded yet."""
        if d in self._exceptions:
            return False
        entry = self.base_holiday(d)
        return entry is not None and entry.source is DaySource.ESTIMATE

    def estimated_years(self, start: date | datetime, end: date | datetime) -> tuple[int, ...]:
        """The years from `start` to `end` (either order) with no announcement loaded: an
        appointment counted over any of their days may move when it comes (a bridge day, a
        make-up Saturday, other Tết days)."""
        first = start.date() if isinstance(start, datetime) else start
        last = end.date() if isinstance(end, datetime) else end
        if last < first:
            first, last = last, first
        return tuple(y for y in range(first.year, last.year + 1) if y not in self._official)

    def sessions_on(self, d: date) -> tuple[Span, ...]:
        """The day's opening sessions as datetimes; empty on a day off."""
        cached = self._spans.get(d)
        if cached is not None:
            return cached
        kind = self._exceptions.get(d)
        own = self._hours.sessions[d.weekday()]
        day: DaySessions
        if kind is DayKind.OFF:
            day = ()
        elif kind is DayKind.WORK:
            # A make-up day is a full normal working day, even on a Saturday-morning centre.
            day = own if own and d.weekday() < 5 else self._hours.makeup_sessions
        elif self.holiday_name(d) is not None:
            day = ()
        else:
            day = own
        spans = tuple((datetime.combine(d, s), datetime.combine(d, e)) for s, e in day)
        self._spans[d] = spans
        return spans

    def is_working_day(self, d: date) -> bool:
        """Exceptions first, then public holidays, then whether the weekday has sessions."""
        return bool(self.sessions_on(d))

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        day = d
        for _ in range(MAX_DAYS_OFF_IN_A_ROW):
            day += timedelta(days=1)
            if self.sessions_on(day):
                return day
        raise ValueError(
            f"Lịch làm việc không có ngày làm việc nào trong {MAX_DAYS_OFF_IN_A_ROW} ngày sau "
            f"{d:%d/%m/%Y}: hãy kiểm tra giờ làm việc và bảng ngày nghỉ."
        )

    def nth_working_day_after(self, d: date, n: int) -> date:
        """The nth working day after `d` (`d` itself not counted); `d` when n is 0."""
        if n < 0:
            raise ValueError("Số ngày làm việc không được âm.")
        day = d
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: "late by N working days"; negative when end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        if start.year == end.year:
            return self._rank(end) - self._rank(start)
        count = self._year_total(start.year) - self._rank(start) + self._rank(end)
        for year in range(start.year + 1, end.year):
            count += self._year_total(year)
        return count

    def _cumulative(self, year: int) -> tuple[int, ...]:
        cached = self._year_cumulative.get(year)
        if cached is None:
            running, counts = 0, []
            day = date(year, 1, 1)
            while day.year == year:
                running += bool(self.sessions_on(day))
                counts.append(running)
                day += timedelta(days=1)
            cached = self._year_cumulative[year] = tuple(counts)
        return cached

    def _rank(self, d: date) -> int:
        """Working days from 1 January to `d` inclusive."""
        return self._cumulative(d.year)[d.timetuple().tm_yday - 1]

    def _year_total(self, year: int) -> int:
        return self._cumulative(year)[-1]

    # --- instants -------------------------------------------------------------------------------

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself when inside a session [start, end), else the next session's start."""
        at = _local(at)
        for start, end in self.sessions_on(at.date()):
            if at < start:
                return start
            if at < end:
                return at
        return self.sessions_on(self.next_working_day(at.date()))[0][0]

    def effective_start(self, received: datetime, cutoff: time | None = None) -> datetime:
        """When counting starts: the next opening, or the next working day's after the cut-off."""
        received = _local(received)
        start = self.next_opening(received)
        if cutoff is not None and start.date() == received.date() and received.time() > cutoff:
            start = self.sessions_on(self.next_working_day(received.date()))[0][0]
        return start

    def end_of_day(self, d: date) -> datetime:
        """The end of a working day's last session."""
        spans = self.sessions_on(d)
        if not spans:
            raise ValueError(f"Ngày {d:%d/%m/%Y} không phải ngày làm việc.")
        return spans[-1][1]

    def _clamp(self, d: date, clock: time) -> datetime:
        """`clock` on working day `d`, moved into its sessions (see the module docstring)."""
        at = datetime.combine(d, clock)
        previous_end: datetime | None = None
        for start, end in self.sessions_on(d):
            if at < start:
                return start if previous_end is None else previous_end
            if at <= end:
                return at
            previous_end = end
        if previous_end is None:
            raise ValueError(f"Ngày {d:%d/%m/%Y} không phải ngày làm việc.")
        return previous_end

    def add_working_days(self, received: datetime, n: int, cutoff: time | None = None) -> datetime:
        """The nth working day after the effective start, same clock time; n=0: end of that day."""
        if n < 0:
            raise ValueError("Số ngày làm việc không được âm.")
        start = self.effective_start(received, cutoff)
        if n == 0:
            return self.end_of_day(start.date())
        return self._clamp(self.nth_working_day_after(start.date(), n), start.time())

    def add_working_hours(
        self, received: datetime, hours: float, cutoff: time | None = None
    ) -> datetime:
        """The effective start plus `hours` of open time, ending at a session end if exact."""
        if not math.isfinite(hours) or hours < 0:
            raise ValueError("Số giờ làm việc phải là số không âm.")
        cursor = self.effective_start(received, cutoff)
        remaining = timedelta(hours=hours)
        day = cursor.date()
        while True:
            for start, end in self.sessions_on(day):
                if end <= cursor:
                    continue
                begin = max(start, cursor)
                if remaining <= end - begin:
                    return begin + remaining
                remaining -= end - begin
            day = self.next_working_day(day)

    def add_calendar_days(self, received: datetime, n: int, cutoff: time | None = None) -> datetime:
        """Effective start's date + n; a day off rolls to the next working day's opening."""
        if n < 0:
            raise ValueError("Số ngày không được âm.")
        start = self.effective_start(received, cutoff)
        if n == 0:
            return self.end_of_day(start.date())
        target = start.date() + timedelta(days=n)
        if self.is_working_day(target):
            return self._clamp(target, start.time())
        return self.sessions_on(self.next_working_day(target))[0][0]

    def due(
        self,
        received: datetime,
        amount: float,
        unit: ProcessingUnit,
        cutoff: time | None = None,
    ) -> datetime:
        """The appointment for a processing time of `amount` `unit`s received at `received`."""
        if not math.isfinite(amount) or amount < 0:
            raise InvalidDuration("Thời hạn giải quyết phải là số không âm.")
        unit = ProcessingUnit(unit)
        limit = MAX_DURATION_DAYS * (8 if unit is ProcessingUnit.WORKING_HOURS else 1)
        if amount > limit:
            raise InvalidDuration(
                f"Thời hạn giải quyết quá dài ({amount:g} {unit.label}); "
                f"tối đa {limit} {unit.label}."
            )
        if unit is ProcessingUnit.WORKING_HOURS:
            return self.add_working_hours(received, amount, cutoff)
        if unit is ProcessingUnit.WORKING_DAYS:
            return self.add_working_days(received, _whole(amount, unit), cutoff)
        return self.add_calendar_days(received, _whole(amount, unit), cutoff)
