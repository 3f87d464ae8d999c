"""The dashboard's export buttons carry the queue's figures (the core's one export), equal to what
the queue view shows; with the queue service stopped the files still come, saying why."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pypdf
from openpyxl import load_workbook

from counter_app.settings import QueueSettings
from tests.ui.dashboard.test_queue import Hall, _morning, hall, open_dashboard

__all__ = ["hall", "open_dashboard"]  # fixtures used here


def _sheet(path: Path, name: str) -> dict[str, Any]:
    wb = load_workbook(path, read_only=True)
    try:
        return {
            str(r[0]): (r[1] if len(r) > 1 else None)
            for r in wb[name].iter_rows(values_only=True)
            if r and r[0] is not None
        }
    finally:
        wb.close()  # read-only workbooks keep the file open until closed


def _pdf_lines(path: Path) -> list[str]:
    reader = pypdf.PdfReader(path)
    return [ln.strip() for p in reader.pages for ln in p.extract_text().splitlines() if ln.strip()]


def _export(qtbot: Any, window: Any, tmp_path: Path, stem: str) -> tuple[Path, Path]:
    xlsx, pdf = tmp_path / f"{stem}.xlsx", tmp_path / f"{stem}.pdf"
    for export, path in ((window.export_xlsx, xlsx), (window.export_pdf, pdf)):
        with qtbot.waitSignal(window.export_did_finish, timeout=30_000):
            export(path)
    return xlsx, pdf


def test_exports_carry_the_queue_figures_shown(
    qtbot: Any, services: Any, clock: Any, hall: Hall, open_dashboard: Any, tmp_path: Path
) -> None:
    procedure = services.catalog.all()[0]
    _morning(hall, clock, procedure.code)
    token = hall.store.create_token("Giám sát", "board")
    services.settings = replace(services.settings, queue=QueueSettings(hall.url, token))
    window = open_dashboard(services)
    section = window.queue
    qtbot.waitUntil(lambda: section.figures is not None, timeout=15_000)
    shown = {k: v.text() for k, v in section.values.items()}
    captions = {
        "tickets": "Số vé đã phát",
        "waiting_now": "Đang chờ lúc này",
        "longest_wait_s": "Chờ lâu nhất hiện tại",
        "wait_s_p50": "Thời gian chờ, trung vị",
        "wait_s_p90": "Thời gian chờ, 90%",
        "service_s_p50": "Thời gian phục vụ, trung vị",
    }

    xlsx, pdf = _export(qtbot, window, tmp_path, "up")
    sheet = _sheet(xlsx, "Hàng đợi")
    lines = _pdf_lines(pdf)
    part = lines[lines.index("HÀNG ĐỢI: THỜI GIAN CHỜ VÀ PHỤC VỤ") :]
    for key, caption in captions.items():
        assert sheet[caption] == shown[key], caption
        assert part[part.index(caption) + 1] == shown[key], caption
    assert sheet[procedure.code] == procedure.name
    assert "Quầy số 1" in part and procedure.name in " ".join(part)

    # The queue PC goes away: both files still come, with the dossiers and the reason.
    hall.stop()
    xlsx, pdf = _export(qtbot, window, tmp_path, "down")
    sheet = _sheet(xlsx, "Hàng đợi")
    assert any(k.startswith("Không kết nối được hệ thống xếp hàng") for k in sheet)
    assert "Số vé đã phát" not in sheet
    assert "Tổng số hồ sơ tiếp nhận" in _sheet(xlsx, "Tổng hợp")
    text = " ".join(_pdf_lines(pdf))
    assert "HÀNG ĐỢI: THỜI GIAN CHỜ VÀ PHỤC VỤ Không kết nối được hệ thống xếp hàng" in text
    assert "Tổng số hồ sơ tiếp nhận" in text
