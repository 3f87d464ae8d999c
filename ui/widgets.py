"""Small widget helpers shared by the panels."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QLabel, QWidget

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str, *, wrap: bool = False) -> W:
    """Give a widget its stable objectName (tests and screenshots find widgets by it)."""
    if name:
        widget.setObjectName(name)
    if wrap and isinstance(widget, QLabel):
        widget.setWordWrap(True)
    return widget
