"""The kiosk's look: its style sheet and the large touch labels and buttons every page uses."""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

# The sizes below are for a 1920×1080 screen's kiosk; smaller screens get them scaled down
# (`kiosk_style`), so that nothing is cut at 1366×768.
DESIGN_SIZE = (1550, 960)
_LENGTH = re.compile(r"(\d+)(pt|px)")

KIOSK_STYLE = """
QWidget#kioskRoot { background: #f3f6fa; }
QFrame#kioskHeader { background: #1d3557; }
QLabel#headerTitle { color: #ffffff; font-size: 22pt; font-weight: bold; }
QLabel#headerSub { color: #d7e3f4; font-size: 15pt; }
QLabel#idleText { font-size: 46pt; font-weight: bold; color: #1d3557; }
QLabel#idleHint { font-size: 22pt; color: #3b4a5e; }
QLabel#busyText { font-size: 34pt; color: #1d3557; }
QLabel#messageText { font-size: 32pt; color: #3b4a5e; }
QLabel#statusText { font-size: 32pt; font-weight: bold; padding: 18px 24px; border-radius: 10px;
    background: #e4ecf7; color: #1d3557; }
QLabel#statusText[tone="ready"] { background: #dff1e3; color: #14532d; }
QLabel#statusText[tone="done"] { background: #e8e8e8; color: #333333; }
QLabel#statusText[tone="action"] { background: #fff1d6; color: #7a4a00; }
QLabel#statusText[tone="stopped"] { background: #f6e3e3; color: #6b1d1d; }
QLabel[class="fieldLabel"] { font-size: 19pt; color: #5a6778; }
QLabel[class="fieldValue"] { font-size: 23pt; color: #111111; }
QFrame#answerCard { background: #ffffff; border: 1px solid #d0d9e4; border-radius: 12px; }
QLabel#countdown { font-size: 15pt; color: #6b7686; }
QLabel#ratingQuestion { font-size: 34pt; font-weight: bold; color: #1d3557; }
QLabel#thanksText { font-size: 44pt; font-weight: bold; color: #14532d; }
QPushButton { font-size: 22pt; padding: 18px 36px; border-radius: 10px; background: #ffffff;
    border: 2px solid #9fb3c8; color: #1d3557; }
QPushButton:pressed { background: #dce7f5; }
QPushButton#primary { background: #2f6db5; color: #ffffff; border-color: #2f6db5; }
QPushButton#primary:disabled { background: #9fb3c8; border-color: #9fb3c8; }
QPushButton[class="score"] { font-size: 26pt; min-height: 120px; min-width: 360px; }
QPushButton[class="score"]:checked { background: #2f6db5; color: #ffffff; border-color: #2f6db5; }
QPushButton#adminButton { font-size: 11pt; padding: 4px 10px; border: none;
    background: transparent; color: #9aa6b5; }
QLineEdit#commentEdit { font-size: 20pt; padding: 12px; border: 2px solid #9fb3c8;
    border-radius: 8px; background: #ffffff; }
QLineEdit#scanInput { border: none; background: transparent; color: transparent; }
"""


def kiosk_scale(width: int, height: int) -> float:
    """How much to shrink the kiosk's type and spacing on a screen of this size (≤ 1)."""
    scale = min(1.0, width / DESIGN_SIZE[0], height / DESIGN_SIZE[1])
    return max(0.5, round(scale, 2))


def kiosk_style(scale: float) -> str:
    """The style sheet with every font size and length multiplied by `scale`."""
    if scale == 1.0:
        return KIOSK_STYLE
    return _LENGTH.sub(
        lambda m: f"{max(1, round(int(m.group(1)) * scale))}{m.group(2)}", KIOSK_STYLE
    )


def plain_label(text: str) -> QLabel:
    """A label that never interprets its text: a procedure name or a server's answer holding
    HTML must show as typed, not as markup (links, images, styling)."""
    widget = QLabel(text)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    return widget


def label(text: str, name: str, *, wrap: bool = True, center: bool = True) -> QLabel:
    """A label styled by its object name (plain text)."""
    widget = plain_label(text)
    widget.setObjectName(name)
    widget.setWordWrap(wrap)
    if center:
        widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return widget


def touch_button(text: str, slot: Callable[[], None], name: str = "") -> QPushButton:
    """A button for fingers that never takes the keyboard focus."""
    button = QPushButton(text)
    if name:
        button.setObjectName(name)
    # Touch only: a focused button would swallow the scanner's Enter key.
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.clicked.connect(lambda _=False: slot())
    return button


def page_layout(page: QWidget) -> QVBoxLayout:
    """The roomy column every kiosk page is laid out in."""
    layout = QVBoxLayout(page)
    layout.setContentsMargins(80, 40, 80, 40)
    return layout
