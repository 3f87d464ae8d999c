"""ui.ops: one worker thread, callbacks on the UI thread, none for a deleted widget, and the
database guard that keeps window code off the database on the UI thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtWidgets import QWidget

from counter_app.auth import system_actor
from counter_app.thread_guard import WrongThreadError
from tests.ui.conftest import settle


def test_work_runs_on_the_worker_and_callbacks_on_the_ui_thread(qtbot: Any, ops: Any) -> None:
    seen: dict[str, str] = {}

    def work() -> int:
        seen["work"] = threading.current_thread().name
        return 7

    def done(value: int) -> None:
        seen["done"] = threading.current_thread().name
        seen["value"] = str(value)

    with qtbot.waitSignal(ops.busy_changed, timeout=5_000) as busy:
        ops.op(work).success(done).run()
    assert busy.args == [True]
    with qtbot.waitSignal(ops.busy_changed, timeout=5_000) as idle:
        pass
    assert idle.args == [False]
    assert seen["work"].startswith("counter-db")
    assert seen["done"] == threading.main_thread().name
    assert seen["value"] == "7"
    assert ops.pending == 0


def test_jobs_run_one_at_a_time_in_order(qtbot: Any, ops: Any) -> None:
    order: list[int] = []
    for i in range(5):
        ops.op(lambda i=i: order.append(i)).run()
    settle(qtbot, ops)
    assert order == [0, 1, 2, 3, 4]


def test_failure_goes_to_its_callback_or_the_error_handler(qtbot: Any, ops: Any) -> None:
    caught: list[str] = []

    def boom() -> None:
        raise ValueError("Số điện thoại không hợp lệ.")

    ops.op(boom).failure(lambda exc: caught.append(str(exc))).run()
    settle(qtbot, ops)
    assert caught == ["Số điện thoại không hợp lệ."]
    handled: list[tuple[str, Any]] = []
    ops.error_handler = lambda exc, parent: handled.append((str(exc), parent))
    ops.op(boom).run()
    settle(qtbot, ops)
    assert handled == [("Số điện thoại không hợp lệ.", None)]


def test_no_callback_reaches_a_deleted_widget(qtbot: Any, ops: Any) -> None:
    """Esc during a print: the dialog is gone when the job ends; nothing touches it."""
    gate = threading.Event()
    widget = QWidget()
    calls: list[str] = []
    op = ops.op(lambda: gate.wait(5), widget)
    op.success(lambda _r: calls.append(widget.objectName()))
    op.failure(lambda _e: calls.append("failure")).with_progress("Đang in…").run()
    widget.deleteLater()
    qtbot.wait(50)  # the deferred delete happens
    gate.set()
    settle(qtbot, ops)
    assert calls == []
    assert op.parent_gone()


def test_after_shutdown_nothing_more_is_queued(qapp: Any) -> None:
    from ui.ops import Ops

    ops = Ops()
    ops.shutdown()
    ran: list[int] = []
    ops.op(lambda: ran.append(1)).run()
    assert ran == [] and ops.pending == 0


def test_window_code_on_the_ui_thread_may_not_use_the_database(
    qtbot: Any, services: Any, ops: Any
) -> None:
    from counter_app.intake import ApplicantDraft, DossierDraft
    from ui.printing import receipt_pdf
    from ui.sync_status import SyncController

    code = services.intake.receive(
        DossierDraft("2.000908", ApplicantDraft("Phạm Thị Lan", "022190012345")),
        clerk=system_actor(),
    ).code  # test code on the main thread: allowed
    with pytest.raises(WrongThreadError, match=r"ui/render\.py"):
        receipt_pdf(
            services, code, by=system_actor()
        )  # worker code called on the UI thread: refused
    got: list[bytes] = []
    ops.op(lambda: receipt_pdf(services, code, by=system_actor())).success(got.append).run()
    settle(qtbot, ops, timeout=60_000)
    assert got and got[0].startswith(b"%PDF")
    # The sync indicator reads its status in the background and answers from what it read.
    controller = SyncController(services, None, ops=ops)
    with qtbot.waitSignal(controller.status_did_change, timeout=10_000) as status:
        controller.refresh()
    assert status.args[0].pending == 2  # the dossier and its event wait for the server
    assert controller.pending_count() == 2
