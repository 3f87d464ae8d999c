"""The status-bar sync indicator and the controller that syncs in the background.

The controller runs the sync cycles on its own daemon thread (never the UI thread, and not the
shared database worker of ui/ops.py, which a slow network must not hold up) and hands results back
through a queued signal. The thread lives as long as the controller: starting a thread makes the
caller wait until the new one gets the GIL, which under load stalled the window at each "Sync
now". Correctness never depends on a clean shutdown: a cycle cut short by exit
is re-queued by the engine at the next start.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from counter_app.sync.engine import CycleReport, SyncEngine
from counter_app.sync.status import SyncStatus, sync_status
from ui.ops import Ops

if TYPE_CHECKING:
    from counter_app.services import CounterServices

log = logging.getLogger(__name__)


class SyncController(QObject):
    """Runs sync cycles off the UI thread: on a timer every `sync.interval_s`, and on demand.

    Signals: `sync_did_finish(CycleReport)`, `status_did_change(SyncStatus)`.
    """

    sync_did_finish = Signal(object)
    status_did_change = Signal(object)
    _worker_done = Signal(object, object)

    def __init__(
        self, services: CounterServices, parent: QObject | None = None, *, ops: Ops | None = None
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.ops = ops
        #: The last status read (in the background); `pending_count()` answers from it.
        self.status: SyncStatus | None = None
        self._own_ops: Ops | None = None
        self._engine: SyncEngine | None = None
        self._engine_settings: Any = None
        self._lock = threading.Lock()
        self._running = False
        self._closed = False
        self.last_worker_thread: str = ""
        self._requests: queue.SimpleQueue[tuple[bool, bool] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._worker_done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        """Start automatic sync (every `sync.interval_s` seconds) and sync once now."""
        interval = max(5, int(self.services.settings.sync.interval_s))
        self._timer.start(interval * 1000)
        self._tick()

    def _tick(self) -> None:
        self._launch(manual=False)

    def sync_now(self) -> bool:
        """ "Sync now": ignore backoff and a pause; False if a cycle is already running."""
        return self._launch(manual=True)

    def resend_failed(self) -> bool:
        """Put rejected and conflicting records back in the queue (once the clerk or the server
        side fixed the cause) and sync at once; False if a cycle is already running."""
        return self._launch(manual=True, resend=True)

    def _launch(self, *, manual: bool, resend: bool = False) -> bool:
        if self._closed or not self.services.settings.sync.server_url:
            self.refresh()
            return False
        with self._lock:
            if self._running:
                return False
            self._running = True
        if self._thread is None:  # once, at the first cycle (start-up)
            self._thread = threading.Thread(target=self._serve, name="counter-sync", daemon=True)
            self._thread.start()
        self._requests.put((manual, resend))
        return True

    def _serve(self) -> None:
        while (request := self._requests.get()) is not None:
            self._work(*request)

    def _engine_for_now(self) -> SyncEngine:
        current = self.services.settings.sync
        if self._engine is None or self._engine_settings != current:
            if self._engine is not None:
                self._engine.close()
            self._engine = SyncEngine.for_services(self.services)
            self._engine_settings = current
        return self._engine

    def _work(self, manual: bool, resend: bool = False) -> None:
        self.last_worker_thread = threading.current_thread().name
        try:
            engine = self._engine_for_now()
            if resend:
                engine.requeue()
            report = engine.run_once(manual=manual)
        except Exception as exc:  # the window must keep working whatever the network does
            log.exception("sync cycle failed")
            report = CycleReport(error=f"Lỗi đồng bộ: {exc}")
        status = self._read_status()  # still on the sync thread: the window never waits
        if not self._closed:
            # RuntimeError: the window was closed meanwhile and there is nobody to tell.
            with contextlib.suppress(RuntimeError):
                self._worker_done.emit(report, status)

    def _read_status(self) -> SyncStatus | None:
        try:
            return sync_status(self.services)
        except Exception:  # the indicator may lag; the counter keeps working
            log.exception("sync status could not be read")
            return None

    def _on_done(self, report: CycleReport, status: SyncStatus | None) -> None:
        with self._lock:
            self._running = False
        if status is not None:
            self._show_status(status)
        self.sync_did_finish.emit(report)

    def refresh(self) -> None:
        """Read the queue and last outcome in the background; `status_did_change` follows."""
        if self.ops is not None:
            self.ops.op(self._read_status).success(self._show_status_or_none).run()
            return

        # Without the window's worker (a widget on its own): a private one, owned by this
        # controller, so that nothing is emitted on a controller that is already deleted.
        if self._own_ops is None:
            self._own_ops = Ops(self)
        self._own_ops.op(self._read_status).success(self._show_status_or_none).run()

    def _show_status_or_none(self, status: SyncStatus | None) -> None:
        if status is not None:
            self._show_status(status)

    def _show_status(self, status: SyncStatus) -> None:
        self.status = status
        self.status_did_change.emit(status)

    def pending_count(self) -> int:
        """Records waiting, as last read (after start, every cycle and every save)."""
        return self.status.pending if self.status is not None else 0

    def has_pending(self) -> bool:
        return self.pending_count() > 0

    def shutdown(self) -> None:
        self._closed = True
        self._timer.stop()
        self._requests.put(None)  # the sync thread ends after the cycle it is in, if any
        if self._own_ops is not None:
            self._own_ops.shutdown()


class SyncStatusWidget(QWidget):
    """Online/offline, records waiting, last successful sync, last error, and "Sync now"."""

    def __init__(
        self,
        services: CounterServices,
        parent: QWidget | None = None,
        *,
        autostart: bool = True,
        ops: Ops | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.controller = SyncController(services, self, ops=ops)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        self.state_label = QLabel(self)
        self.state_label.setObjectName("syncStateLabel")
        self.pending_label = QLabel(self)
        self.pending_label.setObjectName("syncPendingLabel")
        self.last_label = QLabel(self)
        self.last_label.setObjectName("syncLastLabel")
        self.error_label = QLabel(self)
        self.error_label.setObjectName("syncErrorLabel")
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setMaximumWidth(320)
        # Alarms, not counts: the token is another PC's (no code is issued), or dossiers the
        # server refused, by code and citizen (whose printed receipt is not on the server).
        self.alarm_label = QLabel(self)
        self.alarm_label.setObjectName("syncAlarmLabel")
        self.alarm_label.setStyleSheet("color: #ffffff; background: #b00020; padding: 0 4px;")
        self.alarm_label.setMaximumWidth(560)
        self.alarm_label.setVisible(False)
        self.sync_button = QPushButton("Đồng bộ ngay", self)
        self.sync_button.setObjectName("syncNowButton")
        self.sync_button.setToolTip("Gửi ngay các hồ sơ đang chờ và nhận cập nhật từ máy chủ tỉnh")
        self.resend_button = QPushButton("Gửi lại bản ghi lỗi", self)
        self.resend_button.setObjectName("syncResendButton")
        self.resend_button.setToolTip(
            "Đưa các bản ghi bị máy chủ từ chối hoặc xung đột vào hàng chờ và gửi lại ngay"
        )
        self.resend_button.setVisible(False)
        for w in (
            self.state_label,
            self.alarm_label,
            self.pending_label,
            self.last_label,
            self.error_label,
        ):
            layout.addWidget(w)
        layout.addWidget(self.resend_button)
        layout.addWidget(self.sync_button)
        self.sync_button.clicked.connect(self.sync_now)
        self.resend_button.clicked.connect(self.resend_failed)
        self.controller.status_did_change.connect(self._show)
        self.controller.sync_did_finish.connect(self._finished)
        self.controller.refresh()  # in the background: the window opens without waiting
        if autostart:
            self.controller.start()

    def sync_now(self) -> None:
        if self.controller.sync_now():
            self.sync_button.setEnabled(False)
            self.state_label.setText("⟳ Đang đồng bộ…")

    def resend_failed(self) -> None:
        if self.controller.resend_failed():
            self.sync_button.setEnabled(False)
            self.resend_button.setEnabled(False)
            self.state_label.setText("⟳ Đang gửi lại…")

    def _finished(self, _report: CycleReport) -> None:
        self.sync_button.setEnabled(True)
        self.resend_button.setEnabled(True)

    def pending_count(self) -> int:
        """Records not yet on the server (the window warns before exit when > 0)."""
        return self.controller.pending_count()

    def has_pending(self) -> bool:
        return self.controller.has_pending()

    def shutdown(self) -> None:
        self.controller.shutdown()

    def _show(self, status: SyncStatus) -> None:
        if not status.configured:
            self.state_label.setText("○ Chưa cấu hình đồng bộ")
        elif status.paused:
            self.state_label.setText("⏸ Tạm dừng đồng bộ")
        elif status.online:
            self.state_label.setText("● Trực tuyến")
        elif status.online is None:
            self.state_label.setText("○ Chưa đồng bộ")
        else:
            self.state_label.setText("● Mất kết nối")
        color = "#1b7f3b" if status.online and not status.paused else "#8a8a8a"
        if status.online is False or status.paused:
            color = "#b00020"
        self.state_label.setStyleSheet(f"color: {color};")
        text = f"Chờ gửi: {status.pending}"
        failed = bool(status.rejected or status.conflicts)
        if failed:
            text += f" · Bị từ chối: {status.rejected} · Xung đột: {status.conflicts}"
        self.resend_button.setVisible(failed and status.configured)
        self.pending_label.setText(text)
        last = status.last_success
        self.last_label.setText(
            f"Đồng bộ lúc {last:%H:%M %d/%m/%Y}" if last else "Chưa đồng bộ lần nào"
        )
        error = status.paused or status.last_error or status.warning
        metrics = self.error_label.fontMetrics()
        self.error_label.setText(
            metrics.elidedText(error, Qt.TextElideMode.ElideRight, self.error_label.maximumWidth())
        )
        self.error_label.setToolTip(error)
        self._show_alarm(status)

    def _show_alarm(self, status: SyncStatus) -> None:
        lines: list[str] = []
        if status.token_elsewhere:
            self.state_label.setText("⛔ Mã truy cập đang dùng ở máy khác")
            self.state_label.setStyleSheet("color: #b00020;")
            lines.append(f"Không cấp mã hồ sơ: {status.token_elsewhere}")
        refused = status.rejected_dossiers
        if refused:
            codes = ", ".join(f"{d.code} ({d.applicant})" for d in refused[:3])
            more = f" và {len(refused) - 3} hồ sơ khác" if len(refused) > 3 else ""
            # What to do first: the elision cuts the tail, never the call to action.
            head = f"⚠ Gọi lại công dân — máy chủ từ chối hồ sơ {codes}{more}"
            lines += [f"{d.message} {d.advice}" for d in refused]
        else:
            head = ""
        if status.token_elsewhere:
            head = "⛔ Máy này không cấp mã hồ sơ" + (f" · {head}" if head else "")
        metrics = self.alarm_label.fontMetrics()
        self.alarm_label.setText(
            metrics.elidedText(head, Qt.TextElideMode.ElideRight, self.alarm_label.maximumWidth())
        )
        self.alarm_label.setToolTip("\n".join(lines))
        self.alarm_label.setVisible(bool(lines))
