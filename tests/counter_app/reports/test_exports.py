"""`counter-app report`: JSON, XLSX and PDF of the same period agree, and the register PDF."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2
from openpyxl import load_workbook

from counter_app.auth import system_actor
from counter_app.cli import main
from counter_app.reports import Period, ReportService
from counter_app.reports.pdf import render_register_pdf
from tests.counter_app.reports.seed import seed


def run_cli(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def pdf_lines(path: Path) -> list[str]:
    reader = pypdf.PdfReader(path)
    return [ln.strip() for page in reader.pages for ln in page.extract_text().splitlines()]


def value_after(lines: list[str], label: str) -> str:
    hits = [i for i, ln in enumerate(lines) if ln.startswith(label)]
    assert hits, f"{label!r} not in PDF"
    return lines[hits[0] + 1]


def xlsx_pairs(path: Path, sheet: str, key_col: int, value_col: int) -> dict[str, Any]:
    wb = load_workbook(path, read_only=True)
    try:
        return {
            str(row[key_col]): row[value_col]
            for row in wb[sheet].iter_rows(values_only=True)
            if row and len(row) > value_col and row[key_col] is not None
        }
    finally:
        wb.close()  # read-only workbooks keep the file open until closed


def test_json_xlsx_pdf_agree(services, clock, sqlite_url, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    seed(services, clock)
    code, out, _ = run_cli(capsys, "--db", sqlite_url, "report", "--from", "2026-11-27", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["total"] == 6

    xlsx = tmp_path / "bao-cao.xlsx"
    assert (
        run_cli(capsys, "--db", sqlite_url, "report", "--from", "27/11/2026", "--xlsx", str(xlsx))[
            0
        ]
        == 0
    )
    summary = xlsx_pairs(xlsx, "Tổng hợp", 0, 1)
    assert summary["Tổng số hồ sơ tiếp nhận"] == data["total"]
    assert summary["Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"] == data["supplement_requests"]
    assert summary["Phiếu từ chối tiếp nhận"] == data["refusals"]
    assert summary["Lượt đánh giá của người dân"] == data["ratings"]["total"]
    overdue = next(v for k, v in summary.items() if k.startswith("Hồ sơ quá hạn"))
    due = next(v for k, v in summary.items() if k.startswith("Hồ sơ đến hạn"))
    assert (overdue, due) == (data["overdue"], data["due_today"])
    by_procedure = {
        k: v for k, v in xlsx_pairs(xlsx, "Theo thủ tục", 1, 4).items() if k in data["by_procedure"]
    }
    assert by_procedure == data["by_procedure"]
    hours = xlsx_pairs(xlsx, "Theo giờ", 0, 1)
    assert {k[:2]: v for k, v in hours.items() if k[:2].isdigit()} == data["by_hour"]

    pdf = tmp_path / "bao-cao.pdf"
    assert (
        run_cli(capsys, "--db", sqlite_url, "report", "--from", "2026-11-27", "--pdf", str(pdf))[0]
        == 0
    )
    lines = pdf_lines(pdf)
    assert "BÁO CÁO TÌNH HÌNH TIẾP NHẬN HỒ SƠ" in lines
    assert value_after(lines, "Tổng số hồ sơ tiếp nhận") == str(data["total"])
    assert value_after(lines, "Phiếu từ chối tiếp nhận") == str(data["refusals"])
    assert value_after(lines, "Hồ sơ quá hạn") == str(data["overdue"])
    assert value_after(lines, "Hồ sơ đến hạn") == str(data["due_today"])
    assert value_after(lines, "Phiếu yêu cầu bổ sung") == str(data["supplement_requests"])
    for proc, n in data["by_procedure"].items():
        at = lines.index(proc)
        assert next(ln for ln in lines[at + 1 :] if ln.isdigit()) == str(n)
    hours_at = lines.index("Giờ")
    hour_keys = lines[hours_at + 1 : hours_at + 1 + len(data["by_hour"])]
    counts_at = lines.index("Số hồ sơ", hours_at)
    counts = lines[counts_at + 1 : counts_at + 1 + len(data["by_hour"])]
    assert dict(zip(hour_keys, (int(c) for c in counts), strict=True)) == data["by_hour"]


def test_pdf_renders_vietnamese_glyphs(services, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Rasterised, the report is not blank where the Vietnamese title is (fonts embedded)."""
    seed(services, clock)
    from counter_app.reports.pdf import render_report_pdf

    data = render_report_pdf(
        ReportService.for_services(services).report(Period.day(clock.now.date()))
    )
    doc = pypdfium2.PdfDocument(data)
    image = doc[0].render(scale=1).to_pil().convert("L")
    assert sum(image.histogram()[:128]) > 5000
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in pypdf.PdfReader(io.BytesIO(data)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    # Embedded TrueType subsets only: base-14 Helvetica would print Vietnamese letters blank.
    assert fonts and not any("Helvetica" in f for f in fonts), fonts


def test_register_pdf(services, clock, sqlite_url, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    seeded = seed(services, clock)
    pdf = tmp_path / "so-theo-doi.pdf"
    code, out, _ = run_cli(
        capsys,
        "--db",
        sqlite_url,
        "report",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--register-pdf",
        str(pdf),
    )
    assert code == 0 and "8 hồ sơ" in out
    text = " ".join(pdf_lines(pdf))
    assert "SỔ THEO DÕI HỒ SƠ" in text
    compact = text.replace(" ", "")
    for dossier_code in seeded.codes:
        assert dossier_code in compact
    assert "Tổng số: 8 hồ sơ." in text
    assert "Hoàng Thị Lan" in text


def test_register_pdf_of_many_pages_repeats_header(services, clock) -> None:  # type: ignore[no-untyped-def]
    seed(services, clock)
    reports = ReportService.for_services(services)
    period = Period(clock.now.date().replace(day=1), clock.now.date())
    lines = reports.register(period, by=system_actor()) * 40
    data = render_register_pdf(lines, period, reports.scope)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 3
    assert all("Mã hồ sơ" in page.extract_text() for page in reader.pages)


def test_bad_dates_are_refused_in_vietnamese(sqlite_url, app_home, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(capsys, "--db", sqlite_url, "report", "--from", "31/02/2026")
    assert code != 0 and "không hợp lệ" in err
    code, _, err = run_cli(
        capsys, "--db", sqlite_url, "report", "--from", "2026-11-27", "--to", "2026-11-01"
    )
    assert code != 0 and "không hợp lệ" in err


def test_console_entry_point(services, clock, sqlite_url, app_home) -> None:  # type: ignore[no-untyped-def]
    seed(services, clock)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "counter_app",
            "--db",
            sqlite_url,
            "report",
            "--from",
            "2026-11-27",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[3],
    )
    assert json.loads(result.stdout)["total"] == 6
