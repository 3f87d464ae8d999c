"""The window on a damaged database (issue 9, point 5): says what happened, offers the newest
good backup, keeps the damaged file aside, and goes on to setup/login on the restored one."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox

from counter_app.auth import system_actor
from counter_app.backup import create_backup
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.services import CounterServices
from tests.conftest import make_services
from tests.helpers.cli import flip_bytes


def test_damaged_database_offers_the_newest_good_backup(
    qtbot: Any, tmp_path: Path, clock: Any, app_home: Path, ops: Any
) -> None:
    from ui.app import AppController

    db_file = tmp_path / "counter.sqlite3"
    services = make_services(f"sqlite:///{db_file}", clock)
    for i in range(3):
        services.intake.receive(
            DossierDraft(
                procedure_code="2.000908",
                applicant=ApplicantDraft(name="Trần Thị Thuỷ", id_number=f"0221{90000000 + i:08d}"),
            ),
            clerk=system_actor(),
        )
    good = create_backup(
        services.db, backup_dir=services.settings.paths.backup_dir, by=system_actor()
    )
    settings = services.settings
    services.close()
    flip_bytes(db_file)
    for suffix in ("-wal", "-shm"):
        Path(str(db_file) + suffix).unlink(missing_ok=True)
    damaged = hashlib.sha256(db_file.read_bytes()).hexdigest()

    opened: list[Any] = []

    def factory() -> Any:
        made = CounterServices(replace(settings), clock=clock)
        opened.append(made)
        return made

    controller = AppController(None, ops, factory=factory)
    controller.start()
    qtbot.waitUntil(lambda: controller.damage_box is not None, timeout=10_000)
    box = controller.damage_box
    assert isinstance(box, QMessageBox)
    assert "bị hỏng" in box.text() and str(good) in box.text()
    assert hashlib.sha256(db_file.read_bytes()).hexdigest() == damaged  # nothing written
    yes = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.YesRole)
    with qtbot.waitSignal(controller.setup_shown, timeout=20_000) as shown:
        yes.click()
    qtbot.addWidget(shown.args[0])
    conn = sqlite3.connect(db_file)
    assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM dossier").fetchone()[0] == 3
    conn.close()
    kept = list(settings.paths.backup_dir.glob("*-damaged-*.sqlite3"))
    assert len(kept) == 1 and hashlib.sha256(kept[0].read_bytes()).hexdigest() == damaged
    assert controller.restored_box is not None
    controller.restored_box.close()  # no box left open for the next test's keyboard
    for made in opened:
        made.close()
