"""Small widget helpers shared by the panels."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from PySide6.QtCore import QDate, QPoint, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTableWidget, QWidget

W = TypeVar("W", bound=QWidget)

#: The colour of every error message in the window (Material's "error" red, readable on white).
ERROR_COLOUR = "#b00020"


def named(widget: W, name: str, *, wrap: bool = False) -> W:
    """Give a widget its stable objectName (tests and screenshots find widgets by it)."""
    if name:
        widget.setObjectName(name)
    if wrap and isinstance(widget, QLabel):
        widget.setWordWrap(True)
    return widget


def error_label(name: str = "errorLabel") -> QLabel:
    """The red, wrapping label under a dialog's fields where its Vietnamese message appears."""
    label = named(QLabel(), name, wrap=True)
    label.setStyleSheet(f"color: {ERROR_COLOUR}")
    return label


def row_table(name: str, headers: list[str]) -> QTableWidget:
    """A read-only table chosen by whole rows, without row numbers, that Tab leaves (the keyboard
    moves between the dialog's widgets, the arrows within the table)."""
    table = named(QTableWidget(0, len(headers)), name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setTabKeyNavigation(False)
    table.verticalHeader().hide()
    return table


# Room for a window manager's title bar and borders, which are unknown until the window is shown
# (openbox and Windows 10/11 both stay within this).
FRAME_ALLOWANCE = QSize(16, 48)


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Size a top-level window to (width, height) or, on a smaller screen, to what is available.

    The size counts the frame too, so the title bar and status bar stay on screen on a
    1366×768 laptop with a task bar; the window is centred in the available area.
    """
    screen = window.screen() or QGuiApplication.primaryScreen()
    avail = screen.availableGeometry()
    w = min(width, avail.width() - FRAME_ALLOWANCE.width())
    h = min(height, avail.height() - FRAME_ALLOWANCE.height())
    window.resize(max(w, 200), max(h, 150))
    x = avail.x() + max(0, (avail.width() - w - FRAME_ALLOWANCE.width()) // 2)
    y = avail.y() + max(0, (avail.height() - h - FRAME_ALLOWANCE.height()) // 2)
    window.move(QPoint(x, y))


def qdate(d: date) -> QDate:
    """A Python date as a QDate (PySide6's stubs take no `date` before 6.12)."""
    return QDate(d.year, d.month, d.day)


def pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())
