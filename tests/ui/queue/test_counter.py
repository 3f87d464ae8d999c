"""The counter's queue panel in the real main window: one key calls the next number, the dossier
received next is linked to the ticket, and the counter keeps working when the service is away."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from counter_app.domain import Role
from counter_app.queue.domain import TicketState
from counter_app.settings import QueueSettings
from tests.helpers.queue_service import Hall
from tests.ui.conftest import CHIP_QR, settle
from ui.queue import counter as counter_module
from ui.queue.counter import DOWN_TEXT

SHOTS = Path(__file__).parent / "_shots"


def _receive_dossier(qtbot: Any, window: Any, ops: Any) -> Any:
    """A real intake through the form: chip-ID scan, procedure by keyboard, phone, save."""
    form = window.intake
    window.show_tab(0)
    form.apply_chip_scan(CHIP_QR)
    form.procedure.setFocus()
    qtbot.keyClicks(form.procedure, "1193")
    qtbot.keyClick(form.procedure, Qt.Key.Key_Return)
    settle(qtbot, ops)
    assert form.procedure.current is not None
    form.phone.setText("0912345678")
    before = form.last_received
    form.save()
    settle(qtbot, ops)
    qtbot.waitUntil(lambda: form.last_received is not before, timeout=10_000)
    qtbot.waitUntil(lambda: form.preview is not None, timeout=10_000)
    preview = form.preview
    qtbot.keyClick(preview, Qt.Key.Key_Escape)  # the clerk closes the print preview
    qtbot.waitUntil(lambda: not preview.isVisible())
    window.activateWindow()
    return form.last_received


@pytest.fixture
def hall(tmp_path: Path) -> Any:
    h = Hall(f"sqlite:///{tmp_path / 'hall.sqlite3'}")
    yield h
    h.stop()
    h.store.close()


def _window_with_queue(make_window: Any, services: Any, hall: Hall) -> Any:
    token = hall.store.create_token("Quầy 1", "counter")
    services.settings = replace(services.settings, queue=QueueSettings(hall.url, token))
    return make_window(Role.CLERK)


def test_f8_calls_the_next_number_and_the_dossier_is_linked(
    qtbot: Any, make_window: Any, ops: Any, services: Any, hall: Hall
) -> None:
    hall.start()
    hall.store.issue("A")
    hall.store.issue("A")
    window = _window_with_queue(make_window, services, hall)
    panel = window.queue
    assert panel is not None
    call = window.findChild(type(window.actions()[0]), "queueCallAction")
    assert call is not None and call.shortcut().toString() == "F8"
    assert "Gọi số tiếp theo (F8)" in panel.call_button.text()
    qtbot.waitUntil(lambda: panel.net.pending == 0, timeout=5000)
    with qtbot.waitSignal(panel.ticket_did_change, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_F8)
    assert panel.current["number"] == "A001"
    assert panel.number_label.text() == "Số A001 (đã gọi)"
    received = _receive_dossier(qtbot, window, ops)
    qtbot.waitUntil(lambda: not panel.pending_links and panel.net.pending == 0, timeout=5000)
    ticket = hall.store.ticket("A001")
    assert ticket is not None and ticket.state is TicketState.SERVING
    assert ticket.dossier_code == received.code
    assert ticket.procedure_code == received.procedure_code != ""  # for figures per procedure
    assert panel.number_label.text() == "Số A001 (đang phục vụ)"
    SHOTS.mkdir(exist_ok=True)
    for size in ((1366, 768), (1920, 1080)):
        window.resize(*size)
        qtbot.wait(50)
        window.grab().save(str(SHOTS / f"counter-{size[0]}x{size[1]}.png"))
    with qtbot.waitSignal(panel.ticket_did_change, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_F8, Qt.KeyboardModifier.ControlModifier)  # recall
    assert hall.store.ticket("A001").calls == 2  # type: ignore[union-attr]
    with qtbot.waitSignal(panel.ticket_did_change, timeout=5000):
        qtbot.keyClick(
            window,
            Qt.Key.Key_F8,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    done = hall.store.ticket("A001")
    assert done is not None and done.state is TicketState.DONE and done.done_at is not None
    assert panel.current is None
    with qtbot.waitSignal(panel.ticket_did_change, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_F8)
    with qtbot.waitSignal(panel.ticket_did_change, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)  # no-show
    assert hall.store.ticket("A002").state is TicketState.SKIPPED  # type: ignore[union-attr]


def test_transfer_sends_the_ticket_to_another_area(
    qtbot: Any, make_window: Any, services: Any, hall: Hall
) -> None:
    hall.start()
    hall.store.issue("A")
    window = _window_with_queue(make_window, services, hall)
    panel = window.queue
    qtbot.waitUntil(lambda: bool(panel.areas), timeout=5000)
    with qtbot.waitSignal(panel.ticket_did_change, timeout=5000):
        panel.call_next()
    with qtbot.waitSignal(panel.ticket_did_change, timeout=5000):
        panel.transfer("D")
    moved = hall.store.ticket("A001")
    assert moved is not None and moved.area == "D" and moved.state is TicketState.WAITING


def test_counter_keeps_receiving_while_the_service_is_down(
    qtbot: Any,
    make_window: Any,
    ops: Any,
    services: Any,
    hall: Hall,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(counter_module, "RETRY_MS", 300)
    hall.start()
    hall.store.issue("A")
    window = _window_with_queue(make_window, services, hall)
    panel = window.queue
    with qtbot.waitSignal(panel.ticket_did_change, timeout=5000):
        panel.call_next()
    hall.stop()  # the queue PC goes away mid-service
    panel.recall()
    qtbot.waitUntil(lambda: not panel.connected, timeout=10_000)
    assert panel.state_label.text() == DOWN_TEXT
    received = _receive_dossier(qtbot, window, ops)
    assert received.code  # the dossier is received and its receipt made as usual
    assert panel.pending_links == [("A001", received.code, received.procedure_code)]
    hall.start()  # back on the same address
    qtbot.waitUntil(lambda: panel.connected and not panel.pending_links, timeout=10_000)
    qtbot.waitUntil(lambda: panel.net.pending == 0, timeout=5000)
    ticket = hall.store.ticket("A001")
    assert ticket is not None and ticket.dossier_code == received.code
    assert panel.state_label.text() == ""
