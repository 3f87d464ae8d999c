"""Warm the first save of a session, without writing anything.

The first dossier a counter saves after start-up used to pay for everything done for the first
time in the process: importing the holiday tables (~250 modules), loading the catalog, compiling
SQLAlchemy's statements, importing the PDF libraries. On the worker thread that is 100-300 ms of
Python holding the GIL while the window waits for its turn. `warm_up` does that work right after
the window opens, on a thread of its own, by running the read paths for real (their compiled
statements land in the engine's cache) and the intake rules on a sample draft.

Nothing is written: the whole warm-up runs inside `Database.reads_only()`, where `write()`
refuses and each read transaction is read-only in the database itself. No dossier code is ever
allocated or rolled back here (a printed code belongs to one citizen for good).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.receipts import ReceiptData
    from counter_app.services import CounterServices

log = logging.getLogger(__name__)


@dataclass
class WarmReport:
    """What each step cost (ms) and the steps that failed (logged, never raised)."""

    steps: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    thread: str = ""  # the thread it ran on (the window's must never be it)

    @property
    def total_ms(self) -> float:
        return sum(self.steps.values())


def _modules(_services: CounterServices, _by: UserInfo) -> None:
    """The libraries a save, its receipt data and an attached scan load on first use."""
    import PIL.Image  # noqa: F401 - a scan's pages are checked as images
    import pypdfium2  # noqa: F401 - ... or as a PDF

    import counter_app.receipts  # noqa: F401 - the receipt's data (reportlab, Code128, QR)


def _calendar(services: CounterServices, _by: UserInfo) -> None:
    """The public holiday tables (imported on first use) for this year and the next."""
    calendar = services.calendar()
    today = services.clock().date()
    for day in (today, today.replace(month=12, day=31) + timedelta(days=1)):
        calendar.is_working_day(day)


def _intake(services: CounterServices, _by: UserInfo) -> None:
    """The catalog, and a sample draft's validation and appointment (the holiday tables)."""
    from counter_app.intake import ApplicantDraft, DossierDraft, ValidationError

    procedures = services.catalog.all()  # loads the cache if nothing has yet
    if procedures:
        draft = DossierDraft(
            procedure_code=procedures[0].code,
            applicant=ApplicantDraft(
                name="Nguyễn Văn An", id_number="001090000001", phone="0912345678"
            ),
        )
        try:
            clean = services.intake.validate(draft)
        except ValidationError:
            pass  # the rules ran; a sample the rules refuse is still a warm path
        else:
            services.intake.appointment_for(clean.procedure, clean.received_at)
    services.intake.unit_identifier()
    # The write's own statements are not compiled here: `stmt.compile()` does not fill the
    # engine's cache (measured: no change to the first save), and only running them would.


def _lists(services: CounterServices, by: UserInfo) -> None:
    """Today's dossier list, the sync indicator's figures and the files still to upload."""
    from counter_app.sync.files import pending_files
    from counter_app.sync.status import sync_status

    services.dossiers.list_day(services.clock().date(), by=by)
    sync_status(services)
    pending_files(services.db)


def _receipt(services: CounterServices, by: UserInfo) -> None:
    """The newest dossier's receipt data (read only: no reprint, no audit entry)."""
    rows = services.dossiers.search(limit=1, by=by)
    if rows:
        services.receipts.receipt_data(rows[0].code, by=by)


def sample_receipt() -> ReceiptData:
    """A receipt of nobody (no personal data, a code no counter issues), for the render process
    to draw once before the first real one: the first drawing subsets the fonts and loads the
    QR and barcode code, which made the session's first receipt seconds slower on a busy PC."""
    from datetime import datetime

    from counter_app.receipts import ReceiptData, ReceiptPaper

    at = datetime(2026, 1, 5, 8, 0)
    return ReceiptData(
        agency_name="UBND TỈNH MẪU\nTRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
        place="Mẫu",
        dossier_code="000.00.00.H00-260105-0000",
        received_at=at,
        appointment_at=at + timedelta(days=3),
        applicant_name="Nguyễn Văn Mẫu",
        applicant_id_number="000000000000",
        applicant_address="Tổ 1, phường Mẫu",
        applicant_phone="0900000000",
        procedure_code="0.000000",
        procedure_name="Thủ tục mẫu để nạp sẵn phông chữ, mã vạch và mã QR",
        papers=(ReceiptPaper("Tờ khai mẫu", 1, 0), ReceiptPaper("Giấy tờ mẫu", 0, 1)),
        processing_time_text="03 ngày làm việc",
        fee=0,
        result_delivery_text="Nhận trực tiếp",
        clerk_name="Cán bộ mẫu",
        counter_label="Quầy số 0",
        lookup_url="https://example.invalid/tra-cuu/000.00.00.H00-260105-0000",
    )


STEPS: tuple[tuple[str, Callable[[CounterServices, UserInfo], None]], ...] = (
    ("modules", _modules),
    ("calendar", _calendar),
    ("intake", _intake),
    ("lists", _lists),
    ("receipt", _receipt),
)


def warm_up(services: CounterServices, *, by: UserInfo) -> WarmReport:
    """Run every step on this thread, reading only; a failing step is logged and skipped."""
    report = WarmReport(thread=threading.current_thread().name)
    with services.db.reads_only():
        for name, step in STEPS:
            run_step(report, name, functools.partial(step, services, by))
    log.info(
        "warm-up: %.0f ms (%s)",
        report.total_ms,
        ", ".join(f"{k} {v:.0f}" for k, v in report.steps.items()),
    )
    return report


def run_step(report: WarmReport, name: str, step: Callable[[], object]) -> None:
    """One step, timed into `report`; an exception is logged and recorded, never raised."""
    start = time.perf_counter()
    try:
        step()
    except Exception as exc:  # a warm-up must never stop the window
        log.warning("warm-up step %s failed", name, exc_info=True)
        report.failed[name] = f"{type(exc).__name__}: {exc}"
    report.steps[name] = (time.perf_counter() - start) * 1000
