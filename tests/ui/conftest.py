"""Fixtures for the desktop UI tests: real services on a real SQLite file, the real worker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from counter_app.auth import UserInfo, system_actor
from counter_app.centre import CentreConfig
from counter_app.domain import Role

# A chip-ID QR text as a scanner types it (the card of a fictitious citizen).
CHIP_QR = (
    "022090012345|123456789|Nguyễn Văn Đức|05091990|Nam"
    "|Tổ 1, khu 2, phường Hồng Gai, TP Hạ Long, Quảng Ninh|15082021"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The offscreen platform plugin warns whenever a window's size limits change; it is a
    # limitation of the test platform, not a fault of the window.
    for item in items:
        if "tests/ui/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore("does not support propagateSizeHints"))


@pytest.fixture(scope="session", autouse=True)
def _render_pool_stops() -> Iterator[None]:
    yield
    from ui.printing import shutdown_render_pool

    shutdown_render_pool()


@pytest.fixture(autouse=True)
def _no_db_on_ui_thread() -> Iterator[None]:
    """Any database call made by ui/ code on the Qt main thread fails the test."""
    from counter_app import thread_guard
    from ui import db_guard

    previous = db_guard.install(strict=True)
    yield
    thread_guard.set_thread_guard(previous)


@pytest.fixture
def ops(qapp: Any) -> Iterator[Any]:
    from ui.ops import Ops

    o = Ops()
    yield o
    o.shutdown()


@pytest.fixture
def users(services: Any) -> dict[Role, UserInfo]:
    services.centre.save(CentreConfig(configured=True), by=system_actor())
    services.reload_centre()
    admin = services.auth.create_user(
        "quantri", "Nguyễn Quản Trị", "quantri123", Role.ADMIN, by=system_actor()
    )
    return {
        Role.ADMIN: admin,
        Role.SUPERVISOR: services.auth.create_user(
            "giamsat", "Trần Giám Sát", "giamsat123", Role.SUPERVISOR, by=admin
        ),
        Role.CLERK: services.auth.create_user(
            "canbo", "Lê Thu Hà", "canbo1234", Role.CLERK, by=admin
        ),
    }


def settle(qtbot: Any, ops: Any, timeout: int = 10_000) -> None:
    """Wait until every background job and its callback has run (twice: callbacks chain jobs)."""
    for _ in range(3):
        qtbot.waitUntil(lambda: ops.pending == 0, timeout=timeout)
        qtbot.wait(20)


@pytest.fixture
def make_window(qtbot: Any, services: Any, ops: Any, users: dict[Role, UserInfo]) -> Any:
    from ui.main_window import MainWindow

    made: list[Any] = []

    def make(role: Role = Role.CLERK) -> Any:
        window = MainWindow(services, ops, users[role])
        window.intake.auto_preview = True
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        settle(qtbot, ops)
        made.append(window)
        return window

    yield make
    for w in made:
        w.scanner.remove()


def login_shown(qtbot: Any, controller: Any) -> Any:
    """Start the app controller and return the login dialog it shows (owned by qtbot)."""
    with qtbot.waitSignal(controller.login_shown, timeout=10_000) as shown:
        controller.start()
    dialog = shown.args[0]
    qtbot.addWidget(dialog)
    return dialog


def type_text(qtbot: Any, widget: Any, text: str) -> None:
    """Type like a keyboard (or a scanner in keyboard mode) into `widget`.

    QTest.keyClicks asserts on characters outside Latin-1, so Vietnamese letters are sent as
    plain key events carrying their text, which is what a keyboard wedge scanner produces.
    """
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))
