"""The report's value types and their Vietnamese wording, shared by the dashboard and exports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from counter_app.domain import DossierStatus
from counter_app.ratings import RatingScore

NO_CLERK = "(không rõ cán bộ)"
NO_SECTOR = "(chưa phân lĩnh vực)"


def show_date(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def show_time(at: datetime | None) -> str:
    return f"{at:%H:%M %d/%m/%Y}" if at is not None else ""


@dataclass(frozen=True)
class Period:
    """A range of whole days, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(
                f"Khoảng ngày không hợp lệ: {show_date(self.start)} sau {show_date(self.end)}."
            )

    @classmethod
    def day(cls, day: date) -> Period:
        return cls(day, day)

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00, day after end 00:00): a half-open range the received_at index serves."""
        return datetime.combine(self.start, time.min), datetime.combine(
            self.end + timedelta(days=1), time.min
        )

    @property
    def is_single_day(self) -> bool:
        return self.start == self.end

    @property
    def label(self) -> str:
        if self.is_single_day:
            return f"ngày {show_date(self.start)}"
        return f"từ ngày {show_date(self.start)} đến ngày {show_date(self.end)}"

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class ReportScope:
    """Which counters the figures cover: the whole centre on a shared database, else this one."""

    all_counters: bool
    counter_no: int

    @property
    def label(self) -> str:
        if self.all_counters:
            return "Toàn trung tâm (tất cả các quầy dùng chung CSDL)"
        return f"Chỉ quầy số {self.counter_no} (máy quầy độc lập, không gồm các quầy khác)"


@dataclass(frozen=True)
class ProcedureCount:
    code: str
    name: str
    sector: str
    count: int


@dataclass(frozen=True)
class RatingSummary:
    counts: dict[RatingScore, int]
    with_comment: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def satisfied_pct(self) -> float | None:
        """Share of "satisfied" or "very satisfied" answers, in percent; None without ratings."""
        if not self.total:
            return None
        good = self.counts.get(RatingScore.SATISFIED, 0) + self.counts.get(
            RatingScore.VERY_SATISFIED, 0
        )
        return round(100.0 * good / self.total, 1)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {s.key: self.counts.get(s, 0) for s in reversed(RatingScore)}
        data["total"] = self.total
        data["with_comment"] = self.with_comment
        data["satisfied_pct"] = self.satisfied_pct
        return data


@dataclass(frozen=True)
class DayReport:
    """Every figure of the supervisor's report for one period."""

    period: Period
    scope: ReportScope
    generated_at: datetime
    as_of: datetime
    due_day: date
    total: int
    by_procedure: tuple[ProcedureCount, ...]
    by_sector: dict[str, int]
    by_counter: dict[int, int]
    by_clerk: dict[str, int]
    by_hour: dict[int, int]
    by_day: dict[date, int]
    by_status: dict[DossierStatus, int]
    overdue: int
    due_today: int
    supplement_requests: int
    refusals: int
    ratings: RatingSummary
    pending_sync: int
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of `counter-app report --json` (keys are part of the contract)."""
        return {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "total": self.total,
            "by_procedure": {p.code: p.count for p in self.by_procedure},
            "by_counter": {str(k): v for k, v in self.by_counter.items()},
            "by_hour": {f"{h:02d}": n for h, n in self.by_hour.items()},
            "overdue": self.overdue,
            "due_today": self.due_today,
            "supplement_requests": self.supplement_requests,
            "refusals": self.refusals,
            "ratings": self.ratings.to_json(),
            "by_sector": dict(self.by_sector),
            "by_clerk": dict(self.by_clerk),
            "by_day": {d.isoformat(): n for d, n in self.by_day.items()},
            "by_status": {str(int(s)): n for s, n in self.by_status.items()},
            "pending_sync": self.pending_sync,
            "due_day": self.due_day.isoformat(),
            "as_of": self.as_of.isoformat(),
            "scope": "centre" if self.scope.all_counters else "counter",
            "scope_label": self.scope.label,
            "counter_no": None if self.scope.all_counters else self.scope.counter_no,
            "procedures": {p.code: {"name": p.name, "sector": p.sector} for p in self.by_procedure},
            "generated_at": self.generated_at.isoformat(),
        }


class Figure(StrEnum):
    """A figure the supervisor can drill into; `key` narrows it (a procedure code, an hour...)."""

    TOTAL = "total"
    PROCEDURE = "procedure"
    SECTOR = "sector"
    COUNTER = "counter"
    CLERK = "clerk"
    HOUR = "hour"
    DAY = "day"
    STATUS = "status"
    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    SUPPLEMENT = "supplement"
    REFUSAL = "refusal"
    RATINGS = "ratings"
    PENDING_SYNC = "pending_sync"


@dataclass(frozen=True)
class DrillList:
    """The rows behind one figure, ready to show: Vietnamese headers, text cells."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    codes: tuple[str | None, ...]
    truncated: bool = False


@dataclass(frozen=True)
class RegisterLine:
    """One line of the register "Sổ theo dõi hồ sơ"."""

    number: int  # the entry's number in its book, as on the receipt (dossier_codes.register_key)
    code: str
    procedure_name: str
    dossier_sets: int
    applicant_name: str
    contact: str
    received_at: datetime
    appointment_at: datetime
    handed_back_at: datetime | None
    status: DossierStatus
    counter_no: int
    clerk_name: str
    notes: str
    transferred_at: datetime | None = None  # first sent for processing (status 4)
    result_received_at: datetime | None = None  # result came back from processing (status 9)
    book: str = ""  # the book's name as on the receipt, "12/2026-Q01"


@dataclass(frozen=True)
class Letterhead:
    """Who the report is from, as printed at the top of exports."""

    parent_agency_name: str = ""
    agency_name: str = ""
    place: str = ""

    @classmethod
    def of(cls, services: Any) -> Letterhead:
        """From a `CounterServices`' centre settings (duck-typed)."""
        cfg = services.centre_config()
        return cls(cfg.parent_agency_name, cfg.agency_name, cfg.place)


def summary_rows(report: DayReport) -> list[tuple[Figure, str, int]]:
    """The headline figures, labelled in Vietnamese, in the order every export shows them."""
    return [
        (Figure.TOTAL, "Tổng số hồ sơ tiếp nhận", report.total),
        (Figure.SUPPLEMENT, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", report.supplement_requests),
        (Figure.REFUSAL, "Phiếu từ chối tiếp nhận", report.refusals),
        (
            Figure.OVERDUE,
            f"Hồ sơ quá hạn, chưa xong (tính đến {show_time(report.as_of)})",
            report.overdue,
        ),
        (
            Figure.DUE_TODAY,
            f"Hồ sơ đến hạn trả ngày {show_date(report.due_day)}, chưa xong",
            report.due_today,
        ),
        (Figure.PENDING_SYNC, "Thay đổi chờ đồng bộ lên máy chủ tỉnh", report.pending_sync),
        (Figure.RATINGS, "Lượt đánh giá của người dân", report.ratings.total),
    ]


def show_pct(value: float | None) -> str:
    """A percentage the Vietnamese way (decimal comma), or a dash."""
    return f"{value:.1f}%".replace(".", ",") if value is not None else "—"


#: Columns of Mẫu 07 "Sổ theo dõi hồ sơ" (Thông tư 03/2025/TT-VPCP, Phụ lục I). The form's own
#: column list could not be read; these follow the register of Thông tư 01/2018/TT-VPCP (Mẫu 06),
#: see resources/forms/SOURCES.md.
REGISTER_COLUMNS: tuple[str, ...] = (
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Số lượng hồ sơ (bộ)",
    "Tên người nộp hồ sơ",
    "Địa chỉ, số điện thoại",
    "Cơ quan chủ trì giải quyết",
    "Nhận hồ sơ",
    "Hẹn trả kết quả",
    "Chuyển hồ sơ đến cơ quan giải quyết",
    "Nhận kết quả từ cơ quan giải quyết",
    "Trả kết quả cho tổ chức, cá nhân",
    "Ký nhận",
    "Ghi chú",
)
#: The date columns, grouped under "Ngày, tháng, năm" on the form.
REGISTER_DATE_COLUMNS = (7, 8, 9, 10, 11)


def register_books(lines: Sequence[RegisterLine]) -> str:
    """The books the lines belong to, for the register's heading: a line's book is the month of
    its "Nhận hồ sơ" and the counter in its code, so each STT reads as on the receipt."""
    books = list(dict.fromkeys(line.book for line in lines if line.book))
    if not books:
        return ""
    return "Quyển số (theo tháng nhận hồ sơ): " + ", ".join(books)


def register_note(line: RegisterLine) -> str:
    """The register's note: the status when it is not what the dates already say, then notes."""
    quiet = (DossierStatus.RECEIVED, DossierStatus.RETURNED)
    status_note = "" if line.status in quiet else line.status.label
    return "; ".join(x for x in (status_note, line.notes) if x)


def register_row(line: RegisterLine) -> tuple[str, ...]:
    """One register line as the form's cells (dates as "HH:MM dd/mm/yyyy"): PDF and XLSX alike.

    The lead agency and the signature are left blank: the counter does not know the first and
    the second is written by hand on the printed book.
    """

    def at(moment: datetime | None) -> str:
        return f"{moment:%H:%M %d/%m/%Y}" if moment is not None else ""

    return (
        str(line.number) if line.number else "",
        line.code,
        line.procedure_name,
        str(line.dossier_sets),
        line.applicant_name,
        line.contact,
        "",
        at(line.received_at),
        at(line.appointment_at),
        at(line.transferred_at),
        at(line.result_received_at),
        at(line.handed_back_at),
        "",
        register_note(line),
    )
