"""qtmodeltester on every table model of the window."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from counter_app.auth import system_actor
from counter_app.intake import ApplicantDraft, DossierDraft
from ui.dossiers.table_model import DossierTableModel
from ui.intake.papers import PapersModel


def test_papers_model(qtmodeltester: Any, services: Any) -> None:
    model = PapersModel()
    qtmodeltester.check(model)
    info = services.catalog.get("1.001193")
    model.set_papers(info.papers)
    qtmodeltester.check(model)
    # Required papers start ticked, optional ones ("nếu có") not.
    assert model.checked_codes() == [p.code for p in info.papers if p.required]
    assert model.setData(model.index(0, 0), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert model.checked_codes() == [p.code for p in info.papers[1:] if p.required]
    assert info.papers[0] in model.unchecked()
    model.set_checked_codes([p.code for p in info.papers])
    assert model.all_checked()
    qtmodeltester.check(model)


def test_dossier_table_model(qtmodeltester: Any, services: Any) -> None:
    for name, id_number in (("Nguyễn Văn An", "022090001234"), ("Trần Thị Bình", "022190004321")):
        services.intake.receive(
            DossierDraft("2.000908", ApplicantDraft(name, id_number)), clerk=system_actor()
        )
    model = DossierTableModel(now=services.clock)
    qtmodeltester.check(model)
    model.set_rows(services.dossiers.list_day(services.clock().date(), by=system_actor()))
    assert model.rowCount() == 2
    assert model.data(model.index(0, 1)) == "Trần Thị Bình"
    qtmodeltester.check(model)
