"""What the admin's dialogs (accounts, calendar exceptions, centre settings) share: services and
actor, the red error line, and changes saved off the UI thread, then `changed()` (by default the
list again)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QDialog, QWidget

from ui.messages import user_text
from ui.ops import Ops
from ui.widgets import error_label

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.services import CounterServices


class AdminDialog(QDialog):
    def __init__(
        self,
        services: CounterServices,
        ops: Ops,
        user: UserInfo,
        parent: QWidget | None,
        *,
        name: str,
        title: str,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.services, self.ops, self.user = services, ops, user
        self.error = error_label()

    def reload(self) -> None:
        raise NotImplementedError

    def changed(self) -> None:
        """After a change was saved: the list again (a subclass may refresh more first)."""
        self.reload()

    def _run(self, fn: Callable[[], Any]) -> None:
        """Save a change in the background; if refused, its Vietnamese message in the error line."""
        self.error.clear()
        self.ops.op(fn, self).success(lambda _r: self.changed()).failure(
            lambda exc: self.error.setText(user_text(exc))
        ).run()
