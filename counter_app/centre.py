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
from counter_app.calendar import DayKind, WorkingCalendar, WorkingHours
from counter_app.db.engine import Database
from counter_app.db.models import CalendarException, CentreSetting
from counter_app.domain import Permission
from counter_app.identity import InvalidValue, normalize_text

# Quyết định 20/2020/QĐ-TTg: dot-separated groups of digits and capital letters, ≤ 35 characters.
AGENCY_IDENTIFIER = re.compile(r"^[0-9A-Z]+(\.[0-9A-Z]+)*$")
_KEY = "centre"


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
            return [(r.day, DayKind(r.kind), r.note) for r in rows]

    def set_exception(
        self, day: date, kind: DayKind | None, note: str = "", *, by: UserInfo
    ) -> None:
        """Mark a day off or a make-up working day; kind None removes the exception."""
        by.require(Permission.MANAGE_CALENDAR)
        with self._db.write() as s:
            set_exception_in(s, day, kind, note)
            audit(s, by, "calendar.set", "calendar", day.isoformat(), {"kind": kind or "none"})

    def calendar(self) -> WorkingCalendar:
        with self._db.read() as s:
            centre = _load(s)
            return WorkingCalendar(WorkingHours.from_dict(centre.working_hours), _exceptions(s))


def set_exception_in(s: Session, day: date, kind: DayKind | None, note: str = "") -> None:
    """Write one calendar exception inside the caller's transaction (also used by sync pulls)."""
    if kind is None:
        s.execute(delete(CalendarException).where(CalendarException.day == day))
    else:
        s.merge(CalendarException(day=day, kind=DayKind(kind).value, note=normalize_text(note)))


def _load(s: Session) -> CentreConfig:
    row = s.get(CentreSetting, _KEY)
    if row is None:
        return CentreConfig()
    known = {k: v for k, v in row.value.items() if k in CentreConfig.__dataclass_fields__}
    return CentreConfig(**known)


def _exceptions(s: Session) -> dict[date, DayKind]:
    return {r.day: DayKind(r.kind) for r in s.scalars(select(CalendarException))}
