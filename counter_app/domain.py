"""Domain vocabulary shared by every part: statuses, channels, roles, Vietnamese labels."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from enum import IntEnum, StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from counter_app.errors import UserError

TIMEZONE_NAME = "Asia/Ho_Chi_Minh"


def _vietnam_tz() -> tzinfo:
    """Vietnam's zone from the system database or, on Windows (which has none), `tzdata`.

    Vietnam has kept UTC+7 without daylight saving since 1975, so if neither is present (a broken
    install) a fixed offset gives the same wall time instead of a start-up crash.
    """
    try:
        return ZoneInfo(TIMEZONE_NAME)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return timezone(timedelta(hours=7), "ICT")


TIMEZONE = _vietnam_tz()


def local_now() -> datetime:
    """Naive local wall time in Vietnam: the clock every rule and receipt speaks."""
    return datetime.now(TIMEZONE).replace(tzinfo=None, microsecond=0)


class DossierStatus(IntEnum):
    """Status codes used by provincial systems and the national portal (DOMAIN.md)."""

    REGISTERED = 1
    RECEIVED = 2
    REFUSED = 3
    PROCESSING = 4
    SUPPLEMENT_REQUESTED = 5
    PAYMENT_REQUESTED = 6
    WITHDRAWN = 7
    STOPPED = 8
    RESULT_READY = 9
    RETURNED = 10

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def citizen_text(self) -> str:
        """What the status means in plain words for the citizen at the kiosk."""
        return _STATUS_PLAIN[self]


#: The status intake creates a dossier in (an online dossier accepted at the counter goes through
#: intake too): the only status the server accepts in a dossier's first version.
INTAKE_STATUS = DossierStatus.RECEIVED


_STATUS_LABELS = {
    DossierStatus.REGISTERED: "Mới đăng ký",
    DossierStatus.RECEIVED: "Được tiếp nhận",
    DossierStatus.REFUSED: "Không được tiếp nhận",
    DossierStatus.PROCESSING: "Đang xử lý",
    DossierStatus.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung giấy tờ",
    DossierStatus.PAYMENT_REQUESTED: "Yêu cầu thực hiện nghĩa vụ tài chính",
    DossierStatus.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    DossierStatus.STOPPED: "Dừng xử lý",
    DossierStatus.RESULT_READY: "Đã xử lý xong",
    DossierStatus.RETURNED: "Đã trả kết quả",
}

_STATUS_PLAIN = {
    DossierStatus.REGISTERED: "Hồ sơ đã được đăng ký, đang chờ tiếp nhận.",
    DossierStatus.RECEIVED: "Hồ sơ đã được tiếp nhận và đang chờ chuyển xử lý.",
    DossierStatus.REFUSED: "Hồ sơ không được tiếp nhận.",
    DossierStatus.PROCESSING: "Hồ sơ đang được cơ quan có thẩm quyền giải quyết.",
    DossierStatus.SUPPLEMENT_REQUESTED: (
        "Hồ sơ cần bổ sung giấy tờ. Vui lòng liên hệ quầy tiếp nhận."
    ),
    DossierStatus.PAYMENT_REQUESTED: "Hồ sơ cần thực hiện nghĩa vụ tài chính (nộp thuế, phí).",
    DossierStatus.WITHDRAWN: "Hồ sơ đã được rút theo yêu cầu của người nộp.",
    DossierStatus.STOPPED: "Hồ sơ đã dừng xử lý.",
    DossierStatus.RESULT_READY: "Đã có kết quả. Mời ông/bà đến nhận kết quả.",
    DossierStatus.RETURNED: "Kết quả đã được trả cho người nộp.",
}

#: Dossiers still being worked on: the only ones that can be overdue, extended or stopped.
#: Refused (3), withdrawn (7) and stopped (8) dossiers are closed without a result; 1 is not
#: received yet. "Overdue" = one of these and past its current appointment (issue 11).
OPEN_STATUSES = frozenset(
    {
        DossierStatus.RECEIVED,
        DossierStatus.PROCESSING,
        DossierStatus.SUPPLEMENT_REQUESTED,
        DossierStatus.PAYMENT_REQUESTED,
    }
)


def is_overdue(status: int, appointment_at: datetime, now: datetime) -> bool:
    """The one definition of "overdue" (SQL form: `dossiers.overdue_filter`)."""
    return status in OPEN_STATUSES and appointment_at < now


_OPEN_MOVES = frozenset(
    {
        DossierStatus.PROCESSING,
        DossierStatus.SUPPLEMENT_REQUESTED,
        DossierStatus.PAYMENT_REQUESTED,
        DossierStatus.WITHDRAWN,
        DossierStatus.STOPPED,
        DossierStatus.RESULT_READY,
    }
)

#: Which status may follow which: the one table every service obeys (the UI only asks it).
TRANSITIONS: dict[DossierStatus, frozenset[DossierStatus]] = {
    DossierStatus.REGISTERED: frozenset(
        {DossierStatus.RECEIVED, DossierStatus.REFUSED, DossierStatus.WITHDRAWN}
    ),
    DossierStatus.RECEIVED: _OPEN_MOVES,
    DossierStatus.PROCESSING: _OPEN_MOVES - {DossierStatus.PROCESSING},
    # A supplement or payment done, the dossier goes back to processing.
    DossierStatus.SUPPLEMENT_REQUESTED: _OPEN_MOVES,  # a new request may replace the last one
    DossierStatus.PAYMENT_REQUESTED: _OPEN_MOVES - {DossierStatus.PAYMENT_REQUESTED},
    # The result is ready: it is handed back, or the back office takes it back to rework it.
    DossierStatus.RESULT_READY: frozenset({DossierStatus.RETURNED, DossierStatus.PROCESSING}),
    DossierStatus.REFUSED: frozenset(),
    DossierStatus.WITHDRAWN: frozenset(),
    DossierStatus.STOPPED: frozenset(),
    DossierStatus.RETURNED: frozenset(),
}

#: A hand-back the clerk confirmed although the counter has not heard the result is ready (the
#: back office's status may not have synced): allowed from an open dossier only.
FORCED_HAND_BACK_FROM = OPEN_STATUSES


class TransitionRefused(UserError, ValueError):
    """A status change the table does not allow; str(exc) is Vietnamese and names both statuses."""


def can_move(current: int, new: int) -> bool:
    """Whether a dossier at `current` may move to `new`."""
    return DossierStatus(new) in TRANSITIONS[DossierStatus(current)]


def check_move(code: str, current: int, new: int) -> None:
    """Raise TransitionRefused unless the table allows `current` → `new`."""
    if not can_move(current, new):
        old, target = DossierStatus(current), DossierStatus(new)
        raise TransitionRefused(
            f"Hồ sơ {code} đang ở trạng thái «{old.label}»: không thể chuyển sang «{target.label}»."
        )


def can_change_appointment(status: int) -> bool:
    """Only an open dossier gets a new appointment (Mẫu 04)."""
    return status in OPEN_STATUSES


class Channel(IntEnum):
    """Kênh thực hiện."""

    IN_PERSON = 1
    ONLINE = 2
    POSTAL = 3

    @property
    def label(self) -> str:
        return {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính công ích"}[self.value]


class ApplicantKind(IntEnum):
    """Loại đối tượng."""

    CITIZEN = 1
    ENTERPRISE = 2
    STATE_AGENCY = 3
    OTHER_ORGANISATION = 4

    @property
    def label(self) -> str:
        return {1: "Công dân", 2: "Doanh nghiệp", 3: "Cơ quan nhà nước", 4: "Tổ chức khác"}[
            self.value
        ]

    @property
    def is_person(self) -> bool:
        return self is ApplicantKind.CITIZEN


class ResultDelivery(StrEnum):
    """Where the citizen gets the result."""

    COUNTER = "counter"
    POST = "post"

    @property
    def label(self) -> str:
        return {"counter": "Tại quầy", "post": "Qua bưu chính công ích"}[self.value]


class Role(StrEnum):
    """What a signed-in user may do; each role includes the ones before it."""

    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"clerk": "Cán bộ tiếp nhận", "supervisor": "Giám sát", "admin": "Quản trị"}[
            self.value
        ]


class Permission(StrEnum):
    """Actions the core checks before doing them."""

    RECEIVE = "receive"
    HAND_BACK = "hand_back"
    ISSUE_SLIP = "issue_slip"
    # Reading dossiers with their applicants' personal data (detail, search, receipts).
    VIEW_DOSSIERS = "view_dossiers"
    # The daily safety copy; restoring one is MANAGE_BACKUPS.
    BACKUP = "backup"
    VIEW_DASHBOARD = "view_dashboard"
    MANAGE_USERS = "manage_users"
    MANAGE_CENTRE = "manage_centre"
    MANAGE_CALENDAR = "manage_calendar"
    MANAGE_BACKUPS = "manage_backups"
    # Files that carry every applicant's full ID number (the national-portal export).
    EXPORT_PERSONAL_DATA = "export_personal_data"


_CLERK_PERMISSIONS = frozenset(
    {
        Permission.RECEIVE,
        Permission.HAND_BACK,
        Permission.ISSUE_SLIP,
        Permission.VIEW_DOSSIERS,
        Permission.BACKUP,
    }
)
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLERK: _CLERK_PERMISSIONS,
    Role.SUPERVISOR: _CLERK_PERMISSIONS | {Permission.VIEW_DASHBOARD},
    Role.ADMIN: frozenset(Permission),
}


class PermissionDenied(UserError, PermissionError):
    """The signed-in user's role does not allow this; str(exc) is Vietnamese."""


class SlipKind(StrEnum):
    SUPPLEMENT = "supplement"
    REFUSAL = "refusal"

    @property
    def label(self) -> str:
        return {
            "supplement": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            "refusal": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
        }[self.value]
