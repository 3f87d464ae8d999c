"""The ticket kiosk against the real service: touch and keyboard, the printed ticket, outages."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader

from counter_app.queue.app import QueueApp
from counter_app.queue.client import QueueClient
from counter_app.queue.store import QueueStore
from counter_app.server.runner import RunningServer
from tests.helpers.queue_service import free_port
from ui.queue import kiosk as kiosk_module
from ui.queue.kiosk import UNAVAILABLE_TEXT, QueueKioskWindow

SHOTS = Path(__file__).parent / "_shots"


def make_kiosk(qtbot: Any, client: Any, printed: list[bytes]) -> QueueKioskWindow:
    from PySide6.QtWidgets import QApplication

    from ui.app import load_fonts

    load_fonts(QApplication.instance())  # type: ignore[arg-type]
    window = QueueKioskWindow(client, printer=printed.append, ticket_s=30)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    return window


def test_touch_an_area_prints_a_ticket_with_a_followable_qr(qtbot: Any, service: Any) -> None:
    service.store.set_config("centre_name", "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh")
    service.kiosk.issue("A")  # someone is already waiting
    printed: list[bytes] = []
    window = make_kiosk(qtbot, service.kiosk, printed)
    qtbot.waitUntil(lambda: window.page == "choose", timeout=5000)
    with qtbot.waitSignal(window.ticket_did_issue, timeout=10_000) as blocker:
        qtbot.mouseClick(_button(window, "area_A"), _left())
    issued, pdf = blocker.args
    assert issued["number"] == "A002" and issued["waiting_before"] == 1
    assert window.page == "ticket" and window.number.text() == "A002"
    assert "Số người chờ trước bạn: 1" in window.info.text()
    assert printed == [pdf]
    _check_ticket(pdf, service.kiosk.public_url("A002"))
    SHOTS.mkdir(exist_ok=True)
    for size in ((1366, 768), (1920, 1080)):
        window.resize(*size)
        qtbot.wait(50)
        window.grab().save(str(SHOTS / f"kiosk-ticket-{size[0]}x{size[1]}.png"))
    window.show_choose()
    for size in ((1366, 768), (1920, 1080)):
        window.resize(*size)
        qtbot.wait(50)
        window.grab().save(str(SHOTS / f"kiosk-choose-{size[0]}x{size[1]}.png"))


def _button(window: QueueKioskWindow, name: str) -> Any:
    from PySide6.QtWidgets import QPushButton

    button = window.findChild(QPushButton, name)
    assert button is not None, name
    return button


def _left() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def _check_ticket(pdf: bytes, url: str) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    assert round(float(page.mediabox.width) / 72 * 25.4) == 80
    text = page.extract_text()
    for expected in (
        "A002",
        "Hộ tịch, chứng thực",
        "Số người chờ trước bạn: 1",
        "Các quầy số 1, 2, 3",
    ):
        assert expected in text, expected
    assert "QUẢNG NINH" in text
    image = pdfium.PdfDocument(pdf)[0].render(scale=203 / 72).to_pil()
    codes = zxingcpp.read_barcodes(image)
    assert [c.text for c in codes] == [url]


def test_keyboard_priority_ticket_is_served_first(qtbot: Any, service: Any) -> None:
    from PySide6.QtCore import Qt

    service.kiosk.issue("B")
    printed: list[bytes] = []
    window = make_kiosk(qtbot, service.kiosk, printed)
    qtbot.waitUntil(lambda: window.page == "choose", timeout=5000)
    window.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_P)
    assert window.priority == "elderly" and "ưu tiên" in window.prompt.text().lower()
    with qtbot.waitSignal(window.ticket_did_issue, timeout=10_000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_2)
    issued, _pdf = blocker.args
    assert issued["number"] == "B002" and issued["priority"] is True
    assert issued["waiting_before"] == 0
    assert window.priority == ""  # the next citizen starts with a normal ticket
    ticket = service.counter.call_next(4)
    assert ticket is not None and ticket["number"] == "B002"


def test_kiosk_says_tickets_are_unavailable_then_carries_on(
    qtbot: Any, queue_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kiosk_module, "RETRY_MS", 200)
    port = free_port()
    store = QueueStore.open(queue_url)
    token = store.create_token("Ki-ốt sảnh", "kiosk")
    client = QueueClient(f"http://127.0.0.1:{port}", token, connect_timeout_s=0.5)
    printed: list[bytes] = []
    window = make_kiosk(qtbot, client, printed)
    qtbot.waitUntil(lambda: window.ops.pending == 0, timeout=5000)
    assert window.page == "unavailable"
    assert window.notice.text() == UNAVAILABLE_TEXT
    SHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SHOTS / "kiosk-unavailable-1366x768.png"))
    server = RunningServer(QueueApp(store, threads=8), port=port, threads=8)
    try:
        qtbot.waitUntil(lambda: window.page == "choose", timeout=10_000)
        with qtbot.waitSignal(window.ticket_did_issue, timeout=10_000) as blocker:
            qtbot.mouseClick(_button(window, "area_C"), _left())
        assert blocker.args[0]["number"] == "C001"
    finally:
        window.close()
        qtbot.waitUntil(lambda: window.ops.pending == 0, timeout=5000)
        client.close()
        server.stop()
        store.close()


def test_full_screen_kiosk_leaves_only_with_the_admin_pin(qtbot: Any, service: Any) -> None:
    window = QueueKioskWindow(service.kiosk, printer=lambda _pdf: None, admin_pin="2468")
    qtbot.addWidget(window)
    window.show()
    window.close()  # Alt+F4 and the like
    assert window.isVisible()
    window.ask_pin()
    dialog = window.pin_dialog
    dialog.edit.setText("1111")
    dialog.accept()
    assert window.isVisible()
    window.ask_pin()
    dialog = window.pin_dialog
    assert "máy lấy số" in dialog.findChild(type(window.prompt), "pinTitle").text()
    dialog.edit.setText("2468")
    dialog.accept()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
