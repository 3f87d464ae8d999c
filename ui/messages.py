"""Vietnamese message boxes that never block the event loop (tests and scanners keep working)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from counter_app.errors import UserError

log = logging.getLogger(__name__)

# Errors the core raises on purpose carry a Vietnamese message meant for the user.
# (`UserError` is the rule; a bare ValueError from a widget's own parsing is shown as well.)
_EXPECTED = ("ValueError",)

#: Where the log file is, once logging is set up (shown in the unexpected-error message).
LOG_PATH: list[str] = []


def user_text(exc: BaseException) -> str:
    """The message for the user: the core's own text, or a generic one pointing at the log."""
    if isinstance(exc, UserError) or type(exc).__name__ in _EXPECTED:
        return str(exc)
    log.error("Lỗi không mong đợi: %s", getattr(exc, "__traceback_text__", repr(exc)))
    where = f"\nChi tiết đã ghi vào nhật ký: {LOG_PATH[0]}" if LOG_PATH else ""
    return f"Đã xảy ra lỗi không mong đợi ({type(exc).__name__}: {exc}).{where}"


def _box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("messageBox")
    box.setTextFormat(box.textFormat().PlainText)
    return box


def show_error(parent: QWidget | None, exc_or_text: BaseException | str) -> QMessageBox:
    text = exc_or_text if isinstance(exc_or_text, str) else user_text(exc_or_text)
    box = _box(parent, QMessageBox.Icon.Warning, "Lỗi", text)
    box.open()
    return box


def show_info(parent: QWidget | None, text: str, title: str = "Thông báo") -> QMessageBox:
    box = _box(parent, QMessageBox.Icon.Information, title, text)
    box.open()
    return box


def ask(
    parent: QWidget | None, text: str, on_yes: Callable[[], None], title: str = "Xác nhận"
) -> QMessageBox:
    """A Yes/No question answered later; `on_yes` runs only if the clerk confirms."""
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent
    )
    box.setObjectName("questionBox")
    yes = box.addButton("&Đồng ý", QMessageBox.ButtonRole.YesRole)
    no = box.addButton("&Không", QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(no)
    box.setEscapeButton(no)

    def done() -> None:
        if box.clickedButton() is yes:
            on_yes()

    box.finished.connect(done)
    box.open()
    return box
