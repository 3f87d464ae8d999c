"""The window started on a data folder put back from an old copy (probe F1) says so at once,
naming the codes issued and printed that the database lost (the citizens to find)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox

from counter_app.auth import system_actor
from tests.conftest import make_services
from tests.helpers.cli import draft


def test_window_start_names_the_codes_lost_with_a_folder_put_back(
    qtbot: Any, tmp_path: Path, clock: Any, app_home: Path, ops: Any
) -> None:
    from ui.app import AppController

    data = tmp_path / "data"  # the data folder; the ledger's copies are in app_home
    data.mkdir()
    url = f"sqlite:///{data / 'counter.sqlite3'}"
    services = make_services(url, clock)
    first = services.intake.receive(draft(1), clerk=system_actor()).code
    services.close()
    shutil.copytree(data, tmp_path / "snapshot")
    services = make_services(url, clock)
    lost = [services.intake.receive(draft(i), clerk=system_actor()).code for i in (2, 3)]
    services.close()
    shutil.rmtree(data)
    shutil.copytree(tmp_path / "snapshot", data)

    services = make_services(url, clock)
    controller = AppController(services, ops)
    try:
        controller.start()
        qtbot.waitUntil(lambda: controller.rollback_box is not None, timeout=20_000)
        box = controller.rollback_box
        assert isinstance(box, QMessageBox)
        assert lost[0] in box.text() and lost[1] in box.text() and first not in box.text()
        assert "không bao giờ được cấp lại" in box.text()
        box.close()
        after = services.intake.receive(draft(4), clerk=system_actor()).code
        assert after.endswith("-0004")
    finally:
        for widget in (controller.dialog, controller.window):
            if widget is not None:
                widget.close()
        services.close()
