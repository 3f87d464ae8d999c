"""Finding dossiers and moving them on: lookup, search (`counter_app.search`), lists, results
hand-back, slips."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session, selectinload

from counter_app.audit import audit
from counter_app.auth import UserInfo
from counter_app.calendar import WorkingCalendar
from counter_app.catalog import ProcedureInfo, info_from_row
from counter_app.db.engine import Database
from counter_app.db.models import Dossier, DossierEvent, Procedure, Slip
from counter_app.domain import (
    FORCED_HAND_BACK_FROM,
    OPEN_STATUSES,
    DossierStatus,
    Permission,
    ResultDelivery,
    SlipKind,
    can_change_appointment,
    check_move,
    is_overdue,
    local_now,
)
from counter_app.dossier_codes import extract_code
from counter_app.errors import UserError
from counter_app.identity import normalize_text
from counter_app.outbox import dossier_payload, enqueue, event_payload, slip_payload
from counter_app.public import PublicDossier, PublicEvent
from counter_app.public import public_view as project
from counter_app.search import restrict


@dataclass(frozen=True)
class DossierRow:
    """One line of a dossier list."""

    id: int
    code: str
    applicant_name: str
    procedure_code: str
    procedure_name: str
    status: DossierStatus
    received_at: datetime
    appointment_at: datetime
    counter_no: int
    clerk_name: str

    def is_overdue(self, now: datetime) -> bool:
        return is_overdue(self.status, self.appointment_at, now)


def overdue_filter(as_of: datetime) -> list[ColumnElement[bool]]:
    """SQL form of `domain.is_overdue`: open (2, 4, 5, 6) and past the current appointment."""
    return [
        Dossier.status.in_(sorted(int(s) for s in OPEN_STATUSES)),
        Dossier.appointment_at < as_of,
    ]


def open_filter() -> ColumnElement[bool]:
    """Dossiers still being worked on (what "due today" and the late list count)."""
    return Dossier.status.in_(sorted(int(s) for s in OPEN_STATUSES))


@dataclass(frozen=True)
class AppointmentChange:
    """One move of a dossier's appointment (Mẫu 04), as the history and the public view list it."""

    previous: datetime
    new: datetime
    reason: str
    apology: bool
    at: datetime
    actor: str
    # Set by `extend` only (not stored): years counted over without an announcement of days off.
    estimated_years: tuple[int, ...] = field(default=(), compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "previous": self.previous.isoformat(),
            "new": self.new.isoformat(),
            "reason": self.reason,
            "apology": self.apology,
            "at": self.at.isoformat(),
            "actor": self.actor,
        }

    def payload(self) -> dict[str, Any]:
        """The sync contract's `appointment_change`: previous, new, reason, apology."""
        return {
            "previous": self.previous.isoformat(),
            "new": self.new.isoformat(),
            "reason": self.reason,
            "apology": self.apology,
        }


def change_from_event(e: DossierEvent) -> AppointmentChange | None:
    """The appointment change an event records, or None (a plain status event, or bad data)."""
    data = e.appointment_change
    if not isinstance(data, dict):
        return None
    try:
        return AppointmentChange(
            previous=datetime.fromisoformat(str(data["previous"])).replace(tzinfo=None),
            new=datetime.fromisoformat(str(data["new"])).replace(tzinfo=None),
            reason=str(data.get("reason", "")),
            apology=bool(data.get("apology", False)),
            at=e.at,
            actor=e.actor,
        )
    except (KeyError, ValueError):
        return None


@dataclass(frozen=True)
class PaperLine:
    code: str
    name: str
    originals: int
    copies: int
    submitted: bool
    required: bool  # by the procedure on intake day (dossier_paper.required)
    pages: int = 0

    @property
    def missing(self) -> bool:
        """Not handed in although required: what a supplement request asks for."""
        return self.required and not self.submitted

    @property
    def handed_in_label(self) -> str:
        """«Có», «Thiếu» or «Không nộp (không bắt buộc)»: an optional paper is never «missing»."""
        if self.submitted:
            return "Có"
        return "Thiếu" if self.required else "Không nộp (không bắt buộc)"

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "originals": self.originals,
            "copies": self.copies,
            "pages": self.pages,
            "submitted": self.submitted,
            "required": self.required,
        }


@dataclass(frozen=True)
class EventLine:
    status: DossierStatus
    at: datetime
    actor: str
    note: str
    source: str
    appointment_change: AppointmentChange | None = None


@dataclass(frozen=True)
class DossierDetail:
    """Everything the counter shows about one dossier."""

    row: DossierRow
    uuid: str
    applicant: dict[str, Any]
    papers: tuple[PaperLine, ...]
    events: tuple[EventLine, ...]
    fee: int
    dossier_sets: int
    summary: str
    notes: str
    missing_papers_reason: str
    result_delivery: ResultDelivery
    delivery_address: str
    handed_back_at: datetime | None
    provincial_ref: str | None
    processing_text: str

    @property
    def appointment_history(self) -> tuple[AppointmentChange, ...]:
        """Every change of the appointment, oldest first."""
        return tuple(e.appointment_change for e in self.events if e.appointment_change)


class ResultNotReady(UserError, RuntimeError):
    """Handing back a result whose dossier is not at status 9; str(exc) is Vietnamese."""


class DossierNotFound(UserError, LookupError):
    """No dossier with that code; str(exc) is Vietnamese."""


class InvalidChange(UserError, ValueError):
    """A change to a dossier that cannot be made as asked; str(exc) names the field."""


def _row(d: Dossier) -> DossierRow:
    return DossierRow(
        id=d.id,
        code=d.code,
        applicant_name=d.applicant_name,
        procedure_code=d.procedure.code,
        procedure_name=d.procedure.name,
        status=DossierStatus(d.status),
        received_at=d.received_at,
        appointment_at=d.appointment_at,
        counter_no=d.counter_no,
        clerk_name=d.clerk_name,
    )


# Lists and lookups read these columns only: building full ORM objects (JSON snapshot and all)
# for every row of a list cost more than the query itself.
_ROW_COLUMNS = (
    Dossier.id,
    Dossier.code,
    Dossier.applicant_name,
    Procedure.code,
    Procedure.name,
    Dossier.status,
    Dossier.received_at,
    Dossier.appointment_at,
    Dossier.counter_no,
    Dossier.clerk_name,
)


def _row_select() -> Select[*tuple[Any, ...]]:
    return select(*_ROW_COLUMNS).join(Procedure, Procedure.id == Dossier.procedure_id)


def _row_from(values: Sequence[Any]) -> DossierRow:
    return DossierRow(
        id=values[0],
        code=values[1],
        applicant_name=values[2],
        procedure_code=values[3],
        procedure_name=values[4],
        status=DossierStatus(values[5]),
        received_at=values[6],
        appointment_at=values[7],
        counter_no=values[8],
        clerk_name=values[9],
    )


def public_view(d: Dossier, counter_label: str = "") -> PublicDossier:
    """The public face of a counter's dossier (the kiosk's): the core projection of its facts.

    At the centre's own kiosk the citizen holds the receipt, hence `verified`.
    """
    return project(
        code=d.code,
        procedure_name=d.procedure.name,
        applicant_name=d.applicant_name,
        status=d.status,
        appointment_at=d.appointment_at,
        result_delivery=d.result_delivery,
        counter_label=counter_label,
        events=[PublicEvent(e.status, e.at, e.appointment_change) for e in d.events],
        verified=True,
    )


class DossierService:
    """Reads dossiers and records what happens to them at the counter."""

    def __init__(
        self,
        db: Database,
        *,
        counter_no: int,
        clock: Callable[[], datetime] = local_now,
        calendar: Callable[[], WorkingCalendar] | None = None,
    ) -> None:
        self._db = db
        self._counter_no = counter_no
        self._clock = clock
        self._calendar = calendar or WorkingCalendar

    def _by_code(self, s: Session, code: str) -> Dossier | None:
        return s.scalar(
            select(Dossier)
            .where(Dossier.code == code.strip().upper())
            .options(selectinload(Dossier.procedure))
        )

    def lookup(self, code: str, *, by: UserInfo) -> DossierRow | None:
        """A dossier by its exact code (what a scan gives)."""
        by.require(Permission.VIEW_DOSSIERS)
        with self._db.read() as s:
            found = s.execute(_row_select().where(Dossier.code == code.strip().upper())).first()
            return _row_from(found) if found is not None else None

    def public(self, scanned: str) -> PublicDossier | None:
        """The public view for a scan or typed code; None for junk or an unknown code."""
        code = extract_code(scanned)
        if code is None:
            return None
        with self._db.read() as s:
            d = self._by_code(s, code)
            return public_view(d, f"quầy số {d.counter_no}") if d is not None else None

    def detail(self, code: str, *, by: UserInfo) -> DossierDetail | None:
        by.require(Permission.VIEW_DOSSIERS)
        with self._db.read() as s:
            d = s.scalar(
                select(Dossier)
                .where(Dossier.code == code.strip().upper())
                .options(
                    selectinload(Dossier.procedure),
                    selectinload(Dossier.papers),
                    selectinload(Dossier.events),
                )
            )
            if d is None:
                return None
            info: ProcedureInfo = info_from_row(d.procedure)
            return DossierDetail(
                row=_row(d),
                uuid=d.uuid,
                applicant=dict(d.applicant_snapshot),
                papers=tuple(
                    PaperLine(
                        p.code, p.name, p.originals, p.copies, p.submitted, p.required, p.pages
                    )
                    for p in d.papers
                ),
                events=tuple(
                    EventLine(
                        DossierStatus(e.status),
                        e.at,
                        e.actor,
                        e.note,
                        e.source,
                        change_from_event(e),
                    )
                    for e in d.events
                ),
                fee=d.fee,
                dossier_sets=d.dossier_sets,
                summary=d.summary,
                notes=d.notes,
                missing_papers_reason=d.missing_papers_reason,
                result_delivery=ResultDelivery(d.result_delivery),
                delivery_address=d.delivery_address,
                handed_back_at=d.handed_back_at,
                provincial_ref=d.provincial_ref,
                processing_text=info.processing_text,
            )

    def search(
        self,
        query: str = "",
        *,
        day_from: date | None = None,
        day_to: date | None = None,
        statuses: Sequence[DossierStatus] | None = None,
        limit: int = 200,
        by: UserInfo,
    ) -> list[DossierRow]:
        """Newest first. `query` matches name, ID number, code or phone, without diacritics.

        Flat with years of history (the list's type-ahead runs it on each keystroke): see
        `counter_app.search`.
        """
        by.require(Permission.VIEW_DOSSIERS)
        with self._db.read() as s:
            stmt = restrict(
                s,
                _row_select(),
                query,
                day_from=day_from,
                day_to=day_to,
                statuses=statuses,
                limit=limit,
            )
            return [_row_from(r) for r in s.execute(stmt)]

    def list_day(
        self, day: date, statuses: Sequence[DossierStatus] | None = None, *, by: UserInfo
    ) -> list[DossierRow]:
        return self.search(day_from=day, day_to=day, statuses=statuses, limit=100_000, by=by)

    # -- changes -------------------------------------------------------------------------------

    def hand_back(
        self, code: str, *, clerk: UserInfo, note: str = "", force: bool = False
    ) -> DossierRow:
        """Record that the result went back to the citizen (status 10), by whom and when.

        Refuses with ResultNotReady unless the result is ready (status 9) or `force` is given
        (the clerk confirmed the warning).
        """
        clerk.require(Permission.HAND_BACK)
        with self._db.write() as s:
            d = self._by_code(s, code)
            if d is None:
                raise DossierNotFound(f"Không tìm thấy hồ sơ mã {code}.")
            status = DossierStatus(d.status)
            if status is DossierStatus.RETURNED:
                raise ResultNotReady(
                    f"Hồ sơ {d.code} đã trả kết quả lúc {d.handed_back_at:%H:%M %d/%m/%Y}."
                )
            if status is not DossierStatus.RESULT_READY and not (
                force and status in FORCED_HAND_BACK_FROM
            ):
                raise ResultNotReady(
                    f"Hồ sơ {d.code} đang ở trạng thái «{status.label}», chưa có kết quả để trả."
                )
            now = self._clock()
            d.handed_back_at = now
            self._change_status(
                s, d, DossierStatus.RETURNED, clerk, normalize_text(note), now, forced=force
            )
            return _row(d)

    def _change_status(
        self,
        s: Session,
        d: Dossier,
        status: DossierStatus,
        user: UserInfo | None,
        note: str,
        at: datetime,
        *,
        forced: bool = False,
    ) -> None:
        """Record a status change; the transition table decides whether it may happen."""
        if not (forced and status is DossierStatus.RETURNED):
            check_move(d.code, d.status, status)
        event = DossierEvent(
            uuid=str(uuidlib.uuid4()),
            status=int(status),
            at=at,
            user_id=user.id if user else None,
            actor=user.full_name if user else "",
            note=note,
            source="counter",
        )
        d.events.append(event)
        d.status = int(status)
        d.version += 1
        d.updated_at = at
        s.flush()
        audit(s, user, "dossier.status", "dossier", d.code, {"status": int(status)})
        enqueue(s, "dossier", d.uuid, dossier_payload(d), version=d.version)
        enqueue(s, "event", event.uuid, event_payload(event, d))

    def issue_slip(
        self,
        kind: SlipKind,
        *,
        procedure_code: str,
        applicant: dict[str, Any],
        items: Sequence[str],
        reason: str,
        clerk: UserInfo,
        dossier_code: str | None = None,
    ) -> SlipRecord:
        """Record a supplement-request (Mẫu 02) or refusal slip handed to the citizen."""
        clerk.require(Permission.ISSUE_SLIP)
        clean_items = [normalize_text(i, max_length=500) for i in items if i.strip()]
        clean_reason = normalize_text(reason, max_length=2000, multiline=True)
        if kind is SlipKind.SUPPLEMENT and not clean_items:
            raise ValueError("Giấy tờ cần bổ sung: hãy chọn ít nhất một giấy tờ.")
        if kind is SlipKind.REFUSAL and not (clean_items or clean_reason):
            raise ValueError("Lý do từ chối: không được để trống.")
        name = normalize_text(str(applicant.get("name", "")), max_length=255)
        if not name:
            raise ValueError("Họ và tên người nộp: không được để trống.")
        now = self._clock()
        with self._db.write() as s:
            procedure = s.scalar(select(Procedure).where(Procedure.code == procedure_code))
            if procedure is None:
                raise ValueError(f"Thủ tục hành chính: không có thủ tục mã «{procedure_code}».")
            dossier = self._by_code(s, dossier_code) if dossier_code else None
            if dossier_code and dossier is None:
                raise DossierNotFound(f"Không tìm thấy hồ sơ mã {dossier_code}.")
            if dossier is not None and kind is SlipKind.SUPPLEMENT:
                check_move(dossier.code, dossier.status, DossierStatus.SUPPLEMENT_REQUESTED)
            slip = Slip(
                uuid=str(uuidlib.uuid4()),
                kind=kind.value,
                dossier_id=dossier.id if dossier else None,
                procedure_id=procedure.id,
                applicant_name=name,
                applicant_snapshot={
                    k: v for k, v in applicant.items() if isinstance(v, str | int | None)
                },
                items=clean_items,
                reason=clean_reason,
                at=now,
                counter_no=self._counter_no,
                clerk_id=clerk.id if clerk else None,
                clerk_name=clerk.full_name if clerk else "",
            )
            s.add(slip)
            s.flush()
            if dossier is not None and kind is SlipKind.SUPPLEMENT:
                self._change_status(
                    s, dossier, DossierStatus.SUPPLEMENT_REQUESTED, clerk, clean_reason, now
                )
            audit(s, clerk, f"slip.{kind.value}", "slip", slip.uuid, {"procedure": procedure_code})
            enqueue(
                s,
                "slip",
                slip.uuid,
                slip_payload(slip, procedure_code, dossier.uuid if dossier else None),
            )
            return SlipRecord(
                slip.uuid, kind, now, tuple(clean_items), clean_reason, procedure_code
            )

    # -- late and stopped dossiers (Mẫu 04, 05), supplement by paper codes (Mẫu 02) -------------

    def extend(
        self,
        code: str,
        *,
        by: UserInfo,
        reason: str,
        extra_working_days: int | None = None,
        new_appointment: datetime | date | None = None,
    ) -> AppointmentChange:
        """Give a late dossier a new appointment with an apology (Mẫu 04); an event that syncs.

        The new date is either given (a date alone means the end of that working day), or
        `extra_working_days` on the centre's calendar counted from the current appointment (from
        now, if that has already passed).
        """
        by.require(Permission.ISSUE_SLIP)
        if (extra_working_days is None) == (new_appointment is None):
            raise InvalidChange(
                "Gia hạn: hãy nhập số ngày làm việc thêm hoặc ngày hẹn mới (một trong hai)."
            )
        clean_reason = normalize_text(reason, max_length=2000, multiline=True)
        if not clean_reason:
            raise InvalidChange("Lý do chậm trả kết quả: không được để trống.")
        now = self._clock()
        with self._db.write() as s:
            d = self._by_code(s, code)
            if d is None:
                raise DossierNotFound(f"Không tìm thấy hồ sơ mã {code.strip()}.")
            if not can_change_appointment(d.status):
                status = DossierStatus(d.status)
                raise InvalidChange(
                    f"Hồ sơ {d.code} đang ở trạng thái «{status.label}»: chỉ hồ sơ đang giải "
                    "quyết (chưa có kết quả) mới được gia hạn."
                )
            previous = d.appointment_at
            if extra_working_days is not None:
                if extra_working_days < 1 or extra_working_days > 365:
                    raise InvalidChange("Số ngày làm việc gia hạn: từ 1 đến 365 ngày.")
                start = max(previous, now)
                new = self._calendar().add_working_days(start, extra_working_days)
            else:
                assert new_appointment is not None
                calendar = self._calendar()
                day = (
                    new_appointment.date()
                    if isinstance(new_appointment, datetime)
                    else new_appointment
                )
                if not calendar.is_working_day(day):
                    raise InvalidChange(
                        f"Ngày hẹn mới: {day:%d/%m/%Y} không phải ngày làm việc của trung tâm."
                    )
                if isinstance(new_appointment, datetime):
                    new = new_appointment.replace(tzinfo=None, microsecond=0)
                else:
                    new = calendar.end_of_day(day)
            if new <= previous or new <= now:
                raise InvalidChange(
                    f"Ngày hẹn mới ({new:%H:%M %d/%m/%Y}) phải sau ngày hẹn hiện tại "
                    f"({previous:%H:%M %d/%m/%Y}) và sau thời điểm hiện tại."
                )
            years = self._calendar().estimated_years(max(previous, now), new)
            change = AppointmentChange(
                previous, new, clean_reason, True, now, by.full_name, estimated_years=years
            )
            event = DossierEvent(
                uuid=str(uuidlib.uuid4()),
                status=d.status,  # the status stays; the event carries the change
                at=now,
                user_id=by.id,
                actor=by.full_name,
                note=clean_reason,
                source="counter",
                appointment_change=change.payload(),
            )
            d.events.append(event)
            d.appointment_at = new
            d.version += 1
            d.updated_at = now
            s.flush()
            audit(
                s,
                by,
                "dossier.extend",
                "dossier",
                d.code,
                {"previous": previous.isoformat(), "new": new.isoformat()},
            )
            enqueue(s, "dossier", d.uuid, dossier_payload(d), version=d.version)
            enqueue(s, "event", event.uuid, event_payload(event, d))
            return change

    def stop(self, code: str, *, by: UserInfo, reason: str) -> DossierRow:
        """Stop processing a dossier (status 8) with the reason printed on Mẫu 05."""
        by.require(Permission.ISSUE_SLIP)
        clean_reason = normalize_text(reason, max_length=2000, multiline=True)
        if not clean_reason:
            raise InvalidChange("Lý do dừng giải quyết hồ sơ: không được để trống.")
        with self._db.write() as s:
            d = self._by_code(s, code)
            if d is None:
                raise DossierNotFound(f"Không tìm thấy hồ sơ mã {code.strip()}.")
            self._change_status(s, d, DossierStatus.STOPPED, by, clean_reason, self._clock())
            return _row(d)

    def request_supplement(
        self, code: str, *, by: UserInfo, paper_codes: Sequence[str], reason: str
    ) -> SlipRecord:
        """Ask for papers of a received dossier by their catalog codes (Mẫu 02, status 5)."""
        wanted = [c.strip().upper() for c in paper_codes if c.strip()]
        if not wanted:
            raise InvalidChange("Giấy tờ cần bổ sung (--papers): hãy nêu ít nhất một mã giấy tờ.")
        with self._db.read() as s:
            d = s.scalar(
                select(Dossier)
                .where(Dossier.code == code.strip().upper())
                .options(selectinload(Dossier.procedure).selectinload(Procedure.papers))
            )
            if d is None:
                raise DossierNotFound(f"Không tìm thấy hồ sơ mã {code.strip()}.")
            check_move(d.code, d.status, DossierStatus.SUPPLEMENT_REQUESTED)
            names = {p.code.upper(): p.name for p in d.procedure.papers}
            unknown = [c for c in wanted if c not in names]
            if unknown:
                raise InvalidChange(
                    f"Giấy tờ cần bổ sung (--papers): thủ tục {d.procedure.code} không có giấy tờ "
                    f"mã {', '.join(unknown)}; các mã có: {', '.join(names) or '(không có)'}."
                )
            procedure_code = d.procedure.code
            applicant = dict(d.applicant_snapshot)
            applicant.setdefault("name", d.applicant_name)
            dossier_code = d.code
        return self.issue_slip(
            SlipKind.SUPPLEMENT,
            procedure_code=procedure_code,
            applicant=applicant,
            items=[names[c] for c in wanted],
            reason=reason,
            clerk=by,
            dossier_code=dossier_code,
        )


@dataclass(frozen=True)
class SlipRecord:
    """A slip as recorded; enough to print it."""

    uuid: str
    kind: SlipKind
    at: datetime
    items: tuple[str, ...]
    reason: str
    procedure_code: str
