"""First run (setup dialog) and sign-in through the application controller."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from counter_app.auth import system_actor
from counter_app.domain import Role
from tests.ui.conftest import login_shown, settle, type_text


def _controller(services: Any, ops: Any) -> Any:
    from ui.app import AppController

    return AppController(services, ops)


def test_first_run_setup_creates_centre_and_admin(qtbot: Any, services: Any, ops: Any) -> None:
    controller = _controller(services, ops)
    with qtbot.waitSignal(controller.setup_shown, timeout=10_000) as shown:
        controller.start()
    dialog = shown.args[0]
    qtbot.addWidget(dialog)
    form = dialog.centre
    form.identifier.setText("000.00.00.H50")
    form.name.setText("")
    type_text(qtbot, form.name, "Trung tâm Phục vụ hành chính công xã Yên Hưng")
    form.place.setText("")
    type_text(qtbot, form.place, "Quảng Yên")
    form.hours["sat"].setText("07:30-11:30")
    dialog.username.setText("Admin")
    type_text(qtbot, dialog.full_name, "Đỗ Văn Quản")
    dialog.password.setText("matkhau123")
    dialog.password2.setText("matkhau12")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert "không khớp" in dialog.error.text()
    dialog.password2.setText("matkhau123")
    with qtbot.waitSignal(controller.main_shown, timeout=10_000) as main:
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    window = main.args[0]
    qtbot.addWidget(window)
    assert window.user.role is Role.ADMIN
    cfg = services.centre.load()
    assert cfg.configured and cfg.agency_identifier == "000.00.00.H50"
    assert cfg.working_hours["sat"] == [["07:30", "11:30"]]
    assert services.auth.authenticate("admin", "matkhau123") is not None
    window.close()
    settle(qtbot, ops)


def test_setup_rejects_bad_hours(qtbot: Any, services: Any, ops: Any) -> None:
    controller = _controller(services, ops)
    with qtbot.waitSignal(controller.setup_shown, timeout=10_000) as shown:
        controller.start()
    dialog = shown.args[0]
    qtbot.addWidget(dialog)
    dialog.centre.hours["mon"].setText("7 giờ sáng")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert "Thứ Hai" in dialog.error.text()
    assert not services.auth.has_users()


def test_login_wrong_then_right(qtbot: Any, services: Any, ops: Any, users: Any) -> None:
    controller = _controller(services, ops)
    dialog = login_shown(qtbot, controller)
    qtbot.keyClicks(dialog.username, "canbo")
    qtbot.keyClicks(dialog.password, "sai-mat-khau")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    settle(qtbot, ops)
    assert "không đúng" in dialog.error.text()
    assert controller.window is None
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "canbo1234")
    with qtbot.waitSignal(controller.main_shown, timeout=10_000) as main:
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    window = main.args[0]  # deleted by the controller at logout, so not given to qtbot
    assert window.user.username == "canbo"
    # Logging out comes back to the login dialog.
    with qtbot.waitSignal(controller.login_shown, timeout=10_000) as again:
        window.logout_requested.emit()
    qtbot.addWidget(again.args[0])
    settle(qtbot, ops)


def test_login_typed_before_the_database_is_open(
    qtbot: Any, services: Any, ops: Any, users: Any
) -> None:
    """The dialog shows at once; Enter pressed while the core still loads signs in when ready."""
    from ui.app import AppController

    controller = AppController(None, ops, factory=lambda: services)
    dialog = login_shown(qtbot, controller)
    qtbot.keyClicks(dialog.username, "canbo")
    qtbot.keyClicks(dialog.password, "canbo1234")
    with qtbot.waitSignal(controller.main_shown, timeout=10_000) as main:
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    main.args[0].close()
    settle(qtbot, ops)


def test_start_takes_the_daily_backup(qtbot: Any, services: Any, ops: Any) -> None:
    services.auth.create_user("admin", "Quản Trị", "matkhau123", Role.ADMIN, by=system_actor())
    controller = _controller(services, ops)
    login = login_shown(qtbot, controller)
    settle(qtbot, ops)
    backups = list((services.settings.paths.backup_dir / "auto").glob("*"))
    assert len(backups) == 1
    login.close()


def test_setup_asks_for_the_counter_number_and_never_defaults_it(
    qtbot: Any, sqlite_url: str, clock: Any, app_home: Any, ops: Any
) -> None:
    from counter_app.settings import Settings
    from tests.conftest import make_services

    services = make_services(sqlite_url, clock, counter_no=0)
    try:
        controller = _controller(services, ops)
        with qtbot.waitSignal(controller.setup_shown, timeout=10_000) as shown:
            controller.start()
        dialog = shown.args[0]
        qtbot.addWidget(dialog)
        form = dialog.centre
        assert form.counter.value() == 0 and form.counter.text() == "— chọn số quầy —"
        form.identifier.setText("000.00.00.H50")
        dialog.username.setText("admin")
        type_text(qtbot, dialog.full_name, "Đỗ Văn Quản")
        dialog.password.setText("matkhau123")
        dialog.password2.setText("matkhau123")
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
        assert "Hãy chọn số quầy" in dialog.error.text()
        assert form.counter.hasFocus() or not dialog.isActiveWindow()
        assert not services.auth.has_users()
        form.counter.setFocus()
        form.counter.selectAll()  # by keyboard the clerk types over the placeholder
        qtbot.keyClicks(form.counter, "3")
        assert form.counter.value() == 3
        with qtbot.waitSignal(controller.main_shown, timeout=10_000) as main:
            qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
        window = main.args[0]
        qtbot.addWidget(window)
        assert controller.services.settings.counter_no == 3
        assert Settings.load().counter_no == 3  # written to this PC's settings file
        assert controller.services.intake.unit_identifier().endswith(".Q03")
        window.close()
        settle(qtbot, ops)
    finally:
        services.close()


def test_an_older_database_without_a_counter_number_asks_it_after_login(
    qtbot: Any, sqlite_url: str, clock: Any, app_home: Any, ops: Any
) -> None:
    from counter_app.settings import Settings
    from tests.conftest import make_services

    services = make_services(sqlite_url, clock, counter_no=0)
    services.auth.create_user("canbo", "Cán Bộ", "canbo1234", Role.CLERK, by=system_actor())
    try:
        controller = _controller(services, ops)
        login = login_shown(qtbot, controller)
        qtbot.keyClicks(login.username, "canbo")
        qtbot.keyClicks(login.password, "canbo1234")
        with qtbot.waitSignal(controller.counter_shown, timeout=10_000) as asked:
            qtbot.keyClick(login.password, Qt.Key.Key_Return)
        dialog = asked.args[0]
        qtbot.addWidget(dialog)
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
        assert "Hãy chọn số quầy" in dialog.error.text()
        dialog.counter.selectAll()
        qtbot.keyClicks(dialog.counter, "4")
        with qtbot.waitSignal(controller.main_shown, timeout=10_000) as main:
            qtbot.keyClick(dialog.counter, Qt.Key.Key_Return)
        window = main.args[0]
        qtbot.addWidget(window)
        assert controller.services.settings.counter_no == 4
        assert Settings.load().counter_no == 4
        assert window.services.intake.unit_identifier().endswith(".Q04")
        window.close()
        settle(qtbot, ops)
    finally:
        services.close()
