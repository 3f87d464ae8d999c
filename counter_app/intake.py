"""The intake service: a draft typed at the counter becomes a received dossier.

This is the one place where intake rules live; the window, the command line, the tests and the
benchmark all call `IntakeService.receive`. A draft that fails validation writes nothing and
consumes no dossier code.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from counter_app.audit import audit
from counter_app.auth import UserInfo
from counter_app.calendar import WorkingCalendar
from counter_app.catalog import CatalogService, ProcedureInfo
from counter_app.centre import CentreConfig, unit_identifier
from counter_app.db.engine import Database
from counter_app.db.models import (
    Applicant,
    CodeSequence,
    Dossier,
    DossierEvent,
    DossierPaper,
    Procedure,
)
from counter_app.domain import (
    ApplicantKind,
    Channel,
    DossierStatus,
    Permission,
    ResultDelivery,
    local_now,
)
from counter_app.dossier_codes import format_code
from counter_app.errors import UserError
from counter_app.identity import (
    IdKind,
    InvalidValue,
    fold,
    guess_id_kind,
    normalize_email,
    normalize_id_number,
    normalize_organisation_name,
    normalize_person_name,
    normalize_phone,
    normalize_text,
    parse_date_vn,
    validate_birth_date,
)
from counter_app.outbox import dossier_payload, enqueue, event_payload

MAX_DAILY_SEQUENCE = 9999

#: Vietnamese labels of draft fields, used in every error message.
FIELD_LABELS: dict[str, str] = {
    "procedure": "Thủ tục hành chính",
    "applicant.kind": "Loại đối tượng",
    "applicant.name": "Họ và tên người nộp",
    "applicant.id_number": "Số giấy tờ tùy thân",
    "applicant.birth_date": "Ngày sinh",
    "applicant.phone": "Số điện thoại",
    "applicant.email": "Thư điện tử",
    "applicant.address": "Địa chỉ",
    "papers": "Thành phần hồ sơ",
    "missing_reason": "Lý do thiếu giấy tờ",
    "received_at": "Thời điểm tiếp nhận",
    "dossier_sets": "Số lượng hồ sơ",
    "summary": "Trích yếu",
    "notes": "Ghi chú",
    "result_delivery": "Hình thức nhận kết quả",
    "delivery_address": "Địa chỉ nhận kết quả",
    "fee": "Phí, lệ phí",
}


@dataclass(frozen=True)
class FieldError:
    """One problem with one field; `message` is Vietnamese and starts with the field's label."""

    field: str
    message: str


class ValidationError(UserError, ValueError):
    """A draft was refused; `errors` names each field in Vietnamese."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(e.message for e in self.errors))

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(e.field for e in self.errors)


@dataclass(frozen=True)
class ApplicantDraft:
    """The applicant as typed (or scanned) at the counter; raw text, normalised by the service."""

    name: str
    id_number: str
    kind: ApplicantKind = ApplicantKind.CITIZEN
    id_kind: IdKind | None = None
    birth_date: date | str | None = None
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass(frozen=True)
class DossierDraft:
    """A dossier as the clerk fills it in."""

    procedure_code: str
    applicant: ApplicantDraft
    papers: Sequence[str] | Literal["all"] = "all"
    missing_reason: str = ""
    received_at: datetime | None = None
    dossier_sets: int = 1
    channel: Channel = Channel.IN_PERSON
    result_delivery: ResultDelivery = ResultDelivery.COUNTER
    delivery_address: str = ""
    summary: str = ""
    notes: str = ""
    fee: int | None = None
    # An online dossier keeps the identity the portal gave it; walk-in dossiers get a new one.
    uuid: str | None = None


@dataclass(frozen=True)
class CleanApplicant:
    kind: ApplicantKind
    id_kind: IdKind
    id_number: str
    name: str
    birth_date: date | None
    phone: str
    email: str
    address: str

    def snapshot(self) -> dict[str, str | int | None]:
        return {
            "kind": int(self.kind),
            "id_kind": self.id_kind.value,
            "id_number": self.id_number,
            "name": self.name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
        }


@dataclass(frozen=True)
class CleanDraft:
    """A validated, normalised draft: what `receive` writes."""

    procedure: ProcedureInfo
    applicant: CleanApplicant
    submitted_codes: frozenset[str]
    missing_reason: str
    received_at: datetime
    dossier_sets: int
    channel: Channel
    result_delivery: ResultDelivery
    delivery_address: str
    summary: str
    notes: str
    fee: int
    uuid: str | None = None


@dataclass(frozen=True)
class ReceivedDossier:
    """What the clerk gets back: the code to print and the appointment to tell the citizen."""

    id: int
    code: str
    uuid: str
    appointment: datetime
    received_at: datetime
    status: DossierStatus
    procedure_code: str
    applicant_name: str


@dataclass
class _Errors:
    items: list[FieldError] = field(default_factory=list)

    def add(self, name: str, message: str) -> None:
        sentence = message[:1].upper() + message[1:]
        self.items.append(FieldError(name, f"{FIELD_LABELS[name]}: {sentence}"))


def _clean_text(
    errors: _Errors, name: str, value: str, limit: int, *, multiline: bool = False
) -> str:
    try:
        return normalize_text(value, max_length=limit, multiline=multiline)
    except InvalidValue as exc:
        errors.add(name, str(exc))
        return ""


class IntakeService:
    """Receives dossiers: validation, appointment, code, and one transaction for everything."""

    def __init__(
        self,
        db: Database,
        catalog: CatalogService,
        *,
        centre: Callable[[], CentreConfig],
        calendar: Callable[[], WorkingCalendar],
        counter_no: int,
        code_scope: str = "counter",
        clock: Callable[[], datetime] = local_now,
    ) -> None:
        self._db = db
        self._catalog = catalog
        self._centre = centre
        self._calendar = calendar
        self._counter_no = counter_no
        self._code_scope = code_scope
        self._clock = clock

    # -- rules ---------------------------------------------------------------------------------

    def validate(self, draft: DossierDraft) -> CleanDraft:
        """Normalise a draft or raise ValidationError listing every bad field."""
        errors = _Errors()
        procedure = self._catalog.get(draft.procedure_code or "")
        if not (draft.procedure_code or "").strip():
            errors.add("procedure", "chưa chọn thủ tục.")
        elif procedure is None:
            errors.add("procedure", f"không có thủ tục mã «{draft.procedure_code.strip()}».")
        applicant = self._validate_applicant(draft.applicant, errors)
        submitted: frozenset[str] = frozenset()
        missing_reason = _clean_text(errors, "missing_reason", draft.missing_reason, 1000)
        if procedure is not None:
            known = {p.code for p in procedure.papers}
            if draft.papers == "all":
                submitted = frozenset(known)
            else:
                codes = [c.strip().upper() for c in draft.papers if c.strip()]
                unknown = [c for c in codes if c not in known]
                if unknown:
                    errors.add(
                        "papers",
                        f"thủ tục {procedure.code} không có giấy tờ mã {', '.join(unknown)} "
                        f"(các mã: {', '.join(sorted(known))}).",
                    )
                submitted = frozenset(c for c in codes if c in known)
            missing = [p.name for p in procedure.required_papers if p.code not in submitted]
            if missing and not missing_reason:
                errors.add(
                    "papers",
                    "còn thiếu giấy tờ bắt buộc: "
                    + "; ".join(missing)
                    + ". Hãy ghi lý do hoặc lập phiếu yêu cầu bổ sung.",
                )
        now = self._clock()
        received_at = draft.received_at or now
        if received_at.tzinfo is not None:
            errors.add("received_at", "phải là giờ địa phương, không kèm múi giờ.")
        elif received_at > now.replace(second=59, microsecond=999999):
            errors.add("received_at", "không được ở tương lai.")
        if not 1 <= draft.dossier_sets <= 99:
            errors.add("dossier_sets", "phải từ 1 đến 99 bộ.")
        summary = _clean_text(errors, "summary", draft.summary, 1000)
        notes = _clean_text(errors, "notes", draft.notes, 2000, multiline=True)
        delivery = ResultDelivery(draft.result_delivery)
        delivery_address = _clean_text(errors, "delivery_address", draft.delivery_address, 500)
        has_address = bool(delivery_address or (applicant and applicant.address))
        if delivery is ResultDelivery.POST and not has_address:
            errors.add("delivery_address", "cần địa chỉ để gửi kết quả qua bưu chính.")
        fee = procedure.fee if procedure is not None and draft.fee is None else (draft.fee or 0)
        if fee < 0:
            errors.add("fee", "không được âm.")
        if errors.items or procedure is None or applicant is None:
            raise ValidationError(errors.items)
        return CleanDraft(
            procedure=procedure,
            applicant=applicant,
            submitted_codes=submitted,
            missing_reason=missing_reason,
            received_at=received_at.replace(microsecond=0),
            dossier_sets=draft.dossier_sets,
            channel=Channel(draft.channel),
            result_delivery=delivery,
            delivery_address=delivery_address,
            summary=summary,
            notes=notes,
            fee=fee,
            uuid=draft.uuid,
        )

    def _validate_applicant(self, a: ApplicantDraft, errors: _Errors) -> CleanApplicant | None:
        today = self._clock().date()
        start = len(errors.items)
        kind = ApplicantKind(a.kind)
        try:
            if not a.name.strip():
                raise InvalidValue("không được để trống.")
            name = (
                normalize_person_name(a.name)
                if kind.is_person
                else normalize_organisation_name(a.name)
            )
        except InvalidValue as exc:
            errors.add("applicant.name", str(exc))
            name = ""
        id_number = ""
        id_kind = (
            a.id_kind
            or guess_id_kind(a.id_number)
            or (IdKind.CITIZEN_ID if kind.is_person else IdKind.ENTERPRISE)
        )
        try:
            if not a.id_number.strip():
                raise InvalidValue("không được để trống.")
            id_number = normalize_id_number(a.id_number, id_kind, today=today)
        except InvalidValue as exc:
            errors.add("applicant.id_number", str(exc))
        birth: date | None = None
        try:
            if isinstance(a.birth_date, str):
                birth = parse_date_vn(a.birth_date) if a.birth_date.strip() else None
            else:
                birth = a.birth_date
            if birth is not None:
                birth = validate_birth_date(birth, today=today)
        except InvalidValue as exc:
            errors.add("applicant.birth_date", str(exc))
        phone = ""
        try:
            phone = normalize_phone(a.phone) if a.phone.strip() else ""
        except InvalidValue as exc:
            errors.add("applicant.phone", str(exc))
        email = ""
        try:
            email = normalize_email(a.email) if a.email.strip() else ""
        except InvalidValue as exc:
            errors.add("applicant.email", str(exc))
        address = _clean_text(errors, "applicant.address", a.address, 500)
        if len(errors.items) > start:
            return None
        return CleanApplicant(kind, id_kind, id_number, name, birth, phone, email, address)

    def appointment_for(self, procedure: ProcedureInfo, received_at: datetime) -> datetime:
        """The appointment date for a procedure received at a given time (live preview too)."""
        return self._calendar().due(
            received_at,
            procedure.processing_amount,
            procedure.processing_unit,
            procedure.cutoff,
        )

    def preview(self, procedure_code: str, received_at: datetime | None = None) -> datetime | None:
        """The appointment the form shows while the clerk types; None without a procedure."""
        procedure = self._catalog.get(procedure_code)
        if procedure is None:
            return None
        return self.appointment_for(procedure, received_at or self._clock())

    def unit_identifier(self) -> str:
        return unit_identifier(self._centre(), self._counter_no, self._code_scope)

    # -- the write -----------------------------------------------------------------------------

    def receive(self, draft: DossierDraft, *, clerk: UserInfo | None = None) -> ReceivedDossier:
        """Validate, allocate the code, write dossier, papers, event, audit and outbox at once."""
        if clerk is not None:
            clerk.require(Permission.RECEIVE)
        clean = self.validate(draft)
        appointment = self.appointment_for(clean.procedure, clean.received_at)
        unit = self.unit_identifier()
        with self._db.write() as s:
            return self._write(s, clean, appointment, unit, clerk)

    def _write(
        self,
        s: Session,
        clean: CleanDraft,
        appointment: datetime,
        unit: str,
        clerk: UserInfo | None,
    ) -> ReceivedDossier:
        now = self._clock()
        procedure_row = s.scalar(select(Procedure).where(Procedure.code == clean.procedure.code))
        if procedure_row is None:  # the catalog cache is older than the database
            self._catalog.invalidate()
            raise ValidationError(
                [FieldError("procedure", f"{FIELD_LABELS['procedure']}: không còn trong danh mục.")]
            )
        applicant = _upsert_applicant(s, clean.applicant, now)
        code = allocate_code(s, unit, clean.received_at.date())
        a = clean.applicant
        dossier = Dossier(
            uuid=clean.uuid or str(uuidlib.uuid4()),
            code=code,
            unit_identifier=unit,
            procedure=procedure_row,
            applicant=applicant,
            applicant_name=a.name,
            applicant_snapshot=a.snapshot(),
            channel=int(clean.channel),
            status=int(DossierStatus.RECEIVED),
            received_at=clean.received_at,
            appointment_at=appointment,
            counter_no=self._counter_no,
            clerk_id=clerk.id if clerk else None,
            clerk_name=clerk.full_name if clerk else "",
            fee=clean.fee,
            dossier_sets=clean.dossier_sets,
            summary=clean.summary,
            notes=clean.notes,
            missing_papers_reason=clean.missing_reason,
            result_delivery=clean.result_delivery.value,
            delivery_address=clean.delivery_address,
            version=1,
            search_text=dossier_search_text(a.name, a.id_number, code, a.phone),
            updated_at=now,
        )
        dossier.papers = [
            DossierPaper(
                code=p.code,
                name=p.name,
                originals=p.originals if p.code in clean.submitted_codes else 0,
                copies=p.copies if p.code in clean.submitted_codes else 0,
                submitted=p.code in clean.submitted_codes,
                position=i,
            )
            for i, p in enumerate(clean.procedure.papers)
        ]
        event = DossierEvent(
            uuid=str(uuidlib.uuid4()),
            status=int(DossierStatus.RECEIVED),
            at=clean.received_at,
            user_id=clerk.id if clerk else None,
            actor=clerk.full_name if clerk else "",
            note="",
            source="counter",
        )
        dossier.events = [event]
        s.add(dossier)
        s.flush()
        audit(s, clerk, "dossier.receive", "dossier", code, {"procedure": clean.procedure.code})
        enqueue(s, "dossier", dossier.uuid, dossier_payload(dossier), version=dossier.version)
        enqueue(s, "event", event.uuid, event_payload(event, dossier))
        return ReceivedDossier(
            id=dossier.id,
            code=code,
            uuid=dossier.uuid,
            appointment=appointment,
            received_at=clean.received_at,
            status=DossierStatus.RECEIVED,
            procedure_code=clean.procedure.code,
            applicant_name=a.name,
        )


def dossier_search_text(name: str, id_number: str, code: str, phone: str) -> str:
    """The folded text search matches against (name, ID, code, phone)."""
    return fold(f"{name} {id_number} {code} {phone}")


def _upsert_applicant(s: Session, a: CleanApplicant, now: datetime) -> Applicant:
    """One row per identity number, updated to the latest visit (blank fields keep old values).

    An INSERT .. ON CONFLICT, not a check-then-insert: two counters receiving the same person at
    the same moment must not fail on the unique constraint.
    """
    table = cast(Table, Applicant.__table__)
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = insert(table).values(
        kind=int(a.kind),
        id_kind=a.id_kind.value,
        id_number=a.id_number,
        name=a.name,
        birth_date=a.birth_date,
        phone=a.phone,
        email=a.email,
        address=a.address,
        updated_at=now,
    )
    new = values.excluded
    stmt = values.on_conflict_do_update(
        index_elements=["id_number"],
        set_={
            "kind": new.kind,
            "id_kind": new.id_kind,
            "name": new.name,
            "birth_date": func.coalesce(new.birth_date, table.c.birth_date),
            "phone": func.coalesce(func.nullif(new.phone, ""), table.c.phone),
            "email": func.coalesce(func.nullif(new.email, ""), table.c.email),
            "address": func.coalesce(func.nullif(new.address, ""), table.c.address),
            "updated_at": new.updated_at,
        },
    ).returning(table.c.id)
    applicant_id = int(s.execute(stmt).scalar_one())
    applicant = s.get(Applicant, applicant_id, populate_existing=True)
    assert applicant is not None
    return applicant


def allocate_code(s: Session, unit: str, day: date) -> str:
    """Next code for a unit and day, inside the caller's transaction.

    An upsert that increments and returns the counter row: the row lock (PostgreSQL) or the write
    lock (SQLite) serialises concurrent counters, and a rollback returns the number, so codes have
    no gaps and are never issued twice.
    """
    dialect = s.get_bind().dialect.name
    table = cast(Table, CodeSequence.__table__)
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        stmt = (
            insert(table)
            .values(unit_identifier=unit, day=day, last_value=1)
            .on_conflict_do_update(
                index_elements=["unit_identifier", "day"],
                set_={"last_value": table.c.last_value + 1},
            )
            .returning(table.c.last_value)
        )
        number = int(s.execute(stmt).scalar_one())
    else:  # pragma: no cover - other databases: lock the row explicitly
        row = s.get(CodeSequence, (unit, day), with_for_update=True)
        if row is None:
            row = CodeSequence(unit_identifier=unit, day=day, last_value=0)
            s.add(row)
        row.last_value += 1
        s.flush()
        number = row.last_value
    if number > MAX_DAILY_SEQUENCE:
        raise ValidationError(
            [
                FieldError(
                    "received_at",
                    f"{FIELD_LABELS['received_at']}: đơn vị {unit} đã dùng hết "
                    f"{MAX_DAILY_SEQUENCE} số hồ sơ trong ngày {day:%d/%m/%Y}.",
                )
            ]
        )
    return format_code(unit, day, number)
