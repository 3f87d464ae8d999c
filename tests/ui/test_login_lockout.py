"""Sign-in lockout as the clerk sees it in the login dialog."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from tests.ui.conftest import login_shown, settle


def _controller(services: Any, ops: Any) -> Any:
    from ui.app import AppController

    return AppController(services, ops)


def test_login_locks_out_after_repeated_failures(
    qtbot: Any, services: Any, ops: Any, users: Any
) -> None:
    from counter_app.auth import LOCKOUT_AFTER

    controller = _controller(services, ops)
    dialog = login_shown(qtbot, controller)
    qtbot.keyClicks(dialog.username, "canbo")
    for _ in range(LOCKOUT_AFTER):
        dialog.password.clear()
        qtbot.keyClicks(dialog.password, "sai-mat-khau")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        settle(qtbot, ops)
        assert "không đúng" in dialog.error.text()
    # Now even the right password waits, and the dialog says so in Vietnamese.
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "canbo1234")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    settle(qtbot, ops)
    assert "tạm khoá" in dialog.error.text() and "30 giây" in dialog.error.text()
    assert controller.window is None
    assert dialog.ok.isEnabled()
