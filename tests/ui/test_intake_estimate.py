"""The intake form warns, beside the live appointment, when it was counted over a year whose
days off are not announced yet (the estimated Tết and 2/9 days of `counter_app.calendar`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from counter_app.domain import Role
from tests.ui.conftest import settle, type_text


def test_appointment_over_an_unannounced_year_shows_a_warning(
    qtbot: Any, make_window: Any, ops: Any, services: Any, clock: Any
) -> None:
    services.load_bundled_calendar()  # 2025 and 2026 announced, as `init` and the window do
    window = make_window(Role.CLERK)
    form = window.intake
    # Friday 27/11/2026, 3 working days: Wednesday 02/12/2026, wholly within 2026: no warning.
    form.procedure.choose(services.catalog.get("2.000908"), picked=True)
    settle(qtbot, ops)
    assert form.appointment.text() == "Hẹn trả kết quả: 09:00 ngày 02/12/2026"
    assert form.appointment_estimate.isHidden() and form.appointment_estimate.text() == ""

    # Tuesday 29/12/2026: 3 working days reach Monday 04/01/2027, a year without an announcement.
    clock.now = datetime(2026, 12, 29, 9, 0)
    form.procedure.choose(None)
    form.procedure.choose(services.catalog.get("2.000908"), picked=True)
    settle(qtbot, ops)
    assert form.appointment.text() == "Hẹn trả kết quả: 09:00 ngày 04/01/2027"
    warning = form.appointment_estimate
    assert not warning.isHidden()
    assert warning.text() == (
        "Lưu ý: ngày hẹn tính theo lịch nghỉ ước tính năm 2027 "
        "(chưa có thông báo chính thức), có thể thay đổi."
    )
    assert "\n" not in warning.text() and not warning.wordWrap()  # one line

    # Saved: the code line says the appointment is an estimate; the form empties, warning too.
    type_text(qtbot, form.name, "Lê Văn Tám")
    type_text(qtbot, form.id_number, "022080001236")
    form.save()
    settle(qtbot, ops)
    received = form.last_received
    assert received is not None and received.estimated_years == (2027,)
    assert form.code_label.text().endswith("(lịch nghỉ ước tính)")
    assert form.procedure.current is None and form.appointment_estimate.isHidden()
