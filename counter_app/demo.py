"""A throwaway demo database: bundled catalog, demo accounts and a few dossiers (`--demo`).

Everything goes through the core services, exactly as the counter would write it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from counter_app.auth import UserInfo
from counter_app.bench import names
from counter_app.calendar import WorkingCalendar
from counter_app.centre import CentreConfig
from counter_app.domain import Role, SlipKind
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.services import CounterServices

#: Demo accounts (username, full name, password, role); README lists the same.
DEMO_USERS: tuple[tuple[str, str, str, Role], ...] = (
    ("quantri", "Nguyễn Quản Trị", "quantri123", Role.ADMIN),
    ("giamsat", "Trần Thị Giám Sát", "giamsat123", Role.SUPERVISOR),
    ("canbo", "Lê Thu Hà", "canbo1234", Role.CLERK),
)

# Frequent procedures at a commune-level counter; the demo spreads its dossiers over them.
_DEMO_PROCEDURES = ("1.001193", "2.000815", "1.004194", "1.000894", "2.000635", "1.004222")


@dataclass(frozen=True)
class DemoInfo:
    users: tuple[tuple[str, str, Role], ...]
    dossier_codes: tuple[str, ...]


def build_demo(services: CounterServices, *, dossiers: int = 12, seed: int = 2026) -> DemoInfo:
    """Fill an empty database with the demo centre, users and dossiers; returns what it made."""
    services.init()
    created: dict[Role, UserInfo] = {}
    admin: UserInfo | None = None
    for username, full_name, password, role in DEMO_USERS:
        if admin is None:  # the first demo account is the setup admin
            assert role is Role.ADMIN
            created[role] = admin = services.auth.create_first_admin(username, full_name, password)
        else:
            created[role] = services.auth.create_user(username, full_name, password, role, by=admin)
    assert admin is not None
    services.centre.save(CentreConfig(configured=True), by=admin)
    services.reload_centre()
    clerk = created[Role.CLERK]
    rng = random.Random(seed)
    known = {p.code for p in services.catalog.all()}
    procedures = [c for c in _DEMO_PROCEDURES if c in known] or sorted(known)[:3]
    calendar = services.calendar()
    now = services.clock().replace(microsecond=0)
    codes: list[str] = []
    for i in range(dossiers):
        # Earlier dossiers on previous working days, the last few today before now.
        received = _working_moment(
            calendar, now, days_back=max(0, (dossiers - i - 1) // 3), rng=rng
        )
        name, female = names.person(rng)
        draft = DossierDraft(
            procedure_code=procedures[i % len(procedures)],
            applicant=ApplicantDraft(
                name=name,
                id_number=names.citizen_id(rng, female, i),
                phone=names.phone(rng),
                address=names.address(rng) + ", Quảng Ninh",
            ),
            received_at=received,
        )
        codes.append(services.intake.receive(draft, clerk=clerk).code)
    if codes:
        # One dossier already handed back (the clerk confirmed the warning) and one supplement slip.
        services.dossiers.hand_back(codes[0], clerk=clerk, note="Dữ liệu minh họa", force=True)
    if len(codes) > 1:
        detail = services.dossiers.detail(codes[1], by=clerk)
        if detail is not None:
            services.dossiers.issue_slip(
                SlipKind.SUPPLEMENT,
                procedure_code=detail.row.procedure_code,
                applicant=detail.applicant,
                items=[detail.papers[0].name] if detail.papers else ["Giấy tờ minh họa"],
                reason="Bản sao chưa chứng thực.",
                clerk=clerk,
                dossier_code=codes[1],
            )
    return DemoInfo(
        users=tuple((u, p, r) for u, _, p, r in DEMO_USERS),
        dossier_codes=tuple(codes),
    )


def _working_moment(
    calendar: WorkingCalendar, now: datetime, *, days_back: int, rng: random.Random
) -> datetime:
    """A plausible receiving time `days_back` working days ago, never after `now`."""
    day = now.date()
    back = days_back
    while back > 0 or not calendar.is_working_day(day):
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            back -= 1
    # Within the opening sessions of that day, and before now when it is today.
    sessions = [(s, min(e, now)) for s, e in calendar.sessions_on(day) if s < now]
    if not sessions:
        return now
    start, end = rng.choice(sessions)
    span = max(0, int((end - start).total_seconds()) - 60)
    return start + timedelta(seconds=rng.randint(0, span))
