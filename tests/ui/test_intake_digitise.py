"""Digitising papers in the intake form, by keyboard: choose a file (and a corrupt one), drop one on
a row, scan from the SANE test device, look at the pages, remove a file; the save refuses a
must-digitise paper without a file until a reason is typed, and the files reach the dossier."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from counter_app.auth import system_actor
from counter_app.domain import Role
from counter_app.file_limit import remember_server_limit
from tests.helpers.samples import noisy_png, pdf_file
from tests.ui.conftest import settle, type_text
from tests.ui.mnemonics import clashes

LAND = "1.013831"  # DDK, HD, GCN must be digitised (resources/catalog/procedures.json)
PAGE = "Hợp đồng — trang"  # what each sample page reads


def _land_form(qtbot: Any, make_window: Any, ops: Any, services: Any) -> Any:
    services.catalog.load_file()  # the bundled catalog, with its "digitise" flags
    window = make_window(Role.CLERK)
    form = window.intake
    form.auto_preview = False
    qtbot.keyClicks(form.procedure, LAND)
    qtbot.keyClick(form.procedure, Qt.Key.Key_Return)
    settle(qtbot, ops)
    assert form.procedure.current is not None and form.procedure.current.code == LAND
    type_text(qtbot, form.name, "Phạm Thị Lan")
    qtbot.keyClicks(form.id_number, "022090001234")
    form.papers.setFocus()
    form.papers.setCurrentIndex(form.papers_model.index(0, 0))  # DDK
    return window


def _activate(qtbot: Any, form: Any) -> None:
    """What the window manager does when a dialog closes (offscreen Qt leaves none active)."""
    form.window().activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form.window())


def _choose(qtbot: Any, form: Any, ops: Any, path: Path) -> None:
    """Ctrl+O, then pick `path` in the (Qt, not native) file dialog and accept it."""
    _activate(qtbot, form)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    dialog = form.digitise.file_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.selectFile(str(path))
    dialog.accept()
    settle(qtbot, ops)


def test_choose_drop_view_remove_then_save_with_a_reason(
    qtbot: Any, make_window: Any, ops: Any, services: Any, tmp_path: Path
) -> None:
    window = _land_form(qtbot, make_window, ops, services)
    form, model, panel = window.intake, window.intake.papers_model, window.intake.digitise
    assert clashes(window) == {}
    assert form.undigitised_reason.isVisibleTo(form)  # this procedure has must-scan papers
    assert model.data(model.index(1, 4)) == "cần quét"

    _choose(qtbot, form, ops, pdf_file(tmp_path / "don-dang-ky.pdf", 2, PAGE))
    assert [(f.paper, f.pages) for f in model.all_files()] == [("DDK", 2)]
    assert model.data(model.index(0, 4)) == "1 tệp · 2 tr."
    assert model.counts()["DDK"]["pages"] == 2  # the pages column follows the file
    assert "Đã đính kèm 1 tệp (2 trang)" in panel.status.text()

    # A corrupt PDF: a message naming the paper and the file; nothing else changes.
    form.papers.setFocus()
    form.papers.setCurrentIndex(model.index(1, 0))  # HD
    bad = tmp_path / "hop-dong-hong.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj garbage")
    _choose(qtbot, form, ops, bad)
    message = panel.status.text()
    assert "«HD — " in message and "«hop-dong-hong.pdf»" in message, message
    assert [f.paper for f in model.all_files()] == ["DDK"]

    # Dropped on the HD row: attached to HD.
    good = pdf_file(tmp_path / "hop-dong.pdf", 3, PAGE)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(good))])
    viewport = form.papers.viewport()
    pos = form.papers.visualRect(model.index(1, 0)).center()
    with warnings.catch_warnings():
        # PySide 6 marks the only QDragEnterEvent constructor (QPoint) deprecated.
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(
            pos,
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
        )
    assert QApplication.sendEvent(viewport, enter) and enter.isAccepted()
    drop = QDropEvent(
        QPointF(pos),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, drop)
    settle(qtbot, ops)
    assert [(f.paper, f.name, f.pages) for f in model.files_of("HD")] == [("HD", "hop-dong.pdf", 3)]

    # Alt+X shows the pages; PageDown turns them.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: panel.viewer is not None and panel.viewer.isVisible())
    viewer = panel.viewer
    settle(qtbot, ops)
    assert len(viewer.images) == 3
    qtbot.keyClick(viewer, Qt.Key.Key_PageDown)
    assert "Trang 2/3" in viewer.status.text()
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not viewer.isVisible())

    # Delete in the file list removes the HD file again.
    panel.files.setFocus()
    qtbot.keyClick(panel.files, Qt.Key.Key_Delete)
    assert model.files_of("HD") == []
    assert model.data(model.index(1, 4)) == "cần quét"

    # Saving with HD and GCN not scanned: refused beside the reason field, nothing saved.
    before = services.dossiers.search(by=system_actor())
    _activate(qtbot, form)
    qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ops)
    assert form.last_received is None
    error = form.errors.labels["undigitised_reason"]
    assert error.isVisibleTo(form) and "HD" in error.text() and "GCN" in error.text()
    assert QApplication.focusWidget() is form.undigitised_reason
    assert len(services.dossiers.search(by=system_actor())) == len(before)
    assert [f.paper for f in model.all_files()] == ["DDK"]  # the scan is still there

    type_text(qtbot, form.undigitised_reason, "Máy quét hỏng, quét bổ sung chiều nay")
    qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ops)
    received = form.last_received
    assert received is not None
    files = services.attachments.files(received.code)
    assert [(f.paper, f.name, f.pages) for f in files] == [("DDK", "don-dang-ky.pdf", 2)]
    (todo,) = services.attachments.undigitised(received.code, by=system_actor())
    assert [c for c, _ in todo.papers] == ["HD", "GCN"]
    assert todo.reason == "Máy quét hỏng, quét bổ sung chiều nay"
    assert model.all_files() == []  # the form is empty for the next citizen

    # The detail dialog lists the file and what is still to scan.
    window.show_tab(1)
    window.dossiers.open_code(received.code)
    settle(qtbot, ops)
    dialog = window.dossiers.detail_dialog
    text = dialog.files_label.text()
    assert "DDK: don-dang-ky.pdf (2 trang)" in text and "Chưa số hóa" in text and "HD" in text
    dialog.reject()


@pytest.mark.skipif(shutil.which("scanimage") is None, reason="sane-utils not installed")
def test_scan_from_the_sane_test_device_by_f12(
    qtbot: Any, make_window: Any, ops: Any, services: Any
) -> None:
    from dataclasses import replace

    services.settings = replace(services.settings, scanner_device="test")
    window = _land_form(qtbot, make_window, ops, services)
    form = window.intake
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F12)
    settle(qtbot, ops, timeout=60_000)
    (scan,) = form.papers_model.files_of("DDK")
    assert scan.mime == "image/png" and scan.pages == 1, form.digitise.status.text()


def test_without_sane_the_scan_says_so(
    qtbot: Any, make_window: Any, ops: Any, services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _land_form(qtbot, make_window, ops, services)
    monkeypatch.setenv("PATH", "")  # no scanimage on this machine's PATH
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F12)
    settle(qtbot, ops)
    assert "chưa cài phần mềm máy quét SANE" in window.intake.digitise.status.text()
    assert window.intake.papers_model.all_files() == []


def test_a_file_over_the_servers_limit_is_refused_when_chosen(
    qtbot: Any, make_window: Any, ops: Any, services: Any, tmp_path: Path
) -> None:
    remember_server_limit(services.db, 1024 * 1024)  # as heard from the server at start
    window = _land_form(qtbot, make_window, ops, services)
    form = window.intake
    big = tmp_path / "ban-ve.png"
    big.write_bytes(noisy_png(800, 700))
    assert big.stat().st_size > 1024 * 1024
    _choose(qtbot, form, ops, big)
    message = form.digitise.status.text()
    assert "«DDK — " in message and "«ban-ve.png»" in message, message
    assert "vượt giới hạn 1 MB một tệp của máy chủ tỉnh" in message
    assert form.papers_model.all_files() == []


def test_files_survive_in_the_draft(
    qtbot: Any, make_window: Any, ops: Any, services: Any, tmp_path: Path
) -> None:
    window = _land_form(qtbot, make_window, ops, services)
    _choose(qtbot, window.intake, ops, pdf_file(tmp_path / "don.pdf", 1, PAGE))
    state = window.intake.state()
    assert [f["paper"] for f in state.files] == ["DDK"]
    window.intake.clear()
    settle(qtbot, ops)
    assert window.intake.papers_model.all_files() == []
    window.intake.set_state(state)
    assert [f.name for f in window.intake.papers_model.files_of("DDK")] == ["don.pdf"]
