"""The first-run setup dialog asks for the citizens' lookup address (printed on receipts)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from counter_app.settings import Settings
from tests.ui.conftest import settle, type_text


def _setup_dialog(qtbot: Any, services: Any, ops: Any) -> tuple[Any, Any]:
    from ui.app import AppController

    controller = AppController(services, ops)
    with qtbot.waitSignal(controller.setup_shown, timeout=10_000) as shown:
        controller.start()
    dialog = shown.args[0]
    qtbot.addWidget(dialog)
    dialog.centre.identifier.setText("000.00.00.H50")
    type_text(qtbot, dialog.centre.name, "Trung tâm Phục vụ hành chính công xã Yên Hưng")
    type_text(qtbot, dialog.centre.place, "Quảng Yên")
    dialog.username.setText("admin")
    type_text(qtbot, dialog.full_name, "Đỗ Văn Quản")
    dialog.password.setText("matkhau123")
    dialog.password2.setText("matkhau123")
    return controller, dialog


def test_setup_stores_the_lookup_address(qtbot: Any, services: Any, ops: Any) -> None:
    controller, dialog = _setup_dialog(qtbot, services, ops)
    assert dialog.lookup_url.text() == ""  # the shipped sample is not offered as an answer
    dialog.lookup_url.setFocus()
    qtbot.keyClicks(dialog.lookup_url, "https://dichvucong.example.gov.vn/tra-cuu/")
    qtbot.keyClick(dialog.lookup_url, Qt.Key.Key_Return)
    settle(qtbot, ops)
    assert dialog.error.text().startswith("Địa chỉ trang tra cứu hồ sơ: ")
    assert dialog.lookup_url.hasFocus()
    dialog.lookup_url.clear()
    qtbot.keyClicks(dialog.lookup_url, "https://dichvucong.quangninh.gov.vn/tra-cuu")
    with qtbot.waitSignal(controller.main_shown, timeout=10_000) as main:
        qtbot.keyClick(dialog.lookup_url, Qt.Key.Key_Return)
    window = main.args[0]
    qtbot.addWidget(window)
    expected = "https://dichvucong.quangninh.gov.vn/tra-cuu/"
    assert controller.services.settings.lookup_base_url == expected
    assert Settings.load().lookup_base_url == expected  # written to this PC's settings file
    window.close()
    settle(qtbot, ops)
