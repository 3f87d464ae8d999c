"""From a stored dossier or slip to the printed form: one mapping for window, CLI and bench.

reportlab is imported on first use, not at start-up: the login dialog must appear quickly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from counter_app.audit import audit
from counter_app.auth import UserInfo
from counter_app.catalog import PaperCount, ProcedureInfo, info_from_row
from counter_app.centre import CentreConfig
from counter_app.db.engine import Database
from counter_app.db.models import Dossier, Procedure, Slip
from counter_app.domain import ResultDelivery, SlipKind, local_now
from counter_app.dossiers import DossierNotFound
from counter_app.settings import Settings

if TYPE_CHECKING:
    from counter_app.receipts import Layout, ReceiptData


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

    def lookup_url(self, code: str) -> str:
        return f"{self._settings.lookup_base_url}{code}"

    def receipt_data(self, code: str, *, reprint: bool = False) -> ReceiptData:
        from counter_app.receipts import ReceiptData, ReceiptPaper

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
                result_delivery_text=delivery_text(
                    centre, d.result_delivery, d.delivery_address, d.counter_no
                ),
                clerk_name=d.clerk_name,
                counter_label=counter_label(d.counter_no),
                lookup_url=self.lookup_url(d.code),
                register_book=f"{d.received_at:%m/%Y}",
                register_seq=int(d.code[-4:]),
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
        by: UserInfo | None = None,
    ) -> bytes:
        """The receipt PDF (A4 by default); a reprint says so on the page and in the audit log."""
        from counter_app.receipts import Layout, render_receipt

        layout = layout or Layout.A4
        data = self.receipt_data(code, reprint=reprint)
        pdf = render_receipt(data, layout)
        if reprint:
            with self._db.write() as s:
                audit(s, by, "receipt.reprint", "dossier", data.dossier_code, {"layout": layout})
        return pdf

    def slip_pdf(self, slip_uuid: str) -> bytes:
        """A supplement-request (Mẫu 02) or refusal slip recorded by DossierService.issue_slip."""
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
                return render_supplement_request(
                    SupplementRequestData(
                        requested_at=slip.at,
                        missing_papers=tuple(MissingPaper(name) for name in items),
                        general_reason=slip.reason,
                        **common,
                    )
                )
            reasons = tuple(items) + ((slip.reason,) if slip.reason else ())
            return render_refusal(RefusalData(refused_at=slip.at, reasons=reasons, **common))
