"""From a stored dossier or slip to the printed form: one mapping for window, CLI and bench.

reportlab is imported on first use, not at start-up: the login dialog must appear quickly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from counter_app import verification
from counter_app.audit import audit
from counter_app.auth import UserInfo
from counter_app.catalog import PaperCount, ProcedureInfo, info_from_row
from counter_app.centre import CentreConfig
from counter_app.db.engine import Database
from counter_app.db.models import Dossier, DossierEvent, Procedure, Slip
from counter_app.domain import (
    OPEN_STATUSES,
    DossierStatus,
    Permission,
    ResultDelivery,
    SlipKind,
    local_now,
)
from counter_app.dossier_codes import register_book
from counter_app.dossiers import DossierNotFound, InvalidChange
from counter_app.settings import Settings

if TYPE_CHECKING:
    from counter_app.receipts import Layout, ReceiptData
    from counter_app.receipts.late_forms import HandOffRow, LetterParty


@dataclass(frozen=True, eq=False)
class RenderJob:
    """A PDF still to draw: a module-level renderer and its data, gathered from the database.

    Picklable, so the window can have it drawn in its helper process (reportlab is pure Python
    and would hold the GIL for a long time in a thread); the CLI just calls it.
    """

    render: Callable[..., bytes]
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self) -> bytes:
        return self.render(*self.args, **self.kwargs)


def counter_label(counter_no: int) -> str:
    return f"Quầy số {counter_no}"


def agency_lines(centre: CentreConfig) -> str:
    """The top-left heading: parent agency over the centre, as official forms print it."""
    lines = [centre.parent_agency_name, centre.agency_name]
    return "\n".join(line for line in lines if line)


def delivery_text(centre: CentreConfig, delivery: str, address: str, counter_no: int) -> str:
    if delivery == ResultDelivery.POST.value:
        return (
            f"Qua dịch vụ bưu chính công ích: {address}" if address else ResultDelivery.POST.label
        )
    unit = centre.unit_name[:1] + centre.unit_name[1:].lower()
    return f"Tại {unit}, {counter_label(counter_no).lower()}"


def _fee_detail(info: ProcedureInfo, dossier: Dossier) -> str:
    """How the dossier's fee was computed, when the catalog's rule still gives that amount."""
    counts = {
        p.code: PaperCount(p.originals, p.copies, p.pages) for p in dossier.papers if p.submitted
    }
    fee = info.fee_for(counts)
    return fee.detail if info.fee_rule is not None and fee.amount == dossier.fee else ""


class ReceiptService:
    """Builds receipt and slip PDFs from what the database holds."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        centre: Callable[[], CentreConfig],
        *,
        clock: Callable[[], datetime] = local_now,
    ) -> None:
        self._db = db
        self._settings = settings
        self._centre = centre
        self._clock = clock

    def lookup_url(self, code: str, dossier_uuid: str) -> str:
        """The receipt's QR: the citizen's page with the verification value (verification.py)."""
        return verification.lookup_url(self._settings.lookup_base_url, code, dossier_uuid)

    def receipt_data(self, code: str, *, by: UserInfo, reprint: bool = False) -> ReceiptData:
        from counter_app.receipts import ReceiptData, ReceiptPaper

        by.require(Permission.VIEW_DOSSIERS)
        centre = self._centre()
        with self._db.read() as s:
            d = s.scalar(
                select(Dossier)
                .where(Dossier.code == code.strip().upper())
                .options(selectinload(Dossier.procedure), selectinload(Dossier.papers))
            )
            if d is None:
                raise DossierNotFound(f"Không tìm thấy hồ sơ mã {code.strip()}.")
            info = info_from_row(d.procedure)
            a = d.applicant_snapshot
            return ReceiptData(
                agency_name=agency_lines(centre),
                unit_name=centre.unit_name,
                place=centre.place,
                dossier_code=d.code,
                received_at=d.received_at,
                appointment_at=d.appointment_at,
                applicant_name=d.applicant_name,
                applicant_id_number=str(a.get("id_number") or ""),
                applicant_address=str(a.get("address") or ""),
                applicant_phone=str(a.get("phone") or ""),
                applicant_email=str(a.get("email") or ""),
                procedure_code=info.code,
                procedure_name=info.name,
                papers=tuple(
                    ReceiptPaper(p.name, p.originals, p.copies, p.pages)
                    for p in d.papers
                    if p.submitted
                ),
                dossier_sets=d.dossier_sets,
                processing_time_text=info.processing_text,
                fee=d.fee,
                fee_detail=_fee_detail(info, d),
                fee_note=info.fee_note,
                result_delivery_text=delivery_text(
                    centre, d.result_delivery, d.delivery_address, d.counter_no
                ),
                clerk_name=d.clerk_name,
                counter_label=counter_label(d.counter_no),
                lookup_url=self.lookup_url(d.code, d.uuid),
                # The entry given at intake (never recomputed, so a reprint prints the same).
                register_book=(
                    register_book(d.unit_identifier, d.register_month)
                    if d.register_month is not None
                    else None
                ),
                register_seq=d.register_no,
                notes=d.missing_papers_reason and f"Giấy tờ còn thiếu: {d.missing_papers_reason}",
                reprint=reprint,
                reprinted_at=self._clock() if reprint else None,
            )

    def receipt_pdf(
        self,
        code: str,
        layout: Layout | None = None,
        *,
        reprint: bool = False,
        by: UserInfo,
    ) -> bytes:
        """The receipt PDF (A4 by default); a reprint says so on the page and in the audit log."""
        return self.receipt_job(code, layout, reprint=reprint, by=by)()

    def receipt_job(
        self,
        code: str,
        layout: Layout | None = None,
        *,
        reprint: bool = False,
        by: UserInfo,
    ) -> RenderJob:
        """The receipt's data to draw; a reprint is written to the audit log here."""
        from counter_app.receipts import Layout, render_receipt

        layout = layout or Layout.A4
        data = self.receipt_data(code, reprint=reprint, by=by)
        if reprint:
            with self._db.write() as s:
                audit(s, by, "receipt.reprint", "dossier", data.dossier_code, {"layout": layout})
        return RenderJob(render_receipt, (data, layout))

    def slip_pdf(self, slip_uuid: str, *, by: UserInfo) -> bytes:
        """A supplement-request (Mẫu 02) or refusal slip recorded by DossierService.issue_slip."""
        return self.slip_job(slip_uuid, by=by)()

    def slip_job(self, slip_uuid: str, *, by: UserInfo) -> RenderJob:
        """The data of a slip recorded by DossierService.issue_slip, to draw."""
        by.require(Permission.VIEW_DOSSIERS)
        from counter_app.receipts import (
            MissingPaper,
            RefusalData,
            SupplementRequestData,
            render_refusal,
            render_supplement_request,
        )

        centre = self._centre()
        with self._db.read() as s:
            slip = s.scalar(select(Slip).where(Slip.uuid == slip_uuid))
            if slip is None:
                raise DossierNotFound("Không tìm thấy phiếu đã lập.")
            procedure = s.get(Procedure, slip.procedure_id)
            assert procedure is not None
            dossier_code = ""
            if slip.dossier_id is not None:
                dossier = s.get(Dossier, slip.dossier_id)
                dossier_code = dossier.code if dossier else ""
            a = slip.applicant_snapshot
            common = {
                "agency_name": agency_lines(centre),
                "unit_name": centre.unit_name,
                "place": centre.place,
                "applicant_name": slip.applicant_name,
                "applicant_id_number": str(a.get("id_number") or ""),
                "applicant_address": str(a.get("address") or ""),
                "applicant_phone": str(a.get("phone") or ""),
                "applicant_email": str(a.get("email") or ""),
                "procedure_code": procedure.code,
                "procedure_name": procedure.name,
                "clerk_name": slip.clerk_name,
                "counter_label": counter_label(slip.counter_no),
                "dossier_code": dossier_code,
            }
            items = [str(i) for i in slip.items]
            if slip.kind == SlipKind.SUPPLEMENT.value:
                supplement = SupplementRequestData(
                    requested_at=slip.at,
                    missing_papers=tuple(MissingPaper(name) for name in items),
                    general_reason=slip.reason,
                    **common,
                )
                return RenderJob(render_supplement_request, (supplement,))
            reasons = tuple(items) + ((slip.reason,) if slip.reason else ())
            refusal = RefusalData(refused_at=slip.at, reasons=reasons, **common)
            return RenderJob(render_refusal, (refusal,))

    # -- Mẫu 04, 05, 06 ---------------------------------------------------------------------------

    def _dossier_with_events(self, s: Session, code: str) -> Dossier:
        d = s.scalar(
            select(Dossier)
            .where(Dossier.code == code.strip().upper())
            .options(selectinload(Dossier.procedure), selectinload(Dossier.events))
        )
        if d is None:
            raise DossierNotFound(f"Không tìm thấy hồ sơ mã {code.strip()}.")
        return d

    def _party(self, d: Dossier, issued_at: datetime) -> LetterParty:
        from counter_app.receipts.late_forms import LetterParty

        centre = self._centre()
        a = d.applicant_snapshot
        return LetterParty(
            agency_name=agency_lines(centre),
            unit_name=centre.unit_name,
            place=centre.place,
            issued_at=issued_at,
            dossier_code=d.code,
            applicant_name=d.applicant_name,
            applicant_address=str(a.get("address") or ""),
            applicant_phone=str(a.get("phone") or ""),
            applicant_email=str(a.get("email") or ""),
            procedure_code=d.procedure.code,
            procedure_name=d.procedure.name,
            received_at=d.received_at,
        )

    def apology_pdf(self, code: str, *, by: UserInfo) -> bytes:
        return self.apology_job(code, by=by)()

    def apology_job(self, code: str, *, by: UserInfo) -> RenderJob:
        """Mẫu 04 for the dossier's latest appointment change (`DossierService.extend`)."""
        by.require(Permission.VIEW_DOSSIERS)
        from counter_app.receipts.late_forms import ApologyData, render_apology

        with self._db.read() as s:
            d = self._dossier_with_events(s, code)
            changes = [e for e in d.events if isinstance(e.appointment_change, dict)]
            if not changes:
                raise InvalidChange(
                    f"Hồ sơ {d.code} chưa được gia hạn: hãy gia hạn (nêu lý do, ngày hẹn mới) "
                    "trước khi in văn bản xin lỗi."
                )
            last = changes[-1]
            change = last.appointment_change or {}
            data = ApologyData(
                party=self._party(d, last.at),
                previous_appointment=datetime.fromisoformat(str(change["previous"])),
                new_appointment=datetime.fromisoformat(str(change["new"])),
                reason=str(change.get("reason") or last.note),
            )
        return RenderJob(render_apology, (data,))

    def stop_notice_pdf(self, code: str, *, by: UserInfo) -> bytes:
        return self.stop_notice_job(code, by=by)()

    def stop_notice_job(self, code: str, *, by: UserInfo) -> RenderJob:
        """Mẫu 05 for a stopped dossier (status 8), with the reason recorded when it stopped."""
        by.require(Permission.VIEW_DOSSIERS)
        from counter_app.receipts.late_forms import StopNoticeData, render_stop_notice

        with self._db.read() as s:
            d = self._dossier_with_events(s, code)
            stops = [e for e in d.events if e.status == int(DossierStatus.STOPPED)]
            if d.status != int(DossierStatus.STOPPED) or not stops:
                raise InvalidChange(f"Hồ sơ {d.code} chưa dừng giải quyết (trạng thái 8).")
            data = StopNoticeData(
                party=self._party(d, stops[-1].at),
                appointment=d.appointment_at,
                stopped_at=stops[-1].at,
                reason=stops[-1].note,
            )
        return RenderJob(render_stop_notice, (data,))

    def control_slip_pdf(self, code: str, *, by: UserInfo) -> bytes:
        return self.control_slip_job(code, by=by)()

    def control_slip_job(self, code: str, *, by: UserInfo) -> RenderJob:
        """Mẫu 06 from the dossier's history of hand-overs."""
        by.require(Permission.VIEW_DOSSIERS)
        from counter_app.receipts.late_forms import ControlSlipData, render_control_slip

        centre = self._centre()
        with self._db.read() as s:
            d = self._dossier_with_events(s, code)
            events = list(d.events)
            original = d.appointment_at
            for e in events:
                if isinstance(e.appointment_change, dict) and e.appointment_change.get("previous"):
                    original = datetime.fromisoformat(str(e.appointment_change["previous"]))
                    break
            unit = centre.unit_name[:1] + centre.unit_name[1:].lower()
            rows, notes = control_rows(events, original, unit, d.applicant_name)
            processing = next(
                (
                    e.actor
                    for e in events
                    if e.status == int(DossierStatus.PROCESSING) and e.source == "server"
                ),
                "",
            )
            data = ControlSlipData(
                agency_name=agency_lines(centre),
                unit_name=centre.unit_name,
                place=centre.place,
                printed_at=self._clock(),
                dossier_code=d.code,
                applicant_name=d.applicant_name,
                procedure_code=d.procedure.code,
                procedure_name=d.procedure.name,
                received_at=d.received_at,
                appointment_at=d.appointment_at,
                original_appointment_at=original,
                processing_unit=processing,
                hand_offs=tuple(rows),
                appointment_notes=tuple(notes),
                blank_rows=2 if d.status in OPEN_STATUSES | {DossierStatus.RESULT_READY} else 0,
            )
        return RenderJob(render_control_slip, (data,))


def timeliness(at: datetime, due: datetime) -> str:
    """A hand-over against the appointment then in force: early, on the day (on time), late."""
    if at > due:
        return "Quá hạn"
    if at.date() == due.date():
        return "Đúng hạn"
    return "Trước hạn"


def _taker(status: DossierStatus, actor: str, source: str, unit: str, applicant: str) -> str:
    """Who holds the dossier after a status change (the "Nhận" of the control slip)."""
    if status is DossierStatus.PROCESSING:
        return actor if source == "server" and actor else "Cơ quan, bộ phận giải quyết hồ sơ"
    if status is DossierStatus.RESULT_READY:
        return unit
    if status is DossierStatus.RECEIVED:
        return unit
    what = {
        DossierStatus.SUPPLEMENT_REQUESTED: "yêu cầu bổ sung hồ sơ",
        DossierStatus.PAYMENT_REQUESTED: "thực hiện nghĩa vụ tài chính",
        DossierStatus.STOPPED: "thông báo dừng giải quyết",
        DossierStatus.WITHDRAWN: "rút hồ sơ",
        DossierStatus.REFUSED: "từ chối tiếp nhận",
        DossierStatus.RETURNED: "nhận kết quả",
    }.get(status, status.label.lower())
    return f"Người nộp hồ sơ {applicant} ({what})"


def control_rows(
    events: list[DossierEvent], original_appointment: datetime, unit: str, applicant: str
) -> tuple[list[HandOffRow], list[str]]:
    """The hand-overs of a dossier from its history, and its appointment changes as notes.

    The first event is the receipt itself (the dossier is then at the counter); each later
    status change hands it to someone else. Each row is judged against the appointment in force
    at that moment, so a hand-back within an extension counts as on time.
    """
    from counter_app.receipts.late_forms import HandOffRow

    rows: list[HandOffRow] = []
    notes: list[str] = []
    due = original_appointment
    holder = unit
    last_status: int | None = None
    for number, e in enumerate(events):
        change = e.appointment_change
        if isinstance(change, dict) and change.get("new"):
            try:
                new_due = datetime.fromisoformat(str(change["new"])).replace(tzinfo=None)
            except ValueError:
                continue
            notes.append(
                f"Gia hạn ngày {e.at:%d/%m/%Y}: hẹn trả {due:%H:%M %d/%m/%Y} → "
                f"{new_due:%H:%M %d/%m/%Y}. Lý do: {change.get('reason', '')}"
            )
            due = new_due
            continue
        if number == 0 or e.status == last_status:
            last_status = e.status
            continue
        status = DossierStatus(e.status)
        taker = _taker(status, e.actor, e.source, unit, applicant)
        note = "; ".join(
            part for part in (e.actor and f"Người thực hiện: {e.actor}", e.note) if part
        )
        rows.append(HandOffRow(holder, taker, e.at, timeliness(e.at, due), note))
        holder = taker if not taker.startswith("Người nộp") else unit
        last_status = e.status
    return rows, notes
