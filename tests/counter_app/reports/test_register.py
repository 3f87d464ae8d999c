"""Mẫu 07 "Sổ theo dõi hồ sơ": `counter-app register` as PDF and XLSX, one set of rows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pypdfium2
from openpyxl import load_workbook
from sqlalchemy import select

from counter_app.auth import system_actor
from counter_app.db.models import Dossier
from counter_app.domain import DossierStatus
from counter_app.reports import Period, ReportService
from counter_app.reports.model import REGISTER_COLUMNS, register_row
from tests.counter_app.reports.seed import seed
from tests.counter_app.reports.test_exports import pdf_lines, run_cli


def _advance(services: Any, code: str, status: DossierStatus, at: datetime) -> None:
    """A status change as the counter records it (sync from the province comes the same way)."""
    with services.db.write() as s:
        dossier = s.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier is not None
        services.dossiers._change_status(s, dossier, status, None, "", at)


def test_register_rows_carry_the_form_columns(services: Any, clock: Any) -> None:
    seeded = seed(services, clock)
    code = seeded.codes[2]
    _advance(services, code, DossierStatus.PROCESSING, datetime(2026, 11, 27, 9, 30))
    _advance(services, code, DossierStatus.RESULT_READY, datetime(2026, 11, 27, 14, 10))
    reports = ReportService.for_services(services)
    lines = reports.register(
        Period(datetime(2026, 11, 1).date(), clock.now.date()), by=system_actor()
    )
    line = next(x for x in lines if x.code == code)
    row = dict(zip(REGISTER_COLUMNS, register_row(line), strict=True))
    assert row["Mã hồ sơ"] == code
    assert row["Chuyển hồ sơ đến cơ quan giải quyết"] == "09:30 27/11/2026"
    assert row["Nhận kết quả từ cơ quan giải quyết"] == "14:10 27/11/2026"
    assert row["Trả kết quả cho tổ chức, cá nhân"] == ""
    assert row["Ghi chú"] == "Đã xử lý xong"
    returned = next(x for x in lines if x.code == seeded.returned_code)
    cells = dict(zip(REGISTER_COLUMNS, register_row(returned), strict=True))
    assert cells["Trả kết quả cho tổ chức, cá nhân"] == "11:00 27/11/2026"
    assert cells["Ghi chú"] == ""


def test_register_command_pdf_and_xlsx_agree(
    services: Any, clock: Any, sqlite_url: str, tmp_path: Path, capsys: Any
) -> None:
    seeded = seed(services, clock)
    args = ("--db", sqlite_url, "register", "--from", "01/11/2026", "--to", "2026-11-30")
    pdf, xlsx = tmp_path / "so.pdf", tmp_path / "so.xlsx"
    code, out, _ = run_cli(capsys, *args, "--out", str(pdf))
    assert code == 0 and "8 hồ sơ" in out
    code, out, _ = run_cli(capsys, *args, "--out", str(xlsx))
    assert code == 0 and "8 hồ sơ" in out

    text = " ".join(pdf_lines(pdf))
    for expected in ("SỔ THEO DÕI HỒ SƠ", "Ngày, tháng, năm", "Tổng số: 8 hồ sơ.", "Mẫu số 07"):
        assert expected in text, expected
    compact = text.replace(" ", "")
    for title in REGISTER_COLUMNS:
        assert title.replace(" ", "") in compact, title
    assert all(c in compact for c in seeded.codes)
    image = pypdfium2.PdfDocument(str(pdf))[0].render(scale=1).to_pil().convert("L")
    assert image.width > image.height  # landscape
    assert sum(image.histogram()[:128]) > 5000

    sheet = load_workbook(xlsx).active
    assert sheet is not None
    rows = [[c if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows) if r[:2] == ["STT", "Mã hồ sơ"])
    assert rows[head] == list(REGISTER_COLUMNS)
    assert rows[head - 1][7] == "Ngày, tháng, năm"
    body = [r for r in rows[head + 1 :] if r[1]]
    assert [r[1] for r in body] == [
        line.code
        for line in ReportService.for_services(services).register(
            Period(datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date()),
            by=system_actor(),
        )
    ]
    assert "Tổng số: 8 hồ sơ." in [r[0] for r in rows]


def test_register_refuses_other_file_types(sqlite_url: str, app_home: Any, capsys: Any) -> None:
    code, _, err = run_cli(
        capsys, "--db", sqlite_url, "register", "--from", "2026-11-01", "--out", "so.csv"
    )
    assert code != 0 and ".pdf hoặc .xlsx" in err
