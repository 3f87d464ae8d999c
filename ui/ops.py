"""The one background-operation helper: database, PDF and printing work off the UI thread.

Like Anki's `QueryOp` on a single-worker executor: work runs one job at a time on one worker
thread (so SQLite never sees two writers from this process), and `.success()`/`.failure()`
callbacks run back on the UI thread. A progress dialog appears only for work lasting > 600 ms.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import isValid

T = TypeVar("T")
log = logging.getLogger(__name__)

PROGRESS_DELAY_MS = 600


class _Done(QObject):
    """Carries a finished job back to the UI thread (queued connection)."""

    finished = Signal(object, object, object)  # op, result, exception


class Ops(QObject):
    """Runs operations on one worker thread.

    Signals: `busy_changed(bool)` when the queue becomes busy or idle.
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="counter-db")
        self._done = _Done()
        self._done.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._pending = 0
        self._closed = False
        self.error_handler: Callable[[BaseException, QWidget | None], object] | None = None

    @property
    def pending(self) -> int:
        """Jobs submitted whose callbacks have not run yet (tests wait for 0)."""
        return self._pending

    def op(self, fn: Callable[[], T], parent: QWidget | None = None) -> Op[T]:
        return Op(self, fn, parent)

    def settle(self, seconds: float, until: Callable[[], bool] | None = None) -> None:
        """For scripts that drive the window without a test's qtbot (screenshots, the fit probe):
        process events for `seconds`, then on while a job is pending or `until()` is false,
        giving up 20 s later."""
        end = time.perf_counter() + seconds
        while time.perf_counter() < end or self._pending or (until is not None and not until()):
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 30)
            time.sleep(0.005)
            if time.perf_counter() > end + 20:
                break

    def _submit(self, op: Op[Any]) -> Future[Any] | None:
        if self._closed:
            return None  # shutting down: late timers of closing widgets have nothing to do
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)

        def job() -> Any:
            try:
                result = op.fn()
            except BaseException as exc:  # delivered to the failure callback on the UI thread
                exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
                self._done.finished.emit(op, None, exc)
                return None
            self._done.finished.emit(op, result, None)
            return result

        return self._executor.submit(job)

    def _deliver(self, op: Op[Any], result: Any, exc: BaseException | None) -> None:
        try:
            op._finish(result, exc)
        finally:
            self._pending -= 1
            if self._pending == 0:
                self.busy_changed.emit(False)

    def shutdown(self) -> None:
        """Finish queued work (a write in progress completes) and stop the worker."""
        self._closed = True
        self._executor.shutdown(wait=True)


class Op(Generic[T]):
    """One background job; configure with the chained methods, then `run()`."""

    def __init__(self, ops: Ops, fn: Callable[[], T], parent: QWidget | None) -> None:
        self._ops = ops
        self.fn = fn
        self._parent = parent
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._progress_label: str | None = None
        self._timer: QTimer | None = None
        self._dialog: QProgressDialog | None = None

    def success(self, fn: Callable[[T], None]) -> Op[T]:
        self._on_success = fn
        return self

    def failure(self, fn: Callable[[BaseException], None]) -> Op[T]:
        self._on_failure = fn
        return self

    def with_progress(self, label: str) -> Op[T]:
        self._progress_label = label
        return self

    def run(self) -> None:
        if self._progress_label is not None:
            self._timer = QTimer(singleShot=True)
            self._timer.timeout.connect(self._show_progress)
            self._timer.start(PROGRESS_DELAY_MS)
        self._ops._submit(self)

    def _show_progress(self) -> None:
        if self.parent_gone():
            return
        self._dialog = QProgressDialog(self._progress_label or "", "", 0, 0, self._parent)
        self._dialog.setWindowTitle("Đang xử lý")
        self._dialog.setCancelButton(None)
        self._dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self._dialog.setMinimumDuration(0)
        self._dialog.show()

    def parent_gone(self) -> bool:
        """The widget the job was started for has been deleted (Esc during a print)."""
        return self._parent is not None and not isValid(self._parent)

    def _finish(self, result: Any, exc: BaseException | None) -> None:
        if self._timer is not None:
            self._timer.stop()
        if self._dialog is not None:
            if isValid(self._dialog):
                self._dialog.close()
                self._dialog.deleteLater()
            self._dialog = None
        if self.parent_gone():
            # Its callbacks would touch deleted widgets; the work itself is done (a print sent,
            # a file written), so only a failure is worth the log.
            if exc is not None:
                log.warning("Tác vụ nền của một cửa sổ đã đóng bị lỗi: %s", exc)
            return
        if exc is None:
            if self._on_success is not None:
                self._on_success(result)
            return
        if self._on_failure is not None:
            self._on_failure(exc)
            return
        handler = self._ops.error_handler
        if handler is not None:
            handler(exc, self._parent)
        else:
            log.error("Lỗi trong tác vụ nền: %s", getattr(exc, "__traceback_text__", exc))
