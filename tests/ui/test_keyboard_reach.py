"""Every action reachable by keyboard: no Alt+letter clashes, tiles and lists, print preview,
Vietnamese standard dialogs, a confirmation before Ctrl+N, messages that clear themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton

from counter_app.auth import system_actor
from counter_app.domain import Role
from counter_app.reports import Figure
from tests.ui.conftest import CHIP_QR, settle, type_text
from tests.ui.mnemonics import clashes, window_mnemonics


def test_main_window_has_no_mnemonic_clash(qtbot: Any, make_window: Any, ops: Any) -> None:
    for role in (Role.ADMIN, Role.SUPERVISOR, Role.CLERK):
        window = make_window(role)
        for tab in (0, 1):
            window.show_tab(tab)
            settle(qtbot, ops)
            assert clashes(window) == {}, (role, tab)
        # An organisation's labels replace the person's: still no clash.
        window.show_tab(0)
        window.intake.kind.setCurrentIndex(window.intake.kind.count() - 1)
        assert clashes(window) == {}, role


def test_menus_have_their_own_letters(qtbot: Any, make_window: Any) -> None:
    window = make_window(Role.SUPERVISOR)
    keys = window_mnemonics(window)
    assert keys["Alt+H"] == ["menu '&Hồ sơ'"]
    assert keys["Alt+G"] == ["menu '&Giám sát'"]
    assert keys["Alt+T"] == ["menu '&Tài khoản'"]
    # Logout and the dashboard are menu items (with shortcuts) a keyboard reaches.
    names = {a.objectName(): a for a in window.findChildren(type(window.actions()[0]))}
    assert names["logoutAction"].shortcut().toString() == "Ctrl+Shift+L"
    assert names["dashboardAction"].shortcut().toString() == "Ctrl+D"


def test_other_windows_have_no_mnemonic_clash(
    qtbot: Any, make_window: Any, ops: Any, services: Any, users: Any
) -> None:
    from ui.dialogs.calendar import CalendarDialog
    from ui.dialogs.centre import CentreDialog
    from ui.dialogs.login import LoginDialog
    from ui.dialogs.setup import SetupDialog
    from ui.dialogs.users import UsersDialog

    window = make_window(Role.ADMIN)
    admin = users[Role.ADMIN]
    dialogs = [
        LoginDialog(services, ops),
        SetupDialog(services, ops),
        CentreDialog(services, ops, admin, window),
        UsersDialog(services, ops, admin, window),
        CalendarDialog(services, ops, admin, window),
    ]
    window.open_dashboard()
    dialogs.append(window.dashboard)
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        settle(qtbot, ops)
        assert clashes(dialog) == {}, dialog.objectName() or type(dialog).__name__
    window.dashboard.timer.stop()


def test_dashboard_tiles_and_chart_open_by_keyboard(qtbot: Any, make_window: Any, ops: Any) -> None:
    window = make_window(Role.SUPERVISOR)
    window.open_dashboard()
    dash = window.dashboard
    qtbot.addWidget(dash)
    settle(qtbot, ops)
    tile = dash.tiles[Figure.TOTAL]
    assert tile.focusPolicy() & Qt.FocusPolicy.TabFocus
    tile.setFocus()
    with qtbot.waitSignal(dash.drill_did_open, timeout=10_000) as opened:
        qtbot.keyClick(tile, Qt.Key.Key_Return)
    opened.args[0].close()
    dash.chart.setFocus()
    qtbot.keyClick(dash.chart, Qt.Key.Key_Right)
    assert "Enter để xem" in dash.chart.chart().title()
    with qtbot.waitSignal(dash.drill_did_open, timeout=10_000) as opened:
        qtbot.keyClick(dash.chart, Qt.Key.Key_Return)
    assert "giờ" in opened.args[0].windowTitle().lower() or opened.args[0].model.rowCount() >= 0
    opened.args[0].close()
    dash.timer.stop()
    settle(qtbot, ops)


def test_preview_pages_down_without_tab(qtbot: Any, services: Any, ops: Any) -> None:
    from counter_app.receipts import Layout, render_receipt
    from tests.ui.test_printing import _receipt
    from ui.printing import PdfPreviewDialog, rasterise

    code, _ = _receipt(services)
    pdf = render_receipt(services.receipts.receipt_data(code, by=system_actor()), Layout.A4)
    dialog = PdfPreviewDialog(None, services, ops, pdf, rasterise(pdf, 110), "Giấy", "x.pdf")
    qtbot.addWidget(dialog)
    dialog.resize(900, 500)
    dialog.show()
    qtbot.waitExposed(dialog)
    focus = dialog.focusWidget()
    assert isinstance(focus, QPushButton)  # a button has the focus, not the pages
    bar = dialog.view.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0
    qtbot.keyClick(focus, Qt.Key.Key_PageDown)
    assert bar.value() > 0
    qtbot.keyClick(focus, Qt.Key.Key_End)
    assert bar.value() == bar.maximum()
    qtbot.keyClick(focus, Qt.Key.Key_Home)
    assert bar.value() == 0
    dialog.close()
    settle(qtbot, ops)


def test_standard_dialogs_speak_vietnamese_and_open_in_documents(
    qtbot: Any, qapp: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from ui.dialogs.files import ask_save_path, documents_folder
    from ui.translations import install_translations

    monkeypatch.setenv("HOME", str(tmp_path))  # a user whose Documents folder is not made yet
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)

    translator = install_translations(qapp)
    assert translator is not None
    try:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Hỏi",
            "?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        texts = sorted(b.text() for b in box.buttons())
        assert texts == ["&Có", "&Không"]
        chosen: list[Path] = []
        dialog = ask_save_path(None, "Lưu PDF", "x.pdf", "Tệp PDF (*.pdf)", chosen.append)
        qtbot.addWidget(dialog)
        assert documents_folder().is_relative_to(tmp_path)
        assert Path(dialog.directory().absolutePath()) == documents_folder()
        labels = {w.text() for w in dialog.findChildren(QLabel)}
        assert {"Lưu vào:", "&Tên tệp:", "&Loại tệp:"} <= labels
        buttons = {w.text() for w in dialog.findChildren(QPushButton)}
        assert "&Lưu" in buttons and "&Hủy" in buttons
        assert not any(t in labels | buttons for t in ("Look in:", "&Save", "Cancel"))
        dialog.fileSelected.emit(str(tmp_path / "x.pdf"))
        assert chosen == [tmp_path / "x.pdf"]
        dialog.close()
    finally:
        qapp.removeTranslator(translator)


def test_ctrl_n_asks_before_clearing_a_filled_form(qtbot: Any, make_window: Any, ops: Any) -> None:
    form = make_window(Role.CLERK).intake
    qtbot.keyClick(form.procedure, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert form.confirm_box is None  # empty: nothing to lose, no question
    type_text(qtbot, form.name, "Trần Thị Thuỷ")
    qtbot.keyClick(form.name, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    box = form.confirm_box
    assert box is not None and box.isVisible()
    assert "chưa lưu" in box.text()
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # "Không" is the escape button: nothing cleared
    assert form.name.text() == "Trần Thị Thuỷ"
    form.new_button.click()
    box = form.confirm_box
    yes = next(b for b in box.buttons() if "Đồng ý" in b.text())
    yes.click()
    assert form.name.text() == ""
    settle(qtbot, ops)


def test_messages_clear_when_their_cause_goes_away(qtbot: Any, make_window: Any, ops: Any) -> None:
    window = make_window(Role.CLERK)
    form = window.intake
    window.on_chip_id_scan(CHIP_QR)
    assert "022090012345" in form.scan_notice.text()
    qtbot.keyClick(form.id_number, Qt.Key.Key_Backspace)
    assert form.scan_notice.text() == ""  # the ID is no longer the card's
    form.phone.setText("12")
    form.save()
    settle(qtbot, ops)
    error = form.errors.labels["applicant.phone"]
    assert error.isVisibleTo(form) and error.text()
    qtbot.keyClicks(form.phone, "3")
    assert not error.isVisibleTo(form) and error.text() == ""


def test_unreadable_scan_leaves_no_text_and_says_so_plainly(
    qtbot: Any, make_window: Any, ops: Any
) -> None:
    window = make_window(Role.CLERK)
    form = window.intake
    form.notes.setText("giữ nguyên")
    form.notes.setFocus()
    # A damaged barcode: fast, ends in Enter, neither a card nor a dossier code.
    qtbot.keyClicks(form.notes, "X9K2-00QZ-77..-H4")
    qtbot.keyClick(form.notes, Qt.Key.Key_Return)
    assert form.notes.text() == "giữ nguyên"
    assert "Không đọc được mã vừa quét" in form.scan_notice.text()
    # A chip-ID QR cut short: the field it landed in is as it was, the message is plain.
    form.name.setFocus()
    type_text(qtbot, form.name, "022090012345|123456789|Nguyễn Văn")
    qtbot.keyClick(form.name, Qt.Key.Key_Return)
    assert form.name.text() == ""
    assert "|" not in form.scan_notice.text()
    assert "quét lại" in form.scan_notice.text()
    settle(qtbot, ops)
