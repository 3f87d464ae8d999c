"""The intake service: a draft typed at the counter becomes a received dossier.

This is the one place where intake rules live; the window, the command line, the tests and the
benchmark all call `IntakeService.receive`. A draft that fails validation writes nothing and
consumes no dossier code.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid as uuidlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Literal, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from counter_app.attachments import AttachmentService, StagedFile
from counter_app.audit import audit
from counter_app.auth import UserInfo
from counter_app.calendar import WorkingCalendar, estimate_warning
from counter_app.catalog import CatalogService, PaperCount, ProcedureInfo
from counter_app.centre import CentreConfig, unit_identifier
from counter_app.code_ledger import CodeLedger
from counter_app.db.engine import Database
from counter_app.db.models import (
    CodeSequence,
    Dossier,
    DossierEvent,
    DossierPaper,
    IntakeRef,
    Procedure,
)
from counter_app.domain import (
    INTAKE_STATUS,
    ApplicantKind,
    Channel,
    DossierStatus,
    Permission,
    ResultDelivery,
    local_now,
)
from counter_app.dossier_codes import format_code, register_key
from counter_app.errors import UserError
from counter_app.identity import (
    IdKind,
    InvalidValue,
    check_birth_date_against_id,
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
from counter_app.intake_applicant import CleanApplicant, upsert_applicant
from counter_app.intake_papers import (
    COUNT_KEYS,
    MAX_PAPER_COUNT,
    MAX_PAPER_PAGES,
    check_digitisation,
    check_staged_files,
    papers_handed_in,
)
from counter_app.outbox import dossier_payload, enqueue, event_payload
from counter_app.search import dossier_search_text

# Re-exported: the form and the command line read the paper limits from here.
__all__ = ["COUNT_KEYS", "MAX_PAPER_COUNT", "MAX_PAPER_PAGES", "CleanApplicant"]

log = logging.getLogger(__name__)

MAX_DAILY_SEQUENCE = 9999
#: Dossier codes carry YYMMDD without the century: nothing before 2000 can be told apart.
EARLIEST_RECEIVED = datetime(2000, 1, 1)

#: Vietnamese labels of draft fields, used in every error message.
FIELD_LABELS: dict[str, str] = {
    "procedure": "Thủ tục hành chính",
    "applicant": "Người nộp hồ sơ",
    "applicant.kind": "Loại đối tượng",
    "applicant.name": "Họ và tên người nộp",
    "applicant.id_number": "Số giấy tờ tùy thân",
    "applicant.birth_date": "Ngày sinh",
    "applicant.phone": "Số điện thoại",
    "applicant.email": "Thư điện tử",
    "applicant.address": "Địa chỉ",
    "papers": "Thành phần hồ sơ",
    "missing_reason": "Lý do thiếu giấy tờ",
    "files": "Bản số hóa",
    "undigitised_reason": "Lý do chưa số hóa",
    "received_at": "Thời điểm tiếp nhận",
    "dossier_sets": "Số lượng hồ sơ",
    "summary": "Trích yếu",
    "notes": "Ghi chú",
    "result_delivery": "Hình thức nhận kết quả",
    "delivery_address": "Địa chỉ nhận kết quả",
    "fee": "Phí, lệ phí",
    "ref": "Mã tham chiếu (ref)",
}

#: The longest text each field keeps, in characters after normalising (the columns' sizes).
TEXT_LIMITS: dict[str, int] = {
    "applicant.name": 255,
    "applicant.id_number": 50,
    "applicant.email": 254,
    "applicant.address": 500,
    "missing_reason": 1000,
    "undigitised_reason": 1000,
    "summary": 1000,
    "notes": 2000,
    "delivery_address": 500,
}
#: Raw text longer than this is refused before any normalising (a huge paste or a bad file must
#: not cost seconds of Unicode work); NFC can shrink decomposed Vietnamese about threefold.
RAW_LIMITS: dict[str, int] = {
    "procedure": 100,
    "applicant.phone": 100,
    "ref": 200,
    **{name: 4 * limit for name, limit in TEXT_LIMITS.items()},
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
    # "required": the procedure's required papers, as a clerk ticks them by default; "all" adds
    # the optional ones ("nếu có"); or the codes handed in.
    papers: Sequence[str] | Literal["all", "required"] = "required"
    # Per paper code, {"originals", "copies", "pages"} handed in (each optional: the catalog's
    # usual count, 0 pages); a paper counted here is handed in.
    paper_counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    missing_reason: str = ""
    # Digitised papers, checked and stored beforehand (AttachmentService.stage); recorded with
    # the dossier in its transaction.
    files: Sequence[StagedFile] = ()
    # Why papers the catalog says must be digitised are saved without a file.
    undigitised_reason: str = ""
    received_at: datetime | None = None
    dossier_sets: int = 1
    channel: Channel = Channel.IN_PERSON
    result_delivery: ResultDelivery = ResultDelivery.COUNTER
    delivery_address: str = ""
    summary: str = ""
    notes: str = ""
    fee: int | None = None
    # The caller's own key (a batch line's "ref"): the same ref again returns the same dossier.
    ref: str = ""
    # An online dossier keeps the identity the portal gave it; walk-in dossiers get a new one.
    uuid: str | None = None


@dataclass(frozen=True)
class CleanDraft:
    """A validated, normalised draft: what `receive` writes."""

    procedure: ProcedureInfo
    applicant: CleanApplicant
    submitted_codes: frozenset[str]
    counts: Mapping[str, PaperCount]  # for every submitted paper
    missing_reason: str
    received_at: datetime
    dossier_sets: int
    channel: Channel
    result_delivery: ResultDelivery
    delivery_address: str
    summary: str
    notes: str
    fee: int
    fee_detail: str = ""
    uuid: str | None = None
    files: tuple[StagedFile, ...] = ()
    undigitised: tuple[str, ...] = ()  # codes of must-digitise papers saved without a file
    undigitised_reason: str = ""


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
    # True when `ref` named a dossier received before: nothing new was written.
    existing: bool = False
    # Years the count ran over without an announcement of days off loaded (the date may move).
    estimated_years: tuple[int, ...] = ()
    register_no: int | None = None  # the entry's number in its book (dossier_codes.register_key)

    @property
    def estimate_warning(self) -> str:
        """The Vietnamese warning to show beside the appointment; "" when none is needed."""
        return estimate_warning(self.estimated_years)


@dataclass(frozen=True)
class AppointmentPreview:
    """The appointment the intake form shows while the clerk types, and how sure it is."""

    at: datetime
    estimated_years: tuple[int, ...] = ()

    @property
    def estimate_warning(self) -> str:
        return estimate_warning(self.estimated_years)


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
        guard: Callable[[], None] | None = None,
        ledger: CodeLedger | None = None,
        backdate_working_days: int = 3,
        attachments: AttachmentService | None = None,
    ) -> None:
        self._db = db
        self._attachments = attachments
        # Raises when no code may be issued now (counter not chosen, wrong unit, clock).
        self._guard = guard
        self._ledger = ledger
        self._backdate_days = max(0, backdate_working_days)
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
        _check_raw_lengths(draft, errors)
        if errors.items:
            raise ValidationError(errors.items)
        procedure = self._catalog.get(draft.procedure_code or "")
        if not (draft.procedure_code or "").strip():
            errors.add("procedure", "chưa chọn thủ tục.")
        elif procedure is None:
            errors.add("procedure", f"không có thủ tục mã «{draft.procedure_code.strip()}».")
        applicant = self._validate_applicant(draft.applicant, errors)
        submitted: frozenset[str] = frozenset()
        counts: dict[str, PaperCount] = {}
        missing_reason = _clean_text(errors, "missing_reason", draft.missing_reason, 1000)
        undigitised_reason = _clean_text(
            errors, "undigitised_reason", draft.undigitised_reason, 1000
        )
        undigitised: tuple[str, ...] = ()
        if procedure is not None:
            submitted, counts = papers_handed_in(
                procedure, draft.papers, draft.paper_counts, errors.add
            )
            undigitised = check_digitisation(
                procedure,
                submitted,
                draft.files,
                undigitised_reason,
                errors.add,
                in_person=Channel(draft.channel) is Channel.IN_PERSON,
            )
            if draft.files:
                for problem in check_staged_files(
                    self._attachments, procedure, draft.files, self.unit_identifier
                ):
                    errors.items.append(FieldError("files", problem))
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
        elif received_at < EARLIEST_RECEIVED:
            errors.add("received_at", "không được trước năm 2000.")
        elif received_at < self.earliest_received(now):
            errors.add(
                "received_at",
                f"chỉ được ghi lùi tối đa {self._backdate_days} ngày làm việc "
                f"(từ {self.earliest_received(now):%d/%m/%Y}); hỏi quản trị nếu cần lùi hơn "
                "(thiết lập backdate_working_days).",
            )
        if not 1 <= draft.dossier_sets <= 99:
            errors.add("dossier_sets", "phải từ 1 đến 99 bộ.")
        summary = _clean_text(errors, "summary", draft.summary, 1000)
        notes = _clean_text(errors, "notes", draft.notes, 2000, multiline=True)
        delivery = ResultDelivery(draft.result_delivery)
        delivery_address = _clean_text(
            errors, "delivery_address", draft.delivery_address, TEXT_LIMITS["delivery_address"]
        )
        has_address = bool(delivery_address or (applicant and applicant.address))
        if delivery is ResultDelivery.POST and not has_address:
            errors.add("delivery_address", "cần địa chỉ để gửi kết quả qua bưu chính.")
        fee, fee_detail = draft.fee or 0, ""
        if procedure is not None and draft.fee is None:
            computed = procedure.fee_for(counts)
            fee, fee_detail = computed.amount, computed.detail
        if fee < 0:
            errors.add("fee", "không được âm.")
        if errors.items or procedure is None or applicant is None:
            raise ValidationError(errors.items)
        return CleanDraft(
            procedure=procedure,
            applicant=applicant,
            submitted_codes=submitted,
            counts=counts,
            missing_reason=missing_reason,
            received_at=received_at.replace(microsecond=0),
            dossier_sets=draft.dossier_sets,
            channel=Channel(draft.channel),
            result_delivery=delivery,
            delivery_address=delivery_address,
            summary=summary,
            notes=notes,
            fee=fee,
            fee_detail=fee_detail,
            uuid=draft.uuid,
            files=tuple(draft.files),
            undigitised=undigitised,
            undigitised_reason=undigitised_reason if undigitised else "",
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
        if birth is not None and id_number and id_kind is IdKind.CITIZEN_ID:
            try:
                check_birth_date_against_id(id_number, birth, today=today)
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
        address = _clean_text(
            errors, "applicant.address", a.address, TEXT_LIMITS["applicant.address"]
        )
        if len(errors.items) > start:
            return None
        return CleanApplicant(kind, id_kind, id_number, name, birth, phone, email, address)

    def earliest_received(self, now: datetime) -> datetime:
        """The oldest received time accepted: the start of the day `backdate_working_days`
        working days before today (a clerk entering yesterday's paper dossiers)."""
        calendar = self._calendar()
        day = now.date()
        for _ in range(self._backdate_days):
            day -= timedelta(days=1)
            for _ in range(60):  # a long Tết break, not an endless loop on a bad calendar
                if calendar.is_working_day(day):
                    break
                day -= timedelta(days=1)
        return datetime.combine(day, datetime.min.time())

    def appointment_for(self, procedure: ProcedureInfo, received_at: datetime) -> datetime:
        """The appointment date for a procedure received at a given time (live preview too)."""
        return self._calendar().due(
            received_at,
            procedure.processing_amount,
            procedure.processing_unit,
            procedure.cutoff,
        )

    def preview(
        self, procedure_code: str, received_at: datetime | None = None
    ) -> AppointmentPreview | None:
        """The appointment the form shows while the clerk types; None without a procedure."""
        procedure = self._catalog.get(procedure_code)
        if procedure is None:
            return None
        received = received_at or self._clock()
        at = self.appointment_for(procedure, received)
        return AppointmentPreview(at, self._calendar().estimated_years(received, at))

    def _with_estimate(self, received: ReceivedDossier) -> ReceivedDossier:
        years = self._calendar().estimated_years(received.received_at, received.appointment)
        return replace(received, estimated_years=years)

    def unit_identifier(self) -> str:
        return unit_identifier(self._centre(), self._counter_no, self._code_scope)

    # -- the write -----------------------------------------------------------------------------

    def receive(self, draft: DossierDraft, *, clerk: UserInfo) -> ReceivedDossier:
        """Validate, allocate the code, write dossier, papers, event, audit and outbox at once."""
        clerk.require(Permission.RECEIVE)
        ref = _clean_ref(draft.ref)
        if ref:
            with self._db.read() as s:
                found = _by_ref(s, ref, draft)
            if found is not None:
                return self._with_estimate(found)
        if self._guard is not None:
            self._guard()
        clean = self.validate(draft)
        appointment = self.appointment_for(clean.procedure, clean.received_at)
        unit = self.unit_identifier()
        try:
            with self._db.write() as s:
                # Again under the write lock: two callers racing with one ref get one dossier.
                again = _by_ref(s, ref, draft) if ref else None
                if again is not None:
                    return self._with_estimate(again)
                received = self._write(s, clean, appointment, unit, clerk)
                if ref:
                    s.add(IntakeRef(ref=ref, dossier_id=received.id, created_at=self._clock()))
        except IntegrityError as exc:
            # A constraint the rules above should have kept; never a raw error for the clerk.
            log.error("intake refused by a database constraint: %s", exc.orig)
            raise IntakeConflictError(
                "Không lưu được hồ sơ vì trùng dữ liệu đã có trong CSDL (mã hồ sơ hoặc khóa "
                "khác); chưa có gì được ghi. Hãy chạy `counter-app doctor` và báo bộ phận kỹ thuật."
            ) from exc
        if self._ledger is not None:
            try:
                day = clean.received_at.date()
                book_unit, month = register_key(unit, day)
                self._ledger.record(
                    [
                        (unit, day, _code_number(received.code)),
                        (book_unit, month, received.register_no or 0),
                    ]
                )
            except Exception as exc:  # the dossier is committed; the ledger is a second guard
                log.error("code ledger not updated for %s: %s", received.code, exc)
        return self._with_estimate(received)

    def _write(
        self,
        s: Session,
        clean: CleanDraft,
        appointment: datetime,
        unit: str,
        clerk: UserInfo,
    ) -> ReceivedDossier:
        now = self._clock()
        procedure_row = s.scalar(select(Procedure).where(Procedure.code == clean.procedure.code))
        if procedure_row is None:  # the catalog cache is older than the database
            self._catalog.invalidate()
            raise ValidationError(
                [FieldError("procedure", f"{FIELD_LABELS['procedure']}: không còn trong danh mục.")]
            )
        applicant = upsert_applicant(s, clean.applicant, now)
        code = allocate_code(s, unit, clean.received_at.date())
        register_month, register_no = allocate_register_entry(s, unit, clean.received_at.date())
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
            status=int(INTAKE_STATUS),
            received_at=clean.received_at,
            appointment_at=appointment,
            counter_no=self._counter_no,
            register_month=register_month,
            register_no=register_no,
            clerk_id=clerk.id if clerk else None,
            clerk_name=clerk.full_name if clerk else "",
            fee=clean.fee,
            dossier_sets=clean.dossier_sets,
            summary=clean.summary,
            notes=clean.notes,
            missing_papers_reason=clean.missing_reason,
            undigitised_reason=clean.undigitised_reason,
            result_delivery=clean.result_delivery.value,
            delivery_address=clean.delivery_address,
            version=1,
            search_text=dossier_search_text(a.name, a.id_number, code, a.phone),
            updated_at=now,
        )
        none = PaperCount(0, 0, 0)
        dossier.papers = [
            DossierPaper(
                code=p.code,
                name=p.name,
                originals=clean.counts.get(p.code, none).originals,
                copies=clean.counts.get(p.code, none).copies,
                pages=clean.counts.get(p.code, none).pages,
                submitted=p.code in clean.submitted_codes,
                required=p.required,
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
        details: dict[str, object] = {"procedure": clean.procedure.code}
        if clean.files and self._attachments is not None:
            self._attachments.record_staged(s, dossier, clean.files, by=clerk)
            details["files"] = [f"{f.paper}:{f.sha256[:12]}" for f in clean.files]
        if clean.undigitised:
            details["undigitised"] = list(clean.undigitised)
            details["undigitised_reason"] = clean.undigitised_reason
        audit(s, clerk, "dossier.receive", "dossier", code, details)
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
            register_no=register_no,
        )


def _check_raw_lengths(draft: DossierDraft, errors: _Errors) -> None:
    a = draft.applicant
    values = {
        "procedure": draft.procedure_code,
        "applicant.name": a.name,
        "applicant.id_number": a.id_number,
        "applicant.phone": a.phone,
        "applicant.email": a.email,
        "applicant.address": a.address,
        "missing_reason": draft.missing_reason,
        "summary": draft.summary,
        "notes": draft.notes,
        "delivery_address": draft.delivery_address,
        "ref": draft.ref,
    }
    for name, value in values.items():
        if not isinstance(value, str):
            errors.add(name, "phải là chữ (chuỗi ký tự).")
        elif len(value) > RAW_LIMITS[name]:
            # The limit the field keeps, not the raw guard: one limit for the clerk to meet.
            limit = TEXT_LIMITS.get(name, RAW_LIMITS[name])
            errors.add(name, f"dài quá {limit} ký tự (đang có {len(value)} ký tự).")


def _clean_ref(value: object) -> str:
    if not value:
        return ""
    if not isinstance(value, str) or len(value) > RAW_LIMITS["ref"]:
        raise ValidationError(
            [FieldError("ref", f"{FIELD_LABELS['ref']}: phải là chuỗi tối đa 200 ký tự.")]
        )
    try:
        return normalize_text(value, max_length=RAW_LIMITS["ref"])
    except InvalidValue as exc:
        raise ValidationError([FieldError("ref", f"{FIELD_LABELS['ref']}: {exc}")]) from exc


def _by_ref(s: Session, ref: str, draft: DossierDraft) -> ReceivedDossier | None:
    """The dossier received before under `ref`, as `receive` returned it then.

    Only if it is the same filing (procedure, and the applicant's ID number or else name): a ref
    reused for someone else must not answer "received" with another citizen's code, which an
    integrator would print on this citizen's receipt. That is refused, naming the ref.
    """
    d = s.scalar(
        select(Dossier)
        .join(IntakeRef, IntakeRef.dossier_id == Dossier.id)
        .where(IntakeRef.ref == ref)
    )
    if d is None:
        return None
    if not _same_filing(d, draft):
        raise ValidationError(
            [
                FieldError(
                    "ref",
                    f"{FIELD_LABELS['ref']}: «{ref}» đã dùng cho hồ sơ {d.code} của người nộp "
                    "khác hoặc thủ tục khác; hồ sơ này chưa được tiếp nhận. Hãy dùng một mã tham "
                    "chiếu mới cho mỗi hồ sơ.",
                )
            ]
        )
    return ReceivedDossier(
        id=d.id,
        code=d.code,
        uuid=d.uuid,
        appointment=d.appointment_at,
        received_at=d.received_at,
        status=DossierStatus(d.status),
        procedure_code=d.procedure.code,
        applicant_name=d.applicant_name,
        existing=True,
        register_no=d.register_no,
    )


def _same_filing(d: Dossier, draft: DossierDraft) -> bool:
    """Whether `draft` is the filing `d` was received from (a re-run of the same line)."""
    if d.procedure.code != draft.procedure_code.strip():
        return False

    def compact(value: object) -> str:
        return re.sub(r"[\s.\-]", "", unicodedata.normalize("NFKC", str(value or ""))).casefold()

    stored = d.applicant_snapshot or {}
    typed_id, stored_id = compact(draft.applicant.id_number), compact(stored.get("id_number"))
    if typed_id or stored_id:
        return typed_id == stored_id
    return fold(draft.applicant.name) == fold(d.applicant_name)


class IntakeConflictError(UserError):
    """The database refused the write (a unique constraint): nothing was saved."""


def _code_number(code: str) -> int:
    return int(code.rsplit("-", 1)[1])


def _bump(s: Session, unit: str, day: date) -> int:
    """Increment and return the `code_sequence` row (unit, day) inside the caller's transaction.

    An upsert that increments and returns the counter row: the row lock (PostgreSQL) or the write
    lock (SQLite) serialises concurrent counters, and a rollback returns the number, so numbers
    have no gaps and are never issued twice.
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
        return int(s.execute(stmt).scalar_one())
    row = s.get(CodeSequence, (unit, day), with_for_update=True)  # pragma: no cover
    if row is None:  # pragma: no cover - other databases: lock the row explicitly
        row = CodeSequence(unit_identifier=unit, day=day, last_value=0)
        s.add(row)
    row.last_value += 1  # pragma: no cover
    s.flush()  # pragma: no cover
    return row.last_value  # pragma: no cover


def allocate_register_entry(s: Session, unit: str, day: date) -> tuple[date, int]:
    """The next entry (book month, number) of the unit's register for a dossier received on
    `day`, in the intake transaction, counted like the codes (dossier_codes.register_key)."""
    key_unit, month = register_key(unit, day)
    return month, _bump(s, key_unit, month)


def fill_register_entries(s: Session) -> int:
    """Give a register entry to every dossier without one (records rebuilt from a server that
    never had them), in order of receipt, after the books' counters were raised to the entries
    already here; returns how many were given."""
    missing = s.scalars(
        select(Dossier)
        .where(Dossier.register_no.is_(None))
        .order_by(Dossier.received_at, Dossier.id)
    ).all()
    for d in missing:
        d.register_month, d.register_no = allocate_register_entry(
            s, d.unit_identifier, d.received_at.date()
        )
    s.flush()
    return len(missing)


def allocate_code(s: Session, unit: str, day: date) -> str:
    """Next code for a unit and day, inside the caller's transaction (see `_bump`)."""
    number = _bump(s, unit, day)
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
