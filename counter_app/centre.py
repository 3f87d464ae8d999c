"""Centre-wide settings and the working calendar every counter on this database shares."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from counter_app.audit import audit
from counter_app.auth import UserInfo
from counter_app.calendar import (
    DayKind,
    DaySource,
    WorkingCalendar,
    WorkingHours,
    estimate_note,
)
from counter_app.db.engine import Database
from counter_app.db.models import CalendarException, CentreSetting
from counter_app.domain import Permission
from counter_app.identity import InvalidValue, normalize_text
from counter_app.official_calendar import CalendarFile

# Quyết định 20/2020/QĐ-TTg: dot-separated groups of digits and capital letters, ≤ 35 characters.
AGENCY_IDENTIFIER = re.compile(r"^[0-9A-Z]+(\.[0-9A-Z]+)*$")
_KEY = "centre"
# The years whose announcement of days off is loaded (a file or the server's feed): {"2026": …}.
_OFFICIAL_KEY = "official_calendar_years"


@dataclass(frozen=True)
class CentreConfig:
    """Who this centre is, as printed on receipts and encoded in dossier codes."""

    agency_identifier: str = "000.00.00.H49"
    agency_name: str = "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH QUẢNG NINH"
    parent_agency_name: str = "UBND TỈNH QUẢNG NINH"
    unit_name: str = "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
    place: str = "Quảng Ninh"
    working_hours: dict[str, Any] = field(default_factory=lambda: WorkingHours.default().to_dict())
    configured: bool = False

    def validated(self) -> CentreConfig:
        """A copy with text normalised; InvalidValue names the field in Vietnamese."""
        ident = self.agency_identifier.strip().upper()
        if not AGENCY_IDENTIFIER.match(ident) or len(ident) > 35:
            raise InvalidValue(
                "Mã định danh cơ quan: gồm các nhóm chữ số và chữ in hoa ngăn cách bởi dấu chấm, "
                "tối đa 35 ký tự (ví dụ 000.00.00.H49)."
            )
        values: dict[str, str] = {}
        for name, label, limit in (
            ("agency_name", "Tên cơ quan", 255),
            ("parent_agency_name", "Cơ quan chủ quản", 255),
            ("unit_name", "Tên bộ phận", 255),
            ("place", "Địa danh", 100),
        ):
            try:
                values[name] = normalize_text(getattr(self, name), max_length=limit)
            except InvalidValue as exc:
                raise InvalidValue(f"{label}: {exc}") from exc
            if name in ("agency_name", "place") and not values[name]:
                raise InvalidValue(f"{label}: không được để trống.")
        try:
            WorkingHours.from_dict(self.working_hours)
        except ValueError as exc:
            raise InvalidValue(str(exc)) from exc  # already names the day in Vietnamese
        return CentreConfig(
            agency_identifier=ident,
            working_hours=dict(self.working_hours),
            configured=self.configured,
            **values,
        )


def unit_identifier(centre: CentreConfig, counter_no: int, code_scope: str) -> str:
    """The receiving unit written into dossier codes.

    Counters that can work offline each get their own unit ("<agency>.Q03"), so two counters never
    issue the same code; counters sharing one server database may share the centre's sequence.
    """
    if code_scope == "centre":
        return centre.agency_identifier
    return f"{centre.agency_identifier}.Q{counter_no:02d}"


class CentreService:
    """Reads and changes centre settings and calendar exceptions; builds the working calendar."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def load(self) -> CentreConfig:
        with self._db.read() as s:
            return _load(s)

    def save(self, config: CentreConfig, *, by: UserInfo) -> CentreConfig:
        """Store the centre settings; only an admin (first-run setup signs in its admin first)."""
        by.require(Permission.MANAGE_CENTRE)
        config = config.validated()
        with self._db.write() as s:
            stored = CentreConfig(**{**asdict(config), "configured": True})
            s.merge(CentreSetting(key=_KEY, value=asdict(stored)))
            audit(s, by, "centre.save", "centre", stored.agency_identifier, {})
            return stored

    def exceptions(self) -> dict[date, DayKind]:
        with self._db.read() as s:
            return _exceptions(s)

    def exception_rows(self) -> list[tuple[date, DayKind, str]]:
        with self._db.read() as s:
            rows = s.scalars(select(CalendarException).order_by(CalendarException.day))
            # The announcing document is shown with the note (the admin's calendar dialog).
            return [
                (r.day, DayKind(r.kind), f"{r.note} — {r.reference}" if r.reference else r.note)
                for r in rows
            ]

    def set_exception(
        self,
        day: date,
        kind: DayKind | None,
        note: str = "",
        *,
        by: UserInfo,
        reference: str = "",
    ) -> None:
        """Mark a day off or a make-up working day; kind None removes the exception."""
        by.require(Permission.MANAGE_CALENDAR)
        with self._db.write() as s:
            set_exception_in(s, day, kind, note, reference)
            audit(s, by, "calendar.set", "calendar", day.isoformat(), {"kind": kind or "none"})

    def load_official(self, calendar: CalendarFile, *, by: UserInfo, replace: bool = True) -> int:
        """Write a year's announced days; returns how many days were written.

        An admin's `calendar load` replaces what is there for those days (`replace`); `init`
        (replace=False) only fills days nobody has set yet, so a day an admin or the server's
        feed changed is never overwritten by the copy shipped with the app.
        """
        by.require(Permission.MANAGE_CALENDAR)
        written = 0
        with self._db.write() as s:
            existing = {r.day for r in s.scalars(select(CalendarException))}
            for entry in calendar.days:
                if not replace and entry.day in existing:
                    continue
                set_exception_in(s, entry.day, entry.kind, entry.note, entry.reference)
                written += 1
            # The year is announced now, even where days set here were kept (replace=False).
            mark_official_year_in(s, calendar.year, calendar.title)
            if written:
                audit(s, by, "calendar.load", "calendar", str(calendar.year), {"days": written})
        return written

    def official_years(self) -> frozenset[int]:
        """The years whose announcement is loaded; other years' Tết and 2/9 days are estimates."""
        with self._db.read() as s:
            return _official_years(s)

    def year_days(self, year: int) -> list[YearDay]:
        """Every day of `year` that is not an ordinary weekday/weekend: what `calendar show` lists.

        The base days off come from the calendar (the law's own, or estimates in a year without an
        announcement); the announced days off and make-up days from the exceptions table, each
        with its document reference.
        """
        calendar = self.calendar()
        with self._db.read() as s:
            rows = [
                (r.day, DayKind(r.kind), r.note, r.reference)
                for r in s.scalars(
                    select(CalendarException).where(
                        CalendarException.day >= date(year, 1, 1),
                        CalendarException.day <= date(year, 12, 31),
                    )
                )
            ]
        days: dict[date, YearDay] = {}
        for day, kind, note, reference in rows:
            days[day] = YearDay(
                day,
                kind,
                note,
                reference,
                calendar.holiday_name(day),
                calendar.is_working_day(day),
                "official" if reference else "local",
            )
        current = date(year, 1, 1)
        while current.year == year:
            base = calendar.base_holiday(current)
            if base is not None and current not in days:
                estimate = base.source is DaySource.ESTIMATE
                days[current] = YearDay(
                    current,
                    DayKind.OFF,
                    f"{base.name} ({estimate_note(year)})" if estimate else base.name,
                    base.reference,
                    base.name,
                    calendar.is_working_day(current),
                    base.source.value,
                )
            current = date.fromordinal(current.toordinal() + 1)
        return [days[d] for d in sorted(days)]

    def calendar(self) -> WorkingCalendar:
        with self._db.read() as s:
            centre = _load(s)
            return WorkingCalendar(
                WorkingHours.from_dict(centre.working_hours),
                _exceptions(s),
                official_years=_official_years(s),
            )


def set_exception_in(
    s: Session, day: date, kind: DayKind | None, note: str = "", reference: str = ""
) -> None:
    """Write one calendar exception inside the caller's transaction (also used by sync pulls)."""
    if kind is None:
        s.execute(delete(CalendarException).where(CalendarException.day == day))
    else:
        s.merge(
            CalendarException(
                day=day,
                kind=DayKind(kind).value,
                note=normalize_text(note)[:255],
                reference=normalize_text(reference)[:255],
            )
        )


def mark_official_year_in(s: Session, year: int, title: str = "") -> None:
    """Record inside the caller's transaction that `year`'s announcement is loaded (a file, or
    the server's feed publishing a whole year): its days replace the calendar's estimates."""
    row = s.get(CentreSetting, _OFFICIAL_KEY)
    years = dict(row.value) if row is not None else {str(y): "" for y in _referenced_years(s)}
    years[str(year)] = normalize_text(title)[:255]
    s.merge(CentreSetting(key=_OFFICIAL_KEY, value=years))


def _official_years(s: Session) -> frozenset[int]:
    row = s.get(CentreSetting, _OFFICIAL_KEY)
    if row is None:
        # A database from before the years were recorded: the years some announced day (one with
        # its document) was loaded for, which only files and the server's feed wrote.
        return _referenced_years(s)
    return frozenset(int(y) for y in row.value if str(y).isdigit())


def _referenced_years(s: Session) -> frozenset[int]:
    days = s.scalars(select(CalendarException.day).where(CalendarException.reference != ""))
    return frozenset(d.year for d in days)


@dataclass(frozen=True)
class YearDay:
    """One special day of a year as `calendar show` lists it."""

    day: date
    kind: DayKind
    note: str
    reference: str  # the announcing document, or the law's article; "" for an estimate
    holiday: str | None  # the base day off's name, if the day is one
    working: bool  # what the centre's calendar decides in the end
    # "official" (announced, with a reference), "local" (set by hand), "law" (BLLĐ 2019 Điều 112
    # by itself), "estimate" (a guess of an announcement not loaded yet, `DaySource`)
    source: str

    def to_json(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "kind": self.kind.value,
            "working": self.working,
            "note": self.note,
            "reference": self.reference,
            "holiday": self.holiday,
            "source": self.source,
        }


def _load(s: Session) -> CentreConfig:
    row = s.get(CentreSetting, _KEY)
    if row is None:
        return CentreConfig()
    known = {k: v for k, v in row.value.items() if k in CentreConfig.__dataclass_fields__}
    return CentreConfig(**known)


def _exceptions(s: Session) -> dict[date, DayKind]:
    return {r.day: DayKind(r.kind) for r in s.scalars(select(CalendarException))}
