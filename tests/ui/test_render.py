"""Every PDF of the window comes from the one helper process; a dead helper does not stop it.

Real services on a real SQLite file, real reportlab PDFs, the real spawned helper process, pages
read back with PDFium and codes decoded with zxing-cpp.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
import zxingcpp
from PySide6.QtWidgets import QWidget
from shiboken6 import delete

from counter_app.auth import system_actor
from counter_app.domain import Role, SlipKind
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.printing import RenderJob
from counter_app.queue.ticket_pdf import TicketSlip, render_ticket
from counter_app.reports import Period, ReportService
from tests.counter_app.receipts.support import decode, page_texts
from tests.counter_app.receipts.support import rasterise as pil_pages
from tests.ui.conftest import settle
from ui import render
from ui.render import _RenderPool, stats

T = TypeVar("T")
ACTOR = system_actor()


def _worker(fn: Callable[[], T]) -> T:
    """Window code that reads the database runs on a worker thread (the UI-thread guard)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


@pytest.fixture
def helper(qapp: Any) -> int:
    pid = _worker(render.warm)
    assert pid != os.getpid() and render.helper_pid() == pid
    return pid


def _receive(services: Any, id_number: str = "022190012345") -> str:
    code: str = services.intake.receive(
        DossierDraft("2.000908", ApplicantDraft("Phạm Thị Lan", id_number)), clerk=ACTOR
    ).code
    return code


def _from_helper(helper: int, make: Callable[[], bytes]) -> bytes:
    before = stats.in_helper
    pdf = _worker(make)
    assert pdf.startswith(b"%PDF")
    assert stats.last_pid == helper and stats.in_helper == before + 1
    return pdf


def test_every_kind_of_pdf_is_drawn_in_the_helper(
    services: Any, users: dict[Role, Any], helper: int
) -> None:
    code = _receive(services)
    receipt = _from_helper(helper, lambda: render.receipt(services, code, by=ACTOR))
    assert code in page_texts(receipt)[0] and "BẢN IN LẠI" not in page_texts(receipt)[0]
    again = _from_helper(helper, lambda: render.receipt(services, code, by=ACTOR, reprint=True))
    assert "BẢN IN LẠI" in page_texts(again)[0]

    record = services.dossiers.issue_slip(
        SlipKind.REFUSAL,
        procedure_code="2.000908",
        applicant={"name": "Phạm Thị Lan", "id_number": "022190012345"},
        items=["Thiếu tờ khai"],
        reason="",
        clerk=ACTOR,
    )
    slip = _from_helper(helper, lambda: render.slip(services, record.uuid, by=ACTOR))
    assert "Thiếu tờ khai" in " ".join(page_texts(slip))

    services.dossiers.extend(code, by=ACTOR, reason="Chờ ý kiến Chi cục Thuế", extra_working_days=2)
    apology = _from_helper(helper, lambda: render.apology(services, code, by=ACTOR))
    assert "Chờ ý kiến Chi cục Thuế" in " ".join(page_texts(apology))
    control = _from_helper(helper, lambda: render.control_slip(services, code, by=ACTOR))
    assert code in " ".join(page_texts(control))
    stopped = _receive(services, "022190012346")
    services.dossiers.stop(stopped, by=ACTOR, reason="Hồ sơ giả mạo giấy tờ")
    notice = _from_helper(helper, lambda: render.stop_notice(services, stopped, by=ACTOR))
    assert "Hồ sơ giả mạo giấy tờ" in " ".join(page_texts(notice))

    reports = ReportService.for_services(services)
    day = services.clock().date()
    period = Period(day, day)
    report = _from_helper(helper, lambda: render.report(services, reports, period))
    assert page_texts(report)
    register = _from_helper(
        helper, lambda: render.register(services, reports, period, by=users[Role.SUPERVISOR])
    )
    assert "Tổng số: 2 hồ sơ" in " ".join(page_texts(register))

    ticket = TicketSlip(
        centre="Trung tâm Phục vụ hành chính công",
        number="A012",
        area_name="Đất đai",
        counters=(1, 2),
        issued_at=datetime(2026, 11, 27, 9, 0),
        waiting_before=3,
        follow_url="https://tracuu.example.vn/q/A012",
    )
    pdf = _from_helper(helper, lambda: render.pdf(RenderJob(render_ticket, (ticket,))))
    assert "A012" in page_texts(pdf)[0]


def test_pages_and_print_come_from_the_helper(
    services: Any, users: dict[Role, Any], helper: int, tmp_path: Path
) -> None:
    code = _receive(services)
    pdf = _worker(lambda: render.receipt(services, code, by=ACTOR))
    (page, *_rest) = render.pages(pdf, 60, pixel_ratio=2.0)
    assert stats.last_pid == helper
    assert abs(page.width() - 595.28 * 120 / 72) < 2 and page.devicePixelRatio() == 2.0
    assert page.pixelColor(2, 2).name() == "#ffffff"  # white-backed, not transparent

    out = tmp_path / "printed.pdf"
    assert render.print_pdf(pdf, "", str(out)) == len(page_texts(pdf))
    assert stats.last_pid == helper
    (printed, *_) = pil_pages(out.read_bytes(), 203)
    assert any(code in t for t in decode(printed, zxingcpp.BarcodeFormat.Code128))


def test_a_dead_helper_falls_back_here_then_starts_afresh(
    services: Any, users: dict[Role, Any], helper: int
) -> None:
    code = _receive(services)
    (process,) = _RenderPool.executor._processes.values()
    process.terminate()  # as if it crashed (Process.terminate also works on Windows)
    process.join(10)
    fallbacks = stats.fallbacks
    pdf = _worker(lambda: render.receipt(services, code, by=ACTOR))
    assert code in page_texts(pdf)[0]
    assert stats.last_pid == os.getpid() and stats.fallbacks == fallbacks + 1
    # The next PDF has a new helper again.
    again = _worker(lambda: render.receipt(services, code, by=ACTOR))
    assert again.startswith(b"%PDF")
    assert stats.last_pid not in (os.getpid(), helper) and stats.last_pid == render.helper_pid()


def test_the_window_s_receipt_and_preview_come_from_the_helper(
    qtbot: Any, make_window: Any, ops: Any, services: Any, helper: int
) -> None:
    from counter_app.drafts import IntakeDraftState

    window = make_window(Role.CLERK)
    form = window.intake
    form.set_state(
        IntakeDraftState(
            procedure_code="2.000908",
            name="Nguyễn Văn Đức",
            id_number="022090012345",
            birth_date="05/09/1990",
        )
    )
    settle(qtbot, ops)
    drawn = stats.in_helper
    form.save()
    qtbot.waitUntil(lambda: form.preview is not None, timeout=20_000)
    settle(qtbot, ops)
    assert stats.in_helper >= drawn + 2  # the receipt, then its preview pages
    assert stats.last_pid == helper
    assert form.last_receipt_pdf is not None and form.preview.images


def test_a_preview_for_a_deleted_window_never_opens(
    qtbot: Any, services: Any, ops: Any, users: dict[Role, Any], helper: int
) -> None:
    from ui.printing import open_pdf_preview

    code = _receive(services)
    pdf = _worker(lambda: render.receipt(services, code, by=ACTOR))
    parent = QWidget()
    parent.show()
    opened: list[Any] = []
    open_pdf_preview(parent, services, ops, pdf, "Giấy", "x.pdf", on_open=opened.append)
    delete(parent)  # closed (Esc) while its pages were still being rasterised
    settle(qtbot, ops)
    assert opened == []


def test_a_reprint_for_a_closed_detail_dialog_does_not_reach_it(
    qtbot: Any, make_window: Any, ops: Any, services: Any, helper: int
) -> None:
    code = _receive(services)
    window = make_window(Role.CLERK)
    window.dossiers.open_code(code)
    qtbot.waitUntil(lambda: window.dossiers.detail_dialog is not None)
    settle(qtbot, ops)
    detail = window.dossiers.detail_dialog
    before = stats.in_helper
    detail.reprint()
    delete(detail)
    settle(qtbot, ops)
    assert stats.in_helper >= before + 1  # the reprint was drawn (and audited) in the helper
    from PySide6.QtWidgets import QApplication

    from ui.printing import PdfPreviewDialog

    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, PdfPreviewDialog)]


@pytest.mark.skipif(os.name == "nt", reason="POSIX priorities; Windows uses a priority class")
def test_the_helper_runs_below_the_window_s_priority(helper: int) -> None:
    assert os.getpriority(os.PRIO_PROCESS, helper) > os.getpriority(os.PRIO_PROCESS, 0)


def test_the_window_s_translations_leave_printing_intact(
    services: Any, users: dict[Role, Any], qapp: Any, tmp_path: Path
) -> None:
    # The print's fallback runs in the window's process, where Qt's strings are translated: an
    # untranslated string must stay itself (it came back empty, and the printed pages with it).
    from PySide6.QtCore import QCoreApplication

    from ui.render_process import print_pages
    from ui.translations import install_translations

    code = _receive(services)
    pdf = _worker(lambda: render.receipt(services, code, by=ACTOR))
    translator = install_translations(qapp)
    assert translator is not None
    try:
        assert QCoreApplication.translate("QPageSize", "A4") == "A4"
        out = tmp_path / "here.pdf"
        pid, pages = print_pages(pdf, "", str(out))  # in this process, as the fallback does
    finally:
        qapp.removeTranslator(translator)
    assert pid == os.getpid() and pages == len(page_texts(pdf))
    (printed, *_) = pil_pages(out.read_bytes(), 203)
    assert printed.size[0] == pytest.approx(595 * 203 / 72, abs=3)  # A4, not Letter
    assert any(code in t for t in decode(printed, zxingcpp.BarcodeFormat.Code128))
