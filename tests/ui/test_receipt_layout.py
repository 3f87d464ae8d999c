"""The receipt's layout switch (A4 ↔ 80 mm slip) in the print preview, without a print system.

Printing the slip for real, from the window and the detail dialog, is in test_print_cups.py.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from counter_app.auth import system_actor
from counter_app.domain import Role
from counter_app.errors import UserError
from tests.ui.conftest import settle
from tests.ui.mnemonics import clashes, window_mnemonics
from tests.ui.test_printing import _receipt
from ui.printing import SLIP_SWITCH, PdfPreviewDialog, layout_filename, open_receipt


def _preview(qtbot: Any, services: Any, ops: Any, code: str, parent: Any) -> PdfPreviewDialog:
    opened: list[PdfPreviewDialog] = []
    open_receipt(parent, services, ops, system_actor(), code, on_open=opened.append)
    settle(qtbot, ops, timeout=30_000)
    qtbot.waitUntil(lambda: bool(opened))
    dialog = opened[0]
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def test_the_switch_has_its_own_key_in_the_preview_and_the_detail_dialog(
    qtbot: Any, make_window: Any, ops: Any, services: Any
) -> None:
    code, _ = _receipt(services)
    window = make_window(Role.CLERK)
    dialog = _preview(qtbot, services, ops, code, window)
    assert clashes(dialog) == {}
    assert window_mnemonics(dialog)["Alt+8"] == [f"button {SLIP_SWITCH!r}"]
    dialog.close()
    target = QApplication.focusWidget() or window
    qtbot.keyClicks(target, code)
    qtbot.keyClick(target, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.dossiers.detail_dialog is not None)
    detail = window.dossiers.detail_dialog
    qtbot.waitUntil(detail.isVisible)
    settle(qtbot, ops)
    assert clashes(detail) == {}
    assert "Alt+P" not in window_mnemonics(detail)  # Ctrl+P reprints; Alt+8 is the preview's
    detail.close()
    settle(qtbot, ops)


def test_a_layout_that_cannot_be_drawn_leaves_the_preview_as_it_was(
    qtbot: Any, make_window: Any, ops: Any, services: Any
) -> None:
    code, _ = _receipt(services)
    window = make_window(Role.CLERK)
    dialog = _preview(qtbot, services, ops, code, window)
    pdf, images = dialog.pdf, dialog.images

    def broken(_layout: str) -> bytes:
        raise UserError("Không dựng được giấy tiếp nhận khổ 80 mm: thiếu phông chữ.")

    dialog.relayout = broken
    qtbot.keyClick(dialog, Qt.Key.Key_8, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "Chưa dựng được" in dialog.status.text())
    assert not dialog.relaying
    box = dialog.findChild(QMessageBox, "messageBox")
    assert box is not None and "thiếu phông chữ" in box.text()
    assert dialog.layout_kind == "a4" and dialog.pdf is pdf and dialog.images is images
    assert dialog.layout_switch is not None and not dialog.layout_switch.isChecked()
    assert "Chưa dựng được khổ 80 mm (giấy cuộn)" in dialog.status.text()
    assert services.settings.receipt_layout == "a4"  # nothing remembered
    config = services.settings.paths.config_file
    assert not config.exists() or "receipt_layout" not in config.read_text("utf-8")
    box.close()
    dialog.close()
    settle(qtbot, ops)


def test_other_documents_have_no_layout_switch(qtbot: Any, ops: Any, services: Any) -> None:
    from ui.printing import rasterise

    _code, pdf = _receipt(services)
    dialog = PdfPreviewDialog(None, services, ops, pdf, rasterise(pdf, 40), "Phiếu", "phieu.pdf")
    qtbot.addWidget(dialog)
    assert dialog.layout_switch is None and "Alt+8" not in window_mnemonics(dialog)
    dialog.close()
    settle(qtbot, ops)


def test_file_names_follow_the_layout() -> None:
    assert layout_filename("H49.Q01-261127-0001.pdf", "slip80") == "H49.Q01-261127-0001-80mm.pdf"
    assert layout_filename("X-in-lai-80mm.pdf", "a4") == "X-in-lai.pdf"
    assert layout_filename("X-80mm.pdf", "slip80") == "X-80mm.pdf"
