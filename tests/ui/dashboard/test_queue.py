"""The dashboard's queue tab against the real queue service on 127.0.0.1: figures equal counts
made here from known times, the tab by keyboard, the service stopped and back, not configured."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from counter_app.auth import system_actor
from counter_app.domain import Role
from counter_app.settings import QueueSettings
from tests.helpers.queue_service import Hall
from tests.ui.mnemonics import clashes
from ui.dashboard.queue import NOT_CONFIGURED
from ui.dashboard.window import DashboardWindow

SHOTS = Path(__file__).parent / "_shots"


@pytest.fixture
def hall(tmp_path: Path, clock: Any) -> Iterator[Hall]:
    h = Hall(f"sqlite:///{tmp_path / 'hall.sqlite3'}", clock)
    h.start()
    yield h
    h.stop()
    h.store.close()


@pytest.fixture
def open_dashboard(qtbot: Any, ops: Any) -> Iterator[Any]:
    made: list[DashboardWindow] = []

    def open_(services: Any) -> DashboardWindow:
        window = DashboardWindow(services, None, ops=ops, user=system_actor(Role.SUPERVISOR))
        qtbot.addWidget(window)
        window.timer.stop()  # the test refreshes by F5, as a supervisor would
        with qtbot.waitSignal(window.report_did_load, timeout=15_000):
            window.show()
        made.append(window)
        return window

    yield open_
    for window in made:
        qtbot.waitUntil(lambda w=window: w.queue.net.pending == 0, timeout=15_000)
        window.close()
    qtbot.waitUntil(lambda: ops.pending == 0, timeout=15_000)


def _morning(hall: Hall, clock: Any, code: str) -> dict[str, Any]:
    """Five citizens with known times; returns what the figures must be, counted here."""
    start = clock.now
    store = hall.store

    def at(seconds: int) -> None:
        clock.now = start + timedelta(seconds=seconds)

    at(0)
    store.issue("A")  # A001
    at(20)
    store.issue("A")  # A002
    at(40)
    store.issue("B")  # B001
    at(100)
    store.call_next(1)  # A001 waited 100 s
    store.serve("A001", "D-1", code)
    at(160)
    store.call_next(4)  # B001 waited 120 s
    at(400)
    store.done("A001")  # served 300 s
    store.call_next(1)  # A002 waited 380 s
    at(430)
    store.skip("A002")  # a no-show
    at(700)
    store.done("B001")  # served 540 s
    at(900)
    store.issue("A")  # A003, still waiting
    at(1000)
    waits, services = [100.0, 120.0, 380.0], [300.0, 540.0]
    return {
        "tickets": 4,
        "served": 2,
        "no_shows": 1,
        "waiting_now": 1,
        "longest_wait_s": 100,
        "wait_p50": statistics.median(waits),
        "wait_p90": statistics.quantiles(waits, n=10, method="inclusive")[8],
        "service_p50": statistics.median(services),
    }


def _m_ss(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def test_queue_tab_shows_the_service_figures_and_survives_it_going_away(
    qtbot: Any, services: Any, clock: Any, hall: Hall, open_dashboard: Any
) -> None:
    procedure = services.catalog.all()[0]
    want = _morning(hall, clock, procedure.code)
    token = hall.store.create_token("Giám sát", "board")
    services.settings = replace(services.settings, queue=QueueSettings(hall.url, token))
    window = open_dashboard(services)
    section = window.queue
    qtbot.waitUntil(lambda: section.figures is not None, timeout=15_000)

    # Alt+X opens the queue tab; no other Alt key of the window clashes with it.
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.views.currentWidget() is section)
    assert clashes(window) == {}

    shown = {k: label.text() for k, label in section.values.items()}
    assert shown["tickets"] == str(want["tickets"])
    assert shown["served"] == str(want["served"])
    assert shown["no_shows"] == str(want["no_shows"])
    assert shown["waiting_now"] == str(want["waiting_now"])
    assert shown["longest_wait_s"] == _m_ss(want["longest_wait_s"])
    assert shown["wait_s_p50"] == _m_ss(want["wait_p50"])
    assert shown["wait_s_p90"] == _m_ss(want["wait_p90"])
    assert shown["service_s_p50"] == _m_ss(want["service_p50"])

    counters = section.tables["by_counter"]
    rows = {counters.row_texts(r)[0]: counters.row_texts(r) for r in range(counters.rowCount())}
    assert sorted(rows) == ["Quầy số 1", "Quầy số 4"]
    # Quầy 1: A001 done after 300 s, A002 a no-show; waits 100 s and 380 s.
    assert rows["Quầy số 1"][1:] == ["2", "1", "1", _m_ss(240), _m_ss(352), "5:00", "5:00"]
    procedures = section.tables["by_procedure"]
    assert procedures.rowCount() == 1
    assert procedures.row_texts(0)[:4] == [procedure.code, procedure.name, "1", "1"]
    hours = section.tables["by_hour"]
    assert [hours.row_texts(r)[0] for r in range(hours.rowCount())] == ["09h"]
    areas = section.tables["by_area"]
    assert areas.row_texts(0)[0] == "A — Hộ tịch, chứng thực"
    section.tabs.setCurrentWidget(procedures)
    _shots(qtbot, window, "queue")

    # The queue PC goes away: the tab says so, keeps the last figures; the rest still loads.
    hall.stop()
    with (
        qtbot.waitSignal(section.figures_did_fail, timeout=20_000) as failed,
        qtbot.waitSignal(window.report_did_load, timeout=20_000),
    ):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert "Không kết nối được hệ thống xếp hàng" in failed.args[0]
    assert "lần cập nhật lúc 09:16:40" in section.status.text()
    assert section.values["tickets"].text() == "4"
    _shots(qtbot, window, "queue-down", sizes=((1366, 768),))

    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)  # and back again
    qtbot.waitUntil(lambda: window.views.currentIndex() == 0)
    assert clashes(window) == {}

    # Back: the next refresh shows the figures again, with a ticket issued meanwhile.
    hall.start()
    hall.store.issue("B")
    with qtbot.waitSignal(section.figures_did_load, timeout=20_000):
        window.refresh()
    assert section.values["tickets"].text() == "5"
    assert section.values["waiting_now"].text() == "2"
    assert section.status.text().startswith("Số liệu hệ thống xếp hàng, cập nhật lúc")


def test_queue_tab_says_when_no_queue_service_is_configured(
    qtbot: Any, services: Any, open_dashboard: Any
) -> None:
    assert not services.settings.queue.server_url
    window = open_dashboard(services)
    section = window.queue
    qtbot.waitUntil(lambda: section.status.text() == NOT_CONFIGURED, timeout=5000)
    assert all(label.text() == "—" for label in section.values.values())
    assert section.net.pending == 0  # nothing was asked of the network
    # The intake figures are there as always.
    assert window.report is not None and window.updated_label.text()
    _shots(qtbot, window, "intake", sizes=((1366, 768),))
    window.views.setCurrentWidget(section)
    _shots(qtbot, window, "not-configured", sizes=((1366, 768),))


def _shots(
    qtbot: Any,
    window: Any,
    name: str,
    sizes: tuple[tuple[int, int], ...] = ((1366, 768), (1920, 1080)),
) -> None:
    """Screenshots of the dashboard with the queue tab, to look at (git-ignored)."""
    SHOTS.mkdir(exist_ok=True)
    for w, h in sizes:
        window.resize(w - 16, h - 60)  # room for the title bar and the taskbar
        qtbot.wait(50)
        window.grab().save(str(SHOTS / f"dashboard-{name}-{w}x{h}.png"))
