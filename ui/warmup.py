"""The window's warm-up: the first save's first-time work, done on a thread of its own.

Started right after the main window opens (`MainWindow`), long before a clerk can fill in a form
and press save; it runs `counter_app.warmup.warm_up` (read only: it can write nothing) on the
daemon thread `counter-warm`, never on the UI thread and never in the queue of `ui.ops`, so a
save pressed meanwhile does not wait behind it; then it starts the render process and has it
draw a sample receipt. A failure is logged and never reaches the window.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

from counter_app.warmup import WarmReport, run_step, warm_up
from ui import render

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.services import CounterServices

log = logging.getLogger(__name__)

THREAD_NAME = "counter-warm"


class WarmUp(QObject):
    """One warm-up run. Signals: `finished(WarmReport)`, on the UI thread."""

    finished = Signal(object)
    _done = Signal(object)

    def __init__(
        self, services: CounterServices, user: UserInfo, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.services, self.user = services, user
        self.report: WarmReport | None = None
        self.worker: threading.Thread | None = None
        self._done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def start(self) -> None:
        self.worker = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self.worker.start()

    def _run(self) -> None:
        try:
            report = warm_up(self.services, by=self.user)
        except Exception as exc:  # warm_up skips failing steps; this is anything else
            log.warning("warm-up failed", exc_info=True)
            report = WarmReport(failed={"warm_up": f"{type(exc).__name__}: {exc}"})
        # The render process: started, its libraries loaded and a sample receipt drawn (no
        # database); here rather than on the worker of ui.ops, which a save must not wait for.
        run_step(report, "render", render.warm)
        # RuntimeError: the window (and this object) was closed meanwhile; nobody to tell.
        with contextlib.suppress(RuntimeError):
            self._done.emit(report)

    def _deliver(self, report: WarmReport) -> None:
        self.report = report
        self.finished.emit(report)


def start_warm_up(
    services: CounterServices,
    user: UserInfo,
    parent: QObject,
    done: Callable[[WarmReport], None] | None = None,
) -> WarmUp:
    """Start a warm-up owned by `parent`; `done(report)` runs on the UI thread when it ends."""
    warm = WarmUp(services, user, parent)
    if done is not None:
        warm.finished.connect(done)
    warm.start()
    return warm
