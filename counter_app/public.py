"""What anyone holding a receipt may see about its dossier: one projection for the kiosk, the
server's public JSON lookup and the citizen's page at `/tra-cuu/<code>`.

Callers gather plain facts (the counter from its ORM rows, the server from its tables) and this
module alone decides what of them is public: the masked name only with the verification value,
never an ID number, address, phone, note or clerk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from counter_app.domain import TIMEZONE, DossierStatus, ResultDelivery
from counter_app.identity import mask_name, normalize_text

#: The appointment-change reason as shown publicly is cut to this length (the brief's contract
#: says "length-limited"; the counter's own limit may be larger).
MAX_REASON = 500
#: At most this many steps and changes are shown: a page must stay small whatever the history.
MAX_STEPS = 50
APPOINTMENT_CHANGE_KEY = "appointment_change"

COLLECT_BY_POST = "Kết quả được gửi qua dịch vụ bưu chính công ích đến địa chỉ đã đăng ký."
_BRING_DEFAULT = (
    "Mang theo giấy tiếp nhận hồ sơ và hẹn trả kết quả, căn cước/CCCD của người nộp "
    "(hoặc giấy ủy quyền nếu nhận thay)."
)
_BRING = {
    DossierStatus.SUPPLEMENT_REQUESTED: (
        "Mang theo giấy tiếp nhận và các giấy tờ cần bổ sung theo phiếu yêu cầu."
    ),
    DossierStatus.PAYMENT_REQUESTED: (
        "Mang theo giấy tiếp nhận và thông báo nộp nghĩa vụ tài chính."
    ),
}
#: Statuses after which nobody needs to come and collect anything.
_NOTHING_TO_COLLECT = frozenset(
    {
        DossierStatus.REFUSED,
        DossierStatus.WITHDRAWN,
        DossierStatus.STOPPED,
        DossierStatus.RETURNED,
    }
)


@dataclass(frozen=True)
class TimelineStep:
    """One step of the dossier's way, in the status vocabulary, with when it happened."""

    status: DossierStatus
    at: datetime

    @property
    def label(self) -> str:
        return self.status.label

    def to_json(self) -> dict[str, Any]:
        return {"status": int(self.status), "label": self.label, "at": self.at.isoformat()}


@dataclass(frozen=True)
class AppointmentChange:
    """A moved appointment (Mẫu 04): from when to when, why, and whether an apology was issued."""

    previous: datetime
    new: datetime
    reason: str
    apology: bool
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "previous": self.previous.isoformat(),
            "new": self.new.isoformat(),
            "reason": self.reason,
            "apology": self.apology,
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True)
class PublicEvent:
    """The public part of one stored dossier event: its status, time and appointment change."""

    status: int
    at: datetime
    appointment_change: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class PublicDossier:
    """What anyone holding the receipt may see (kiosk, QR link, public API): nothing personal.

    `masked_name` is empty unless the verification value was given (`verified`).
    """

    code: str
    procedure_name: str
    masked_name: str
    status: DossierStatus
    status_text: str
    appointment_at: datetime
    result_ready: bool
    collect_at: str
    what_to_bring: str
    timeline: tuple[TimelineStep, ...] = ()
    appointment_changes: tuple[AppointmentChange, ...] = ()
    verified: bool = False

    @property
    def to_collect(self) -> bool:
        """Whether the citizen still has to come (or wait for the post) for something."""
        return self.status not in _NOTHING_TO_COLLECT

    @property
    def apology_issued(self) -> bool:
        return any(c.apology for c in self.appointment_changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "procedure": self.procedure_name,
            "applicant": self.masked_name,
            "status": int(self.status),
            "status_label": self.status.label,
            "status_text": self.status_text,
            "appointment": self.appointment_at.isoformat(),
            "result_ready": self.result_ready,
            "collect_at": self.collect_at,
            "what_to_bring": self.what_to_bring,
            "verified": self.verified,
            "timeline": [step.to_json() for step in self.timeline],
            "appointment_changes": [c.to_json() for c in self.appointment_changes],
            "apology_issued": self.apology_issued,
        }


def _naive_local(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and len(value) <= 40:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(TIMEZONE).replace(tzinfo=None)
    return parsed


def parse_appointment_change(raw: Any, at: datetime) -> AppointmentChange | None:
    """The brief's `appointment_change` object as stored with an event; None unless well-formed."""
    if not isinstance(raw, Mapping):
        return None
    previous, new = _naive_local(raw.get("previous")), _naive_local(raw.get("new"))
    if previous is None or new is None:
        return None
    reason = raw.get("reason", "")
    if not isinstance(reason, str):
        return None
    # normalize_text drops control and bidi characters; a long reason is cut, not refused: the
    # record is already stored, the page only shows it.
    clean = normalize_text(reason[: MAX_REASON * 2], multiline=True)[:MAX_REASON]
    return AppointmentChange(previous, new, clean, raw.get("apology") is True, at)


def lists_from_json(
    data: Mapping[str, Any],
) -> tuple[tuple[TimelineStep, ...], tuple[AppointmentChange, ...]]:
    """The timeline and appointment changes of a public view's JSON (`to_json`); junk is dropped.

    For the kiosk, which shows what the provincial server's lookup answered.
    """
    steps: list[TimelineStep] = []
    raw_steps = data.get("timeline")
    for raw in raw_steps[:MAX_STEPS] if isinstance(raw_steps, list) else ():
        at = _naive_local(raw.get("at")) if isinstance(raw, Mapping) else None
        try:
            status = DossierStatus(int(raw["status"])) if at is not None else None
        except (KeyError, TypeError, ValueError):
            status = None
        if at is not None and status is not None:
            steps.append(TimelineStep(status, at))
    changes: list[AppointmentChange] = []
    raw_changes = data.get("appointment_changes")
    for raw in raw_changes[:MAX_STEPS] if isinstance(raw_changes, list) else ():
        at = _naive_local(raw.get("at")) if isinstance(raw, Mapping) else None
        change = parse_appointment_change(raw, at) if at is not None else None
        if change is not None:
            changes.append(change)
    return tuple(steps), tuple(changes)


def public_view(
    *,
    code: str,
    procedure_name: str,
    applicant_name: str,
    status: int,
    appointment_at: datetime,
    result_delivery: str,
    counter_label: str = "",
    events: Iterable[PublicEvent] = (),
    verified: bool,
) -> PublicDossier:
    """The public face of a dossier: one place for the kiosk, the QR page and the server API.

    `events` in the order they happened; a step repeating the current one (an appointment change
    keeps the status) is not a new step.
    """
    state = DossierStatus(status)
    if result_delivery == ResultDelivery.POST.value:
        collect = COLLECT_BY_POST
    else:
        collect = "Tại Bộ phận tiếp nhận và trả kết quả" + (
            f", {counter_label}" if counter_label else ""
        )
    steps: list[TimelineStep] = []
    changes: list[AppointmentChange] = []
    for event in sorted(events, key=lambda e: e.at):
        try:
            step_status = DossierStatus(event.status)
        except ValueError:
            continue
        if not steps or steps[-1].status is not step_status:
            steps.append(TimelineStep(step_status, event.at))
        change = parse_appointment_change(event.appointment_change, event.at)
        if change is not None:
            changes.append(change)
    return PublicDossier(
        code=code,
        procedure_name=normalize_text(procedure_name),
        masked_name=mask_name(applicant_name) if verified else "",
        status=state,
        status_text=state.citizen_text,
        appointment_at=appointment_at,
        result_ready=state is DossierStatus.RESULT_READY,
        collect_at=collect,
        what_to_bring=_BRING.get(state, _BRING_DEFAULT),
        timeline=tuple(steps[-MAX_STEPS:]),
        appointment_changes=tuple(changes[-MAX_STEPS:]),
        verified=verified,
    )


__all__ = [
    "APPOINTMENT_CHANGE_KEY",
    "AppointmentChange",
    "PublicDossier",
    "PublicEvent",
    "TimelineStep",
    "lists_from_json",
    "parse_appointment_change",
    "public_view",
]
