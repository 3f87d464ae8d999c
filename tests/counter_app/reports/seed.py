"""A small, varied day of intake for report, dashboard and kiosk tests (through the real services)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from counter_app.auth import UserInfo, system_actor
from counter_app.domain import Role, SlipKind
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.ratings import RatingScore, RatingService

PASSWORD = "Mat-khau-2026!"


@dataclass
class Seeded:
    codes: list[str] = field(default_factory=list)
    returned_code: str = ""
    clerks: dict[str, UserInfo] = field(default_factory=dict)


def users(services: Any) -> dict[str, UserInfo]:
    """An admin and two clerks (the first account needs no admin)."""
    if services.auth.has_users():
        found = {}
        for name in ("admin", "an", "binh"):
            info = services.auth.authenticate(name, PASSWORD)
            if info is not None:
                found[name] = info
        return found
    admin = services.auth.create_user(
        "admin", "Lê Quản Trị", PASSWORD, Role.ADMIN, by=system_actor()
    )
    an = services.auth.create_user("an", "Nguyễn Văn An", PASSWORD, Role.CLERK, by=admin)
    binh = services.auth.create_user("binh", "Trần Thị Bình", PASSWORD, Role.SUPERVISOR, by=admin)
    return {"admin": admin, "an": an, "binh": binh}


PLAN: list[tuple[datetime, str, str | None, str]] = [
    (datetime(2026, 11, 20, 8, 15), "2.000908", "an", "Phạm Minh Tuấn"),
    (datetime(2026, 11, 26, 10, 5), "1.001193", "binh", "Hoàng Thị Lan"),
    (datetime(2026, 11, 27, 7, 35), "2.000908", "an", "Nguyễn Văn Đức"),
    (datetime(2026, 11, 27, 7, 50), "1.001193", "binh", "Lê Thị Hương"),
    (datetime(2026, 11, 27, 9, 10), "2.000815", "an", "Vũ Quang Huy"),
    (datetime(2026, 11, 27, 10, 40), "2.000908", "binh", "Đặng Thu Trang"),
    (datetime(2026, 11, 27, 14, 20), "1.001193", "an", "Bùi Xuân Long"),
    (datetime(2026, 11, 27, 15, 30), "2.000908", None, "Đỗ Ngọc Ánh"),
]


def seed(services: Any, clock: Any, *, offset: int = 0, end: datetime | None = None) -> Seeded:
    """Receive PLAN's dossiers at their times, then: a hand-back, a rating, two slips."""
    out = Seeded(clerks=users(services))
    for i, (at, procedure, clerk, name) in enumerate(PLAN):
        clock.now = at
        received = services.intake.receive(
            DossierDraft(
                procedure_code=procedure,
                applicant=ApplicantDraft(
                    name=name, id_number=f"0220900{offset + i:05d}", phone="0912345678"
                ),
            ),
            clerk=out.clerks[clerk] if clerk else system_actor(),
        )
        out.codes.append(received.code)
    clock.now = datetime(2026, 11, 27, 11, 0)
    # The 26/11 birth registration was ready and handed back this morning, then rated.
    services.dossiers.hand_back(out.codes[1], clerk=out.clerks["binh"], force=True)
    out.returned_code = out.codes[1]
    RatingService(services.db, clock=clock).rate(
        out.codes[1], RatingScore.VERY_SATISFIED, "Cán bộ nhiệt tình"
    )
    services.dossiers.issue_slip(
        SlipKind.SUPPLEMENT,
        procedure_code="2.000908",
        applicant={"name": "Đặng Thu Trang"},
        items=["Bản sao giấy tờ pháp lý của cá nhân"],
        reason="Thiếu bản sao",
        clerk=out.clerks["binh"],
        dossier_code=out.codes[5],
    )
    services.dossiers.issue_slip(
        SlipKind.REFUSAL,
        procedure_code="1.001193",
        applicant={"name": "Mai Văn Phúc"},
        items=[],
        reason="Không thuộc thẩm quyền",
        clerk=out.clerks["an"],
    )
    clock.now = end or datetime(2026, 11, 27, 16, 0)
    return out
