"""Centre settings and the calendar exceptions every counter on the database shares."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from counter_app.auth import system_actor
from counter_app.calendar import DayKind
from counter_app.centre import CentreConfig, unit_identifier
from counter_app.domain import PermissionDenied, Role
from counter_app.identity import InvalidValue

# Who the tests act as: the command line's system actor (an admin).
ACTOR = system_actor()


def test_setup_then_only_admin_changes_the_centre(services) -> None:  # type: ignore[no-untyped-def]
    assert not services.centre.load().configured
    # First-run setup: the first admin is created, then saves the centre.
    admin = services.auth.create_first_admin("admin", "Quản Trị", "matkhau123")
    saved = services.centre.save(
        CentreConfig(agency_identifier=" h49.22 ", place="Hạ  Long"), by=admin
    )
    assert saved.configured and saved.agency_identifier == "H49.22" and saved.place == "Hạ Long"
    with pytest.raises(InvalidValue):
        services.centre.save(replace(saved, agency_identifier="h49-22"), by=admin)
    clerk = services.auth.create_user("an", "Lê An", "matkhau123", Role.CLERK, by=admin)
    with pytest.raises(PermissionDenied):
        services.centre.save(saved, by=clerk)
    services.centre.save(replace(saved, place="Quảng Ninh"), by=admin)
    assert services.centre.load().place == "Quảng Ninh"


@pytest.mark.parametrize("ident", ["", "h49-22", "H49..22", "A" * 36, "H49 22"])
def test_agency_identifier_format(ident: str) -> None:
    with pytest.raises(InvalidValue, match="Mã định danh cơ quan"):
        CentreConfig(agency_identifier=ident).validated()


def test_unit_identifier() -> None:
    centre = CentreConfig(agency_identifier="000.00.00.H49")
    assert unit_identifier(centre, 3, "counter") == "000.00.00.H49.Q03"
    assert unit_identifier(centre, 3, "centre") == "000.00.00.H49"


def test_make_up_saturday_moves_the_appointment(services, clock) -> None:  # type: ignore[no-untyped-def]
    # Friday 21/8/2026 09:00 + 3 working days: National Day 31/8–2/9 is far; Sat 22/8 is làm bù.
    received = datetime(2026, 8, 21, 9, 0)
    before = services.intake.preview("2.000908", received)
    services.centre.set_exception(date(2026, 8, 22), DayKind.WORK, "Làm bù 2/9", by=ACTOR)
    services.reload_centre()
    after = services.intake.preview("2.000908", received)
    assert before is not None and before.at == datetime(2026, 8, 26, 9, 0)
    assert after is not None and after.at == datetime(2026, 8, 25, 9, 0)
    assert services.centre.exception_rows() == [(date(2026, 8, 22), DayKind.WORK, "Làm bù 2/9")]
    services.centre.set_exception(date(2026, 8, 22), None, by=ACTOR)
    assert services.centre.exceptions() == {}
