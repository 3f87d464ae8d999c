"""The queue's wait and service times in the report exports (XLSX sheet "Hàng đợi", PDF part):
a scripted day played through the real queue service on 127.0.0.1, every figure in the files
checked against counts made here from the script; the service down; not configured."""

from __future__ import annotations

import statistics
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
from openpyxl import load_workbook

from counter_app.cli import main
from counter_app.queue.app import QueueApp
from counter_app.queue.client import QueueClient
from counter_app.queue.store import QueueStore
from counter_app.reports import Period, ReportService
from counter_app.reports.export import export_report
from counter_app.reports.queue import NOT_CONFIGURED
from counter_app.server.runner import RunningServer
from tests.conftest import FixedClock, make_services
from tests.helpers.queue_day import Step, play

DAY = datetime(2026, 11, 27, 8, 0)
BIRTH, SHOP = "1.001193", "2.000908"  # in the small test catalog: named in the export


SCRIPT = [
    Step("A", 0, 75, 400, "done", 1, (BIRTH,)),
    Step("A", 20, 430, 700, "done", 1, (BIRTH, SHOP)),
    Step("A", 40, 500, 520, "skip", 2),
    Step("B", 10, 130, 1200, "done", 4, (SHOP,)),
    Step("B", 30, 4500, 4800, "done", 4, (SHOP,)),  # waited over an hour: h:mm:ss
    Step("A", 3700, 3790, 3900, "done", 2, (BIRTH,)),  # 09h
    Step("A", 3800),  # still waiting
]
NOW = 5000


def pct(values: list[float], p: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def clock_text(seconds: float | None) -> str:
    """m:ss or h:mm:ss, written here independently of the code's formatter."""
    if seconds is None:
        return "—"
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


def shown(steps: list[Step]) -> list[str]:
    """The seven figures of a breakdown row as the export must show them."""
    waits = [float(s.called - s.issued) for s in steps if s.called is not None]
    serv = [
        float(s.ended - s.called) for s in steps if s.outcome == "done" and s.ended and s.called
    ]
    return [
        str(len(steps)),
        str(sum(s.outcome == "done" for s in steps)),
        str(sum(s.outcome == "skip" for s in steps)),
        *(clock_text(pct(waits, p)) for p in (50, 90)),
        *(clock_text(pct(serv, p)) for p in (50, 90)),
    ]


def headline() -> dict[str, str]:
    row = shown(SCRIPT)
    waiting = [s for s in SCRIPT if s.outcome == "waiting"]
    return {
        "Số vé đã phát": row[0],
        "Đã phục vụ xong": row[1],
        "Vắng mặt khi gọi": row[2],
        "Đang chờ lúc này": str(len(waiting)),
        "Chờ lâu nhất hiện tại": clock_text(max(NOW - s.issued for s in waiting)),
        "Thời gian chờ, trung vị": row[3],
        "Thời gian chờ, 90%": row[4],
        "Thời gian phục vụ, trung vị": row[5],
        "Thời gian phục vụ, 90%": row[6],
    }


def expected_rows() -> dict[str, list[str]]:
    """First cell(s) of each breakdown row → the row's figures."""
    rows: dict[str, list[str]] = {}
    for c in sorted({s.counter for s in SCRIPT if s.counter}):
        rows[f"Quầy số {c}"] = shown([s for s in SCRIPT if s.counter == c])
    rows["A — Hộ tịch, chứng thực"] = shown([s for s in SCRIPT if s.area == "A"])
    for code in (BIRTH, SHOP):
        rows[code] = shown([s for s in SCRIPT if code in s.procedures])
    rows["08h"] = shown([s for s in SCRIPT if s.issued < 3600])
    rows["09h"] = shown([s for s in SCRIPT if s.issued >= 3600])
    return rows


@pytest.fixture
def played(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The real queue service with the scripted day in it; (url, board token)."""
    clock = FixedClock(DAY)
    store = QueueStore.open(f"sqlite:///{tmp_path / 'queue.sqlite3'}", clock=clock)
    server = RunningServer(QueueApp(store, threads=4), threads=4)
    kiosk = QueueClient(server.url, store.create_token("Ki-ốt", "kiosk"))
    counter = QueueClient(server.url, store.create_token("Quầy", "counter"))
    play(SCRIPT, DAY, clock, kiosk, counter)
    clock.now = DAY + timedelta(seconds=NOW)
    yield server.url, store.create_token("Bảng", "board")
    kiosk.close()
    counter.close()
    server.stop()
    store.close()


@pytest.fixture
def counter_services(sqlite_url: str, app_home: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The counter's services, built after the test set (or not) the queue's address."""
    made: list[Any] = []

    def make(url: str = "", token: str = "") -> Any:
        for name, value in (("COUNTER_APP_QUEUE_URL", url), ("COUNTER_APP_QUEUE_TOKEN", token)):
            if value:
                monkeypatch.setenv(name, value)
            else:
                monkeypatch.delenv(name, raising=False)
        made.append(make_services(sqlite_url, FixedClock(DAY + timedelta(seconds=NOW))))
        return made[-1]

    yield make
    for s in made:
        s.close()


def sheet_rows(path: Path, sheet: str = "Hàng đợi") -> list[list[str]]:
    wb = load_workbook(path, read_only=True)
    rows = []
    try:
        for row in wb[sheet].iter_rows(values_only=True):
            cells = ["" if v is None else str(v) for v in row]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                rows.append(cells)
    finally:
        wb.close()  # read-only workbooks keep the file open until closed
    # From the sheet's title on (the agency's name comes before it).
    titled = [i for i, r in enumerate(rows) if r[0] == "HÀNG ĐỢI: THỜI GIAN CHỜ VÀ PHỤC VỤ"]
    return rows[titled[0] :] if titled else rows


def pdf_lines(path: Path) -> list[str]:
    reader = pypdf.PdfReader(path)
    return [ln.strip() for p in reader.pages for ln in p.extract_text().splitlines() if ln.strip()]


def test_xlsx_queue_sheet_holds_the_figures_of_the_day(played, counter_services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    services = counter_services(*played)
    out = tmp_path / "bao-cao.xlsx"
    _, queue = export_report(
        services, ReportService.for_services(services), Period.day(DAY.date()), out
    )
    assert queue.ok
    rows = sheet_rows(out)
    assert rows[0] == ["HÀNG ĐỢI: THỜI GIAN CHỜ VÀ PHỤC VỤ"]
    assert rows[2][0].startswith("Số liệu của hệ thống xếp hàng, lấy lúc 09:23:20 27/11/2026")
    pairs = {r[0]: r[1] for r in rows if len(r) > 1}
    for label, text in headline().items():
        assert pairs[label] == text, label
    assert pairs["Chờ lâu nhất hiện tại"] == "20:00"
    assert expected_rows()["Quầy số 4"][4] == "1:07:15"  # a wait p90 over an hour: h:mm:ss
    by_first = {r[0]: r for r in rows if len(r) > 1}
    for key, want in expected_rows().items():
        row = by_first[key]
        figures = [c for c in row[1:] if c][-7:]
        assert figures == want, key
    assert by_first[BIRTH][1] == "Đăng ký khai sinh"
    assert by_first[SHOP][1] == "Đăng ký thành lập hộ kinh doanh"
    assert [r[0] for r in rows if r[0].startswith("Theo ")] == [
        "Theo quầy",
        "Theo khu vực",
        "Theo thủ tục",
        "Theo giờ lấy số",
    ]
    # The rest of the workbook is still there.
    assert "Tổng số hồ sơ tiếp nhận" in {r[0] for r in sheet_rows(out, "Tổng hợp")}


def test_report_out_pdf_has_the_queue_part(
    played, counter_services, sqlite_url, tmp_path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    counter_services(*played)  # sets the environment the CLI reads; migrates the file
    out = tmp_path / "bao-cao.pdf"
    assert main(["--db", sqlite_url, "report", "--from", "27/11/2026", "--out", str(out)]) == 0
    assert "Đã ghi báo cáo PDF" in capsys.readouterr().out
    lines = pdf_lines(out)
    at = lines.index("HÀNG ĐỢI: THỜI GIAN CHỜ VÀ PHỤC VỤ")
    part = lines[at:]
    assert "BÁO CÁO TÌNH HÌNH TIẾP NHẬN HỒ SƠ" in lines[:at]  # the dossiers' report comes first
    for label, text in headline().items():
        assert part[part.index(label) + 1] == text, label
    for key, want in expected_rows().items():
        i = part.index(key)
        following = part[i + 1 : i + 12]
        while not following[0].isdigit():
            following = following[1:]  # the procedure's name first (may wrap)
        assert following[:7] == want, (key, following)
    assert "Đăng ký khai sinh" in part
    assert any(ln.startswith("Thời gian tính theo phút:giây") for ln in part)
    # Looked at: the page rasterised (pdftoppm), written beside the test's files.
    png = tmp_path / "queue-part"
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(out), str(png)], check=True)
    assert list(tmp_path.glob("queue-part*.png"))


def test_queue_down_the_rest_is_still_exported(
    counter_services, sqlite_url, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    counter_services("http://127.0.0.1:9", "any-token")  # nothing listens on port 9
    xlsx, pdf = tmp_path / "r.xlsx", tmp_path / "r.pdf"
    for out in (xlsx, pdf):
        assert main(["--db", sqlite_url, "report", "--from", "2026-11-27", "--out", str(out)]) == 0
        printed = capsys.readouterr().out
        assert "Lưu ý: Không kết nối được hệ thống xếp hàng" in printed
    rows = sheet_rows(xlsx)
    assert rows[2][0].startswith("Không kết nối được hệ thống xếp hàng (mất mạng hoặc dịch vụ")
    assert "các phần khác vẫn đầy đủ" in rows[2][0]
    assert len(rows) == 3  # the sentence, no empty tables
    assert "Tổng số hồ sơ tiếp nhận" in {r[0] for r in sheet_rows(xlsx, "Tổng hợp")}
    text = " ".join(pdf_lines(pdf))
    assert "HÀNG ĐỢI: THỜI GIAN CHỜ VÀ PHỤC VỤ Không kết nối được hệ thống xếp hàng" in text
    assert "Tổng số hồ sơ tiếp nhận" in text and "NGƯỜI LẬP BÁO CÁO" in text


def test_queue_not_configured_is_said_plainly(
    counter_services, sqlite_url, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    services = counter_services()
    reports = ReportService.for_services(services)
    xlsx, pdf = tmp_path / "r.xlsx", tmp_path / "r.pdf"
    assert not export_report(services, reports, Period.day(DAY.date()), xlsx)[1].configured
    assert sheet_rows(xlsx)[2] == [NOT_CONFIGURED]
    assert main(["--db", sqlite_url, "report", "--from", "2026-11-27", "--pdf", str(pdf)]) == 0
    assert "Lưu ý: Máy này chưa được cấu hình hệ thống xếp hàng" in capsys.readouterr().out
    text = " ".join(pdf_lines(pdf))
    assert "Máy này chưa được cấu hình hệ thống xếp hàng" in text


def test_report_out_wants_xlsx_or_pdf(counter_services, sqlite_url, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    counter_services()
    code = main(
        ["--db", sqlite_url, "report", "--from", "2026-11-27", "--out", str(tmp_path / "r.csv")]
    )
    assert code == 2
    assert "đuôi .xlsx hoặc .pdf (đang là «r.csv»)" in capsys.readouterr().err
    code = main(
        ["--db", sqlite_url, "report", "--from", "2026-11-27", "--xlsx", str(tmp_path / "r.pdf")]
    )
    assert code == 2
    assert "--xlsx: tệp phải có đuôi .xlsx" in capsys.readouterr().err
    assert not list(tmp_path.glob("r.*"))
