"""The window's warm-up: off the UI thread, finished, writing nothing, never in a save's way."""

from __future__ import annotations

import gc
import logging
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from counter_app import warmup
from counter_app.db.models import Base, CodeSequence
from counter_app.domain import Role
from counter_app.drafts import IntakeDraftState
from tests.helpers.cli import draft
from tests.ui.conftest import settle
from ui import render


def _counts(services: Any) -> dict[str, int]:
    with services.db.read() as s:
        counts = {
            t.name: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }
        for row in s.scalars(select(CodeSequence)):
            counts[f"seq {row.unit_identifier} {row.day}"] = row.last_value
    return counts


def _fill(form: Any) -> None:
    form.set_state(
        IntakeDraftState(
            procedure_code="1.001193",
            name="Nguyễn Văn Đức",
            id_number="022090012345",
            birth_date="05/09/1990",
            phone="0912345678",
            address="Tổ 1, khu 2, phường Hồng Gai, Quảng Ninh",
        )
    )


def test_the_warm_up_runs_off_the_ui_thread_finishes_and_writes_nothing(
    qtbot: Any, make_window: Any, services: Any, users: Any
) -> None:
    for i in range(2):
        services.intake.receive(draft(i), clerk=users[Role.CLERK])
    before = _counts(services)
    window = make_window(Role.CLERK)
    qtbot.waitUntil(
        lambda: window.warm is not None and window.warm.report is not None, timeout=30_000
    )
    report = window.warm.report
    assert report.thread == "counter-warm" != threading.main_thread().name
    assert report.failed == {}  # the UI thread guard (strict here) would have failed a step
    assert set(report.steps) == {name for name, _ in warmup.STEPS} | {"render"}
    assert render.helper_pid() is not None  # the render process started and drew its sample
    window.warm.worker.join(5)
    assert not window.warm.worker.is_alive()
    assert _counts(services) == before
    qtbot.waitUntil(lambda: gc.get_freeze_count() > 0, timeout=30_000)  # both warm-ups done


def test_a_save_right_after_start_works_while_the_warm_up_is_still_running(
    qtbot: Any, make_window: Any, ops: Any, services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = threading.Event(), threading.Event()

    def hold(_services: Any, _by: Any) -> None:  # the warm-up, held at its first step
        started.set()
        release.wait(60)

    monkeypatch.setattr(warmup, "STEPS", (("hold", hold), *warmup.STEPS))
    before = _counts(services)
    window = make_window(Role.CLERK)
    window.intake.auto_preview = False
    qtbot.waitUntil(started.is_set, timeout=10_000)
    _fill(window.intake)
    settle(qtbot, ops)
    window.intake.save()
    qtbot.waitUntil(lambda: window.intake.last_received is not None, timeout=30_000)
    settle(qtbot, ops)
    received = window.intake.last_received
    assert received.code.endswith("-0001")
    assert window.warm.report is None and window.warm.worker.is_alive()  # still warming
    release.set()
    qtbot.waitUntil(lambda: window.warm.report is not None, timeout=30_000)
    assert window.warm.report.failed == {}
    after = _counts(services)
    assert after["dossier"] == before["dossier"] + 1  # the save, and nothing else
    # One dossier code and one register entry (its book's counter, dossier_codes.register_key).
    assert sorted(v for k, v in after.items() if k.startswith("seq ")) == [1, 1]


def test_a_failing_warm_up_is_logged_and_the_window_works_on(
    qtbot: Any,
    make_window: Any,
    ops: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import ui.warmup

    def broken(_services: Any, *, by: Any) -> Any:
        raise RuntimeError("hỏng")

    monkeypatch.setattr(ui.warmup, "warm_up", broken)
    with caplog.at_level(logging.WARNING, logger="ui.warmup"):
        window = make_window(Role.CLERK)
        window.intake.auto_preview = False
        qtbot.waitUntil(lambda: window.warm is not None and window.warm.report is not None)
    assert window.warm.report.failed["warm_up"] == "RuntimeError: hỏng"
    assert "warm-up failed" in caplog.text
    _fill(window.intake)
    settle(qtbot, ops)
    window.intake.save()
    qtbot.waitUntil(lambda: window.intake.last_received is not None, timeout=30_000)
    assert window.intake.last_received.code.endswith("-0001")
