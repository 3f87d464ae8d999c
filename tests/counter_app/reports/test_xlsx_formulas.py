"""Text from data never becomes a formula in the XLSX report (catalog, users, server all feed it)."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from counter_app.auth import system_actor
from counter_app.domain import Role
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.reports import Letterhead, Period, ReportService
from counter_app.reports.xlsx import write_xlsx
from tests.conftest import SMALL_CATALOG

HOSTILE = {
    "name": '=HYPERLINK("http://127.0.0.1/x","Bấm")',
    "sector": "@SUM(1+1)*cmd|' /C calc'!A0",
    "paper": "+1+2",
}


def test_formula_text_is_stored_as_text(services, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    catalog = json.loads(SMALL_CATALOG.read_text(encoding="utf-8"))
    procedure = catalog["procedures"][0]
    procedure["name"] = HOSTILE["name"]
    procedure["sector"] = HOSTILE["sector"]
    hostile_file = tmp_path / "catalog.json"
    hostile_file.write_text(json.dumps(catalog, ensure_ascii=False), encoding="utf-8")
    services.catalog.load_file(hostile_file)
    clerk = services.auth.create_user("tru", "Lê Trừ", "matkhau123", Role.CLERK, by=system_actor())
    services.intake.receive(
        DossierDraft(
            procedure_code=procedure["code"],
            applicant=ApplicantDraft("Nguyễn Văn Đức", "022090001234"),
        ),
        clerk=clerk,
    )
    reports = ReportService.for_services(services)
    report = reports.report(Period.day(clock.now.date()))
    out = write_xlsx(report, tmp_path / "bao-cao.xlsx", Letterhead(agency_name="-UBND xã"))

    wb = load_workbook(out)
    texts: dict[str, tuple[str, bool]] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    texts[cell.value] = (cell.data_type, bool(cell.quotePrefix))
    # The hostile text is there, as typed, stored as a string with the quote prefix.
    for value in (HOSTILE["name"], HOSTILE["sector"], "-UBND xã"):
        assert texts[value] == ("s", True), value
    # Ordinary text is left alone.
    assert texts["Chỉ tiêu"] == ("s", False)
