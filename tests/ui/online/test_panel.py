"""The «Hồ sơ trực tuyến» window by keyboard against a real server: list, view, accept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from counter_app.domain import Role
from counter_app.server import online as server_online
from tests.counter_app.sync.harness import RefServer, engine_for
from tests.helpers.ref_server import ref_server
from tests.helpers.samples import pdf_bytes
from tests.ui.conftest import settle
from ui.files.viewer import PaperViewer
from ui.online.panel import OnlineDossiersDialog


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[RefServer]:
    with ref_server(tmp_path, files=True) as server:
        yield server


@pytest.fixture
def filed(srv: RefServer, services: Any) -> dict[str, Any]:
    files = srv.app.app.files
    assert files is not None
    doc = {
        "procedure": "1.001193",
        "applicant": {"name": "Hoàng Thị Yến", "id_number": "022190007777"},
        "papers": [{"paper": "TK", "name": "to-khai.pdf"}],
    }
    submitted = server_online.submit(srv.store.db, files, doc, {"0": pdf_bytes(3)})
    engine = engine_for(services, srv)
    assert not engine.run_once(manual=True).error
    engine.close()
    return submitted


def _message_box(parent: Any) -> QMessageBox | None:
    for w in parent.findChildren(QMessageBox):
        if w.isVisible():
            return w
    return None


def test_list_view_and_accept_by_keyboard(  # type: ignore[no-untyped-def]
    qtbot, make_window, ops, services, srv, filed
) -> None:
    window = make_window(Role.CLERK)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    settle(qtbot, ops)
    dialog = window.findChild(OnlineDossiersDialog, "onlineDossiersDialog")
    assert dialog is not None and dialog.isVisible()
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 2).text() == "Hoàng Thị Yến"
    assert dialog.files.rowCount() == 1 and dialog.files.item(0, 2).text() == "3"
    # F4 opens the paper; PageDown turns pages, Ctrl++ zooms.
    qtbot.keyClick(dialog, Qt.Key.Key_F4)
    settle(qtbot, ops)
    viewer = dialog.findChild(PaperViewer, "paperViewer")
    assert viewer is not None and viewer.isVisible()
    qtbot.waitUntil(lambda: len(viewer.images) == 3, timeout=10_000)
    width = viewer.images[0].width()
    qtbot.keyClick(viewer, Qt.Key.Key_PageDown)
    assert viewer.page == 1 and viewer.status.text().startswith("Trang 2/3")
    qtbot.keyClick(viewer, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ops)
    assert viewer.zoom == 125 and viewer.images[0].width() > width
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    # F5 accepts: the server grants it, a code of this counter's unit is issued.
    qtbot.keyClick(dialog, Qt.Key.Key_F5)
    settle(qtbot, ops)
    box = _message_box(dialog)
    assert box is not None and "Đã tiếp nhận, mã hồ sơ 000.00.00.H49.Q01-" in box.text()
    box.accept()
    settle(qtbot, ops)
    assert dialog.table.rowCount() == 0
    found = server_online.public_status(srv.store.db, filed["uuid"])
    assert found is not None and found["status"] == 2
    assert window.online_label.text() == ""
    # The accepted dossier and its papers go up with the next sync (nothing left waiting).
    engine = engine_for(services, srv)
    report = engine.run_until_done(max_seconds=30)
    engine.close()
    assert not report.error and report.files_uploaded == 1 and engine.counts().waiting == 0
