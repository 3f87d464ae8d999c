"""Queue vocabulary: ticket states, service areas, priority categories and the errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from counter_app.errors import UserError


class QueueError(UserError):
    """A queue request cannot be done as asked; str(exc) is Vietnamese."""


class TicketState(StrEnum):
    """waiting → called → serving → done, or skipped when the citizen does not come."""

    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    SKIPPED = "skipped"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    TicketState.WAITING: "Đang chờ",
    TicketState.CALLED: "Đã gọi",
    TicketState.SERVING: "Đang phục vụ",
    TicketState.DONE: "Đã xong",
    TicketState.SKIPPED: "Vắng mặt",
}

ACTIVE_STATES = (TicketState.CALLED.value, TicketState.SERVING.value)

ROLES = ("kiosk", "counter", "board")

#: Who may do what: kiosks issue, counters call and close, boards (and everyone) read.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "kiosk": frozenset({"read", "issue"}),
    "counter": frozenset({"read", "issue", "serve"}),
    "board": frozenset({"read"}),
}

#: Who is served first (Luật Người cao tuổi, Luật Người khuyết tật: priority at public services).
DEFAULT_PRIORITY_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("elderly", "Người cao tuổi"),
    ("disabled", "Người khuyết tật"),
    ("pregnant", "Phụ nữ mang thai"),
    ("small_child", "Người đi cùng trẻ nhỏ dưới 36 tháng"),
)

DEFAULT_SENTENCE = "Mời công dân có số thứ tự {number} đến quầy số {counter}"

_PREFIX = re.compile(r"^[A-Z]{1,2}$")
_AREA = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


@dataclass(frozen=True)
class ServiceArea:
    """A group of procedures with its own ticket numbers (prefix) and the counters serving it."""

    area: str
    name: str
    prefix: str
    counters: tuple[int, ...]
    sectors: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not _AREA.match(self.area):
            raise QueueError(f"Mã khu vực «{self.area}» không hợp lệ (chữ, số, tối đa 16 ký tự).")
        if not _PREFIX.match(self.prefix):
            raise QueueError(f"Tiền tố số «{self.prefix}» phải là 1–2 chữ cái in hoa.")
        if not self.name.strip():
            raise QueueError("Tên khu vực không được để trống.")
        if any(c < 1 or c > 999 for c in self.counters):
            raise QueueError("Số quầy phải từ 1 đến 999.")

    def to_json(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "name": self.name,
            "prefix": self.prefix,
            "counters": list(self.counters),
        }


# Default areas: the catalog's sectors grouped as a provincial centre's hall usually is. Any
# sector not named here falls into the last area; `queue area set` changes all of it.
DEFAULT_AREAS: tuple[ServiceArea, ...] = (
    ServiceArea("A", "Hộ tịch, chứng thực", "A", (1, 2, 3), ("Hộ tịch", "Chứng thực")),
    ServiceArea("B", "Cư trú", "B", (4, 5, 6), ("Đăng ký, quản lý cư trú",)),
    ServiceArea("C", "Đất đai, xây dựng", "C", (7, 8), ("Đất đai", "Hoạt động xây dựng")),
    ServiceArea(
        "D",
        "Doanh nghiệp, hộ kinh doanh",
        "D",
        (9, 10),
        (
            "Thành lập và hoạt động doanh nghiệp (hộ kinh doanh)",
            "Thành lập và hoạt động của doanh nghiệp",
        ),
    ),
    ServiceArea("E", "Lĩnh vực khác", "E", (11, 12), ("*",)),
)


def ticket_number(prefix: str, seq: int) -> str:
    """A001 … A999, then A1000: at least three digits, never truncated."""
    return f"{prefix}{seq:03d}"


def spoken_number(number: str) -> str:
    """What the voice says: the letters, then the number without leading zeros ("A 12")."""
    match = re.match(r"^([A-Z]*)0*(\d+)$", number)
    if not match:
        return number
    letters, digits = match.groups()
    return f"{' '.join(letters)} {digits}".strip()


@dataclass(frozen=True)
class Ticket:
    """One ticket as clients see it."""

    number: str
    area: str
    day: date
    state: TicketState
    priority: bool
    category: str
    issued_at: datetime
    called_at: datetime | None
    done_at: datetime | None
    counter: int | None
    calls: int
    dossier_code: str
    procedure_code: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "area": self.area,
            "day": self.day.isoformat(),
            "state": self.state.value,
            "priority": self.priority,
            "category": self.category,
            "issued_at": self.issued_at.isoformat(),
            "called_at": self.called_at.isoformat() if self.called_at else None,
            "done_at": self.done_at.isoformat() if self.done_at else None,
            "counter": self.counter,
            "calls": self.calls,
            "dossier_code": self.dossier_code,
            "procedure_code": self.procedure_code,
        }
