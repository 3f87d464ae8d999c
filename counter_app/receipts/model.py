"""Plain inputs of the printed forms: receipt (Mẫu 01), supplement request (Mẫu 02), refusal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

DEFAULT_UNIT_NAME = "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"


class Layout(StrEnum):
    """Page layout of a receipt: two A4 copies, or one 80 mm thermal slip."""

    A4 = "a4"
    SLIP80 = "slip80"


@dataclass(frozen=True)
class ReceiptPaper:
    """One paper of the dossier with how many originals and copies were handed in."""

    name: str
    originals: int
    copies: int
    pages: int = 0  # pages of the paper when recorded (0: not recorded)


@dataclass(frozen=True, kw_only=True)
class ReceiptData:
    """Everything printed on "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"."""

    agency_name: str  # one or more lines separated by "\n", e.g. "UBND TỈNH QUẢNG NINH"
    place: str  # "Quảng Ninh" → "Quảng Ninh, ngày 27 tháng 11 năm 2026"
    dossier_code: str
    received_at: datetime
    appointment_at: datetime
    applicant_name: str
    procedure_code: str
    procedure_name: str
    papers: tuple[ReceiptPaper, ...]
    processing_time_text: str  # "03 ngày làm việc", "04 giờ làm việc", "Trong ngày"
    fee: int  # VND; 0 prints what fee_note says (catalog.fee_line), "Không thu phí" if free
    fee_detail: str = ""  # how the fee was computed, e.g. "03 bản × 05 trang"
    fee_note: str = ""  # the catalog's note on the fee (province's rate, paid at hand-back…)
    result_delivery_text: str
    clerk_name: str
    counter_label: str  # "Quầy số 3"
    lookup_url: str  # base URL + code; drawn as a QR and printed as text
    applicant_id_number: str = ""
    applicant_address: str = ""
    applicant_phone: str = ""
    applicant_email: str = ""
    unit_name: str = DEFAULT_UNIT_NAME
    dossier_sets: int = 1
    register_book: str | None = None
    register_seq: int | None = None
    notes: str = ""
    reprint: bool = False
    reprinted_at: datetime | None = None


@dataclass(frozen=True)
class MissingPaper:
    """A paper to add or complete, with why (may be "" when the slip gives a general reason)."""

    name: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class SupplementRequestData:
    """Everything printed on Mẫu 02 "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"."""

    agency_name: str
    place: str
    requested_at: datetime
    applicant_name: str
    procedure_code: str
    procedure_name: str
    missing_papers: tuple[MissingPaper, ...]
    clerk_name: str
    counter_label: str
    dossier_code: str = ""  # "" when the dossier was not received yet
    general_reason: str = ""
    applicant_id_number: str = ""
    applicant_address: str = ""
    applicant_phone: str = ""
    applicant_email: str = ""
    unit_name: str = DEFAULT_UNIT_NAME
    contact_phone: str = ""  # whom to call while completing the dossier
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class RefusalData:
    """Everything printed on "Phiếu từ chối tiếp nhận giải quyết hồ sơ"."""

    agency_name: str
    place: str
    refused_at: datetime
    applicant_name: str
    procedure_code: str
    procedure_name: str
    reasons: tuple[str, ...]
    clerk_name: str
    counter_label: str
    dossier_code: str = ""
    applicant_id_number: str = ""
    applicant_address: str = ""
    applicant_phone: str = ""
    applicant_email: str = ""
    unit_name: str = DEFAULT_UNIT_NAME
    notes: str = ""
