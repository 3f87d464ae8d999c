"""A clock that goes back mid-session stops code issuing in the window until the clerk confirms
it (issue 9, point 4)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtWidgets import QMessageBox

from counter_app.auth import system_actor
from counter_app.domain import Role
from counter_app.intake import ApplicantDraft, DossierDraft
from tests.ui.conftest import settle, type_text


def test_clock_behind_the_newest_receipt_asks_before_issuing(
    qtbot: Any, make_window: Any, ops: Any, services: Any, clock: Any
) -> None:
    services.guard.clock_confirmed = False  # the fixture confirms it for time-travelling tests
    services.intake.receive(
        DossierDraft(
            procedure_code="2.000908",
            applicant=ApplicantDraft(name="Trần Thị Thuỷ", id_number="022190012345"),
        ),
        clerk=system_actor(),
    )
    clock.now = clock.now - timedelta(hours=2)  # the PC's clock jumped back
    window = make_window(Role.CLERK)
    form = window.intake
    form.procedure.choose(services.catalog.get("2.000908"), picked=True)
    type_text(qtbot, form.name, "Lê Văn Tám")
    type_text(qtbot, form.id_number, "022080001236")
    settle(qtbot, ops)
    form.save()
    settle(qtbot, ops)
    box = form.clock_box
    assert isinstance(box, QMessageBox) and "chậm hơn hồ sơ mới nhất" in box.text()
    assert form.last_received is None  # no code was issued
    yes = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.YesRole)
    yes.click()
    assert services.guard.clock_confirmed
    form.save()
    settle(qtbot, ops)
    assert form.last_received is not None and form.last_received.code.endswith("-0002")
