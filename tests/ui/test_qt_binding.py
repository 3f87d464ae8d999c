"""The Qt binding keeps None's reference count (PySide6 6.12.0 on Python 3.11 does not)."""

from __future__ import annotations

import sys

from ui.qt_binding import add_none_references, guard_none_refcount, none_refs_lost_per_call


def test_void_qt_methods_keep_the_reference_count_of_none() -> None:
    # On a leaking binding this fails: pyproject must keep such a binding off this Python.
    assert none_refs_lost_per_call(500) == 0
    assert guard_none_refcount() is False


def test_the_reserve_raises_the_count_of_none() -> None:
    if sys.version_info >= (3, 12):
        return  # None is immortal: its count is fixed, and nothing needs a reserve
    before = sys.getrefcount(None)
    add_none_references(1000)
    gained = sys.getrefcount(None) - before
    assert 1000 <= gained < 1010  # the frame itself may hold one or two more
