"""Every action reachable by keyboard: no Alt+letter clashes, menus open, tiles activate."""

from __future__ import annotations

from typing import Any

from counter_app.domain import Role
from tests.ui.conftest import settle
from tests.ui.mnemonics import clashes, window_mnemonics


def test_main_window_has_no_mnemonic_clash(qtbot: Any, make_window: Any, ops: Any) -> None:
    for role in (Role.ADMIN, Role.SUPERVISOR, Role.CLERK):
        window = make_window(role)
        for tab in (0, 1):
            window.show_tab(tab)
            settle(qtbot, ops)
            assert clashes(window) == {}, (role, tab)


def test_menus_have_their_own_letters(qtbot: Any, make_window: Any) -> None:
    window = make_window(Role.SUPERVISOR)
    keys = window_mnemonics(window)
    assert keys["Alt+H"] == ["menu '&Hồ sơ'"]
    assert keys["Alt+G"] == ["menu '&Giám sát'"]
    assert keys["Alt+T"] == ["menu '&Tài khoản'"]
