"""Printing for real: from the preview dialog through Qt's print path into CUPS (cups-pdf queues),
then the PDF the queue wrote is rasterised and its barcodes decoded.

The `cups_server` fixture (tests/conftest.py, tests/helpers/cups.py) starts a private cupsd with an
A4 queue and an 80 mm roll queue; these tests skip without it unless COUNTER_APP_REQUIRE_CUPS=1.
"""

from __future__ import annotations

import threading
import tomllib
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from counter_app.auth import system_actor
from counter_app.domain import Role
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.receipts import Layout
from tests.ui.conftest import CHIP_QR, settle, type_text
from ui import printers
from ui.printing import LOOKING_FOR_PRINTERS, PdfPreviewDialog, rasterise

MM = 72 / 25.4


@pytest.fixture(autouse=True)
def _no_printer_list_yet() -> None:
    """Each test starts as a fresh window does: no printer list found yet."""
    printers._last.clear()


def _decoded(path: Path, dpi: int = 300) -> list[list[tuple[str, str]]]:
    """(format, text) of every barcode, page by page, of a PDF as a scanner would see it."""
    doc = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for i in range(len(doc)):
            image = doc[i].render(scale=dpi / 72, fill_color=(255, 255, 255, 255)).to_pil()
            pages.append([(r.format.name, r.text) for r in zxingcpp.read_barcodes(image)])
        return pages
    finally:
        doc.close()


def _sizes(path: Path) -> list[tuple[float, float]]:
    doc = pdfium.PdfDocument(str(path))
    try:
        return [tuple(doc[i].get_size()) for i in range(len(doc))]  # type: ignore[misc]
    finally:
        doc.close()


def _next_pdf(cups_server: Any, queue: str, before: int) -> Path:
    """The PDF the queue's job just wrote, once the queue is done (files in time order)."""
    path: Path = cups_server.wait_for_pdf(queue, before)
    return path


def _loaded(qtbot: Any, ops: Any, dialog: PdfPreviewDialog) -> None:
    settle(qtbot, ops)
    qtbot.waitUntil(lambda: dialog.printers_loaded)


def _choose(qtbot: Any, dialog: PdfPreviewDialog, name: str) -> None:
    """As a clerk: Alt+M to the printer list, arrow keys to the queue."""
    qtbot.keyClick(dialog, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is dialog.printers
    names = [dialog.printers.itemText(i) for i in range(dialog.printers.count())]
    assert name in names, names
    key = Qt.Key.Key_Down if names.index(name) > dialog.printers.currentIndex() else Qt.Key.Key_Up
    for _ in range(len(names)):
        if dialog.printers.currentText() == name:
            break
        qtbot.keyClick(dialog.printers, key)
    assert dialog.printers.currentText() == name


def _print(qtbot: Any, ops: Any, dialog: PdfPreviewDialog) -> None:
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ops, timeout=60_000)


def _receive(services: Any) -> str:
    code: str = services.intake.receive(
        DossierDraft("2.000908", ApplicantDraft("Phạm Thị Lan", "022190012345")),
        clerk=system_actor(),
    ).code
    return code


def _open(qtbot: Any, services: Any, ops: Any, pdf: bytes, name: str) -> PdfPreviewDialog:
    dialog = PdfPreviewDialog(None, services, ops, pdf, rasterise(pdf, 40), "Giấy", name)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    return dialog


def test_a4_receipt_from_the_window_prints_both_copies(
    qtbot: Any, make_window: Any, ops: Any, services: Any, cups_server: Any
) -> None:
    window = make_window(Role.CLERK)
    form = window.intake
    type_text(qtbot, QApplication.focusWidget(), CHIP_QR)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.keyClicks(QApplication.focusWidget(), "1193")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    settle(qtbot, ops)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ops)
    qtbot.waitUntil(lambda: form.preview is not None)
    preview = form.preview
    code = form.last_received.code
    _loaded(qtbot, ops, preview)
    before = len(cups_server.pdfs(cups_server.a4))
    _choose(qtbot, preview, cups_server.a4)
    _print(qtbot, ops, preview)
    assert preview.printed_to == cups_server.a4
    printed = _next_pdf(cups_server, cups_server.a4, before)
    # The receipt PDF holds its two copies (Liên 1, Liên 2) as pages: one job, copies=1, prints
    # both, each an A4 page carrying the dossier's Code128 and lookup QR.
    source = pdfium.PdfDocument(form.last_receipt_pdf)
    assert len(source) == 2
    sizes = _sizes(printed)
    assert len(sizes) == 2
    assert all(abs(w - 595) < 2 and abs(h - 842) < 2 for w, h in sizes), sizes
    for page in _decoded(printed):
        assert ("Code128", code) in page, page
        assert any(fmt == "QRCode" and code in text for fmt, text in page), page
    # The choice is remembered for A4 pages, in the settings file too.
    assert services.settings.printer_name == cups_server.a4
    saved = tomllib.loads(services.settings.paths.config_file.read_text("utf-8"))
    assert saved["printer_name"] == cups_server.a4


def test_80mm_slip_prints_on_the_roll_and_each_layout_keeps_its_printer(
    qtbot: Any, ops: Any, services: Any, cups_server: Any
) -> None:
    code = _receive(services)
    slip = services.receipts.receipt_pdf(code, Layout.SLIP80, by=system_actor())
    a4 = services.receipts.receipt_pdf(code, Layout.A4, by=system_actor())
    from dataclasses import replace

    # An older version's settings: one printer for everything (here the A4 queue).
    services.settings = replace(services.settings, printer_name=cups_server.a4)
    dialog = _open(qtbot, services, ops, slip, "phieu.pdf")
    assert dialog.layout_kind == "slip80"
    _loaded(qtbot, ops, dialog)
    assert dialog.printers.currentText() == cups_server.a4  # the old choice still applies
    before = len(cups_server.pdfs(cups_server.slip))
    _choose(qtbot, dialog, cups_server.slip)
    _print(qtbot, ops, dialog)
    assert dialog.printed_to == cups_server.slip
    printed = _next_pdf(cups_server, cups_server.slip, before)
    ((w, h),) = _sizes(printed)  # one page, 80 mm wide, as long as the slip
    assert abs(w - 80 * MM) < 2, w
    assert abs(h - pdfium.PdfDocument(slip)[0].get_size()[1]) < 2, h
    # cups-pdf's filters (pdftops -r300) resample the page to a 300 ppi image: read it at that.
    (page,) = _decoded(printed, dpi=300)
    assert ("Code128", code) in page, page
    assert any(fmt == "QRCode" and code in text for fmt, text in page), page
    # Each layout remembers its own printer.
    assert services.settings.slip_printer_name == cups_server.slip
    assert services.settings.printer_name == cups_server.a4
    again = _open(qtbot, services, ops, slip, "phieu.pdf")
    _loaded(qtbot, ops, again)
    assert again.printers.currentText() == cups_server.slip
    page_a4 = _open(qtbot, services, ops, a4, "giay.pdf")
    _loaded(qtbot, ops, page_a4)
    assert page_a4.layout_kind == "a4" and page_a4.printers.currentText() == cups_server.a4


def test_printers_are_listed_off_the_ui_thread_and_ctrl_p_waits_for_them(
    qtbot: Any, ops: Any, services: Any, cups_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ui.printing

    threads: list[str] = []
    real = printers.list_printers
    slow = threading.Event()  # a print system slow to answer, as with network printers

    def spy() -> printers.PrinterList:
        threads.append(threading.current_thread().name)
        slow.wait(10)
        return real()

    monkeypatch.setattr(ui.printing, "list_printers", spy)
    code = _receive(services)
    pdf = services.receipts.receipt_pdf(code, Layout.A4, by=system_actor())
    dialog = _open(qtbot, services, ops, pdf, "giay.pdf")
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    # Nothing listed yet: the dialog says it is looking, and Ctrl+P is taken for later.
    assert not dialog.printers_loaded
    assert dialog.printers.currentText() == LOOKING_FOR_PRINTERS
    assert dialog.status.text() == LOOKING_FOR_PRINTERS
    before = len(cups_server.pdfs(cups_server.a4))
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert "Sẽ in ngay khi tìm xong" in dialog.status.text()
    slow.set()
    qtbot.waitUntil(lambda: dialog.printers_loaded, timeout=20_000)
    settle(qtbot, ops, timeout=60_000)
    # On a worker of its own: a slow list does not hold up the database worker either.
    assert threads and threading.main_thread().name not in threads, threads
    assert ops.pending == 0
    assert dialog.printed_to == cups_server.a4, (
        dialog.status.text(),
        dialog.printers.currentText(),
    )
    _next_pdf(cups_server, cups_server.a4, before)


@pytest.mark.parametrize("how", ["removed", "rejecting", "disabled"])
def test_a_printer_that_went_away_or_refuses_keeps_the_pdf(
    qtbot: Any, ops: Any, services: Any, cups_server: Any, how: str
) -> None:
    queue = cups_server.add_queue(how)
    code = _receive(services)
    pdf = services.receipts.receipt_pdf(code, Layout.A4, by=system_actor())
    dialog = _open(qtbot, services, ops, pdf, f"{code}.pdf")
    _loaded(qtbot, ops, dialog)
    _choose(qtbot, dialog, queue)
    # Between listing and printing the printer goes away or stops taking jobs.
    if how == "removed":
        cups_server.remove_queue(queue)
    elif how == "rejecting":
        cups_server.run("cupsreject", queue)
    else:
        cups_server.run("cupsdisable", queue)
    a4_before = len(cups_server.pdfs(cups_server.a4))
    _print(qtbot, ops, dialog)
    assert dialog.printed_to is None and dialog.isVisible()
    box = dialog.findChild(QMessageBox, "messageBox")
    assert box is not None and box.isVisible()
    text = box.text()
    assert f"Máy in «{queue}»" in text
    expected = {"removed": "không còn", "rejecting": "từ chối", "disabled": "tạm dừng"}[how]
    assert expected in text, text
    kept = dialog.kept_at
    assert kept is not None and kept.read_bytes() == pdf
    assert str(kept) in text and str(kept) in dialog.status.text()
    assert kept.parent == services.settings.paths.data_dir / printers.UNPRINTED_DIR
    assert dialog.print_button.isEnabled()  # the clerk can choose another printer and retry
    # Nothing went to the default printer instead (Qt's silent fallback), nor to this queue.
    qtbot.wait(1500)
    assert len(cups_server.pdfs(cups_server.a4)) == a4_before
    assert cups_server.pdfs(queue) == []


def test_a_job_the_printer_drops_after_taking_it_gets_a_message_and_keeps_the_pdf(
    qtbot: Any, ops: Any, services: Any, cups_server: Any
) -> None:
    from ui.print_job import JobWatch

    queue = cups_server.add_queue("broken")
    # cups-pdf cannot write where it is told to: its backend fails after CUPS accepted the job.
    conf = Path(f"/etc/cups/cups-pdf-{queue}.conf")
    conf.write_text(
        conf.read_text("utf-8").replace(f"Out {cups_server.out[queue]}", "Out /proc/none/pdf"),
        "utf-8",
    )
    code = _receive(services)
    pdf = services.receipts.receipt_pdf(code, Layout.SLIP80, by=system_actor())
    dialog = _open(qtbot, services, ops, pdf, f"{code}.pdf")
    _loaded(qtbot, ops, dialog)
    _choose(qtbot, dialog, queue)
    _print(qtbot, ops, dialog)
    assert dialog.printed_to == queue  # CUPS took it
    watch = dialog.job_watch
    assert isinstance(watch, JobWatch)
    qtbot.waitUntil(lambda: watch.finished, timeout=60_000)
    assert watch.problem is not None
    assert f"Máy in «{queue}» báo lỗi khi in" in watch.problem
    box = dialog.findChild(QMessageBox, "messageBox")
    assert box is not None and box.isVisible() and box.text() == watch.problem
    kept = Path(watch.problem.split("đã được lưu tại ")[1].split(".pdf")[0] + ".pdf")
    assert kept.read_bytes() == pdf


def test_a_job_that_prints_is_followed_to_the_end_quietly(
    qtbot: Any, ops: Any, services: Any, cups_server: Any
) -> None:
    code = _receive(services)
    pdf = services.receipts.receipt_pdf(code, Layout.SLIP80, by=system_actor())
    dialog = _open(qtbot, services, ops, pdf, f"{code}.pdf")
    _loaded(qtbot, ops, dialog)
    _choose(qtbot, dialog, cups_server.slip)
    _print(qtbot, ops, dialog)
    watch = dialog.job_watch
    assert watch is not None
    qtbot.waitUntil(lambda: watch.finished, timeout=60_000)
    assert watch.problem is None and dialog.findChild(QMessageBox, "messageBox") is None


def test_a_queue_ticket_goes_to_the_80mm_printer(
    qapp: Any, services: Any, cups_server: Any
) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace
    from datetime import datetime

    from counter_app.queue.ticket_pdf import TicketSlip, render_ticket
    from ui.print_job import print_pdf
    from ui.queue.run import ticket_printer

    settings = replace(services.settings, printer_name=cups_server.a4)
    assert ticket_printer(settings) == cups_server.a4  # an old file: its one printer
    settings = replace(settings, slip_printer_name=cups_server.slip)
    assert ticket_printer(settings) == cups_server.slip
    url = "https://dichvucong.example.gov.vn/hang-doi/A-1023"
    ticket = render_ticket(
        TicketSlip("TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", "A-1023", "Tư pháp", (3,),
                   datetime(2026, 12, 2, 9, 0), 4, url)
    )  # fmt: skip
    before = len(cups_server.pdfs(cups_server.slip))
    with ThreadPoolExecutor(1) as pool:  # as the kiosk does: on its worker
        assert pool.submit(print_pdf, ticket, ticket_printer(settings)).result() == 1
    printed = _next_pdf(cups_server, cups_server.slip, before)
    ((w, _h),) = _sizes(printed)
    assert abs(w - 80 * MM) < 2, w
    (page,) = _decoded(printed)
    assert ("QRCode", url) in page, page


# -- the 80 mm slip asked for from the window, as a clerk does -------------------------------------


def _switch_layout(qtbot: Any, ops: Any, dialog: PdfPreviewDialog, layout: str) -> None:
    """Alt+8: the preview draws the receipt again in the other layout (off the UI thread)."""
    from ui import render

    assert dialog.layout_kind != layout
    qtbot.keyClick(dialog, Qt.Key.Key_8, Qt.KeyboardModifier.AltModifier)
    # The mnemonic clicks the switch (Qt animates the click ~100 ms); the drawing is then queued
    # on the worker, not done on the UI thread (the thread guard is strict in tests/ui).
    qtbot.waitUntil(lambda: dialog.relaying)
    settle(qtbot, ops, timeout=30_000)
    qtbot.waitUntil(lambda: not dialog.relaying and dialog.layout_kind == layout)
    assert render.is_helper(render.stats.last_pid)  # drawn and rasterised in the render process
    width = pdfium.PdfDocument(dialog.pdf)[0].get_size()[0]
    assert (abs(width - 80 * MM) < 2) == (layout == "slip80"), width
    assert dialog.view.pageCount() == (1 if layout == "slip80" else 2)
    assert dialog.layout_switch is not None
    assert dialog.layout_switch.isChecked() == (layout == "slip80")


def _restart(services: Any) -> None:
    """As the next start of the app: the settings file read again."""
    from dataclasses import replace

    from counter_app.settings import Settings

    old = services.settings
    services.settings = replace(Settings.load(db_url=old.db_url), counter_no=old.counter_no)


def _save_in_window(qtbot: Any, window: Any, ops: Any) -> PdfPreviewDialog:
    """A full intake by keyboard (chip-ID scan, procedure, Ctrl+S); returns the preview opened."""
    form = window.intake
    form.preview = None
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    form.procedure.setFocus()  # the form is empty again after the last save
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.procedure)
    type_text(qtbot, QApplication.focusWidget(), CHIP_QR)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.keyClicks(QApplication.focusWidget(), "1193")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    settle(qtbot, ops)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, ops)
    qtbot.waitUntil(lambda: form.preview is not None)
    preview: PdfPreviewDialog = form.preview
    _loaded(qtbot, ops, preview)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is preview)
    return preview


def _slip_came_out(cups_server: Any, before: int, code: str, source: bytes) -> None:
    printed = _next_pdf(cups_server, cups_server.slip, before)
    ((w, h),) = _sizes(printed)  # one page, 80 mm wide, as long as the slip
    assert abs(w - 80 * MM) < 2, w
    assert abs(h - pdfium.PdfDocument(source)[0].get_size()[1]) < 2, h
    (page,) = _decoded(printed, dpi=300)  # cups-pdf resamples to 300 ppi: read it at that
    assert ("Code128", code) in page, page
    assert any(fmt == "QRCode" and code in text for fmt, text in page), page


def _saved_settings(services: Any) -> dict[str, Any]:
    return tomllib.loads(services.settings.paths.config_file.read_text("utf-8"))


def test_the_slip_after_a_save_prints_on_the_roll_and_both_printers_survive_a_restart(
    qtbot: Any, make_window: Any, ops: Any, services: Any, cups_server: Any
) -> None:
    desk = cups_server.add_queue("desk-a4")  # an A4 printer that is not the system's default
    window = make_window(Role.CLERK)
    # 1. A new counter prints A4 after a save; the clerk picks the desk printer for A4.
    preview = _save_in_window(qtbot, window, ops)
    assert preview.layout_kind == "a4" and preview.layout_switch is not None
    assert not preview.layout_switch.isChecked()
    before = len(cups_server.pdfs(desk))
    _choose(qtbot, preview, desk)
    _print(qtbot, ops, preview)
    assert preview.printed_to == desk
    assert len(_sizes(_next_pdf(cups_server, desk, before))) == 2  # Liên 1 and Liên 2
    # 2. The next citizen's receipt as the 80 mm slip: Alt+8, the 80 mm queue, Ctrl+P.
    preview = _save_in_window(qtbot, window, ops)
    code = window.intake.last_received.code
    assert preview.layout_kind == "a4" and preview.printers.currentText() == desk
    _switch_layout(qtbot, ops, preview, "slip80")
    assert window.intake.last_receipt_pdf == preview.pdf  # the receipt is now the slip
    assert preview.filename == f"{code}-80mm.pdf"
    # No 80 mm printer chosen yet: the A4 one is offered (as with an older settings file).
    assert preview.printers.currentText() == desk
    before = len(cups_server.pdfs(cups_server.slip))
    _choose(qtbot, preview, cups_server.slip)
    _print(qtbot, ops, preview)
    assert preview.printed_to == cups_server.slip
    _slip_came_out(cups_server, before, code, preview.pdf)
    saved = _saved_settings(services)
    assert saved["printer_name"] == desk
    assert saved["slip_printer_name"] == cups_server.slip
    assert saved["receipt_layout"] == "slip80"
    # 3. After a restart (settings file read again, a new window) the slip is what a save makes,
    # on the 80 mm queue; Alt+8 back to A4 shows the A4 printer, and again the 80 mm one.
    window.close()
    _restart(services)
    assert services.settings.receipt_layout == "slip80"
    window = make_window(Role.CLERK)
    preview = _save_in_window(qtbot, window, ops)
    assert preview.layout_kind == "slip80" and preview.layout_switch is not None
    assert preview.layout_switch.isChecked()
    assert preview.printers.currentText() == cups_server.slip
    _switch_layout(qtbot, ops, preview, "a4")
    assert preview.printers.currentText() == desk
    # Alt+8 and Ctrl+P at once: the slip prints as soon as it is drawn, on its own queue.
    code = window.intake.last_received.code
    before = len(cups_server.pdfs(cups_server.slip))
    qtbot.keyClick(preview, Qt.Key.Key_8, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: preview.relaying)
    qtbot.keyClick(preview, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert "Sẽ in ngay khi dựng xong" in preview.status.text()
    qtbot.waitUntil(lambda: preview.printed_to is not None, timeout=60_000)
    settle(qtbot, ops, timeout=60_000)
    assert preview.printed_to == cups_server.slip and preview.layout_kind == "slip80"
    _slip_came_out(cups_server, before, code, preview.pdf)


def test_a_reprint_from_the_detail_dialog_switches_layout_and_printer(
    qtbot: Any, make_window: Any, ops: Any, services: Any, cups_server: Any
) -> None:
    front = cups_server.add_queue("front-a4")
    code = _receive(services)
    window = make_window(Role.CLERK)

    def reprint() -> PdfPreviewDialog:
        """Scan the dossier's code into the window, Ctrl+P in its detail dialog."""
        window.dossiers.detail_dialog = None
        target = QApplication.focusWidget() or window
        qtbot.keyClicks(target, code)
        qtbot.keyClick(target, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.dossiers.detail_dialog is not None)
        detail = window.dossiers.detail_dialog
        qtbot.waitUntil(detail.isVisible)
        detail.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is detail)
        detail.preview_dialog = None
        qtbot.keyClick(detail, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
        settle(qtbot, ops)
        qtbot.waitUntil(lambda: detail.preview_dialog is not None)
        preview: PdfPreviewDialog = detail.preview_dialog
        _loaded(qtbot, ops, preview)
        qtbot.waitUntil(lambda: QApplication.activeWindow() is preview)
        return preview

    def is_reprint(pdf: bytes) -> bool:
        doc = pdfium.PdfDocument(pdf)
        return all("BẢN IN LẠI" in doc[i].get_textpage().get_text_range() for i in range(len(doc)))

    preview = reprint()
    assert preview.layout_kind == "a4" and is_reprint(preview.pdf)
    _choose(qtbot, preview, front)
    before = len(cups_server.pdfs(front))
    _print(qtbot, ops, preview)
    assert len(_sizes(_next_pdf(cups_server, front, before))) == 2
    window.dossiers.detail_dialog.close()
    preview = reprint()
    assert preview.printers.currentText() == front
    _switch_layout(qtbot, ops, preview, "slip80")
    assert is_reprint(preview.pdf) and preview.filename == f"{code}-in-lai-80mm.pdf"
    _choose(qtbot, preview, cups_server.slip)
    before = len(cups_server.pdfs(cups_server.slip))
    _print(qtbot, ops, preview)
    assert preview.printed_to == cups_server.slip
    _slip_came_out(cups_server, before, code, preview.pdf)
    window.dossiers.detail_dialog.close()
    # A restart: the reprint comes as the slip on the 80 mm queue; A4 keeps its own printer.
    window.close()
    _restart(services)
    window = make_window(Role.CLERK)
    preview = reprint()
    assert preview.layout_kind == "slip80" and preview.printers.currentText() == cups_server.slip
    _switch_layout(qtbot, ops, preview, "a4")
    assert preview.printers.currentText() == front
    preview.close()
    window.dossiers.detail_dialog.close()
    settle(qtbot, ops)


def test_doctor_names_each_layout_s_printer_and_whether_it_is_still_there(
    services: Any, cups_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from counter_app.cli import main as core_main
    from counter_app.settings import set_value
    from ui import entry

    gone = cups_server.add_queue("doctor-80mm")
    config = services.settings.paths.config_file
    set_value(services.settings, "printer_name", cups_server.a4, config_file=config)
    set_value(services.settings, "slip_printer_name", gone, config_file=config)
    set_value(services.settings, "receipt_layout", "slip80", config_file=config)
    db = ["--db", services.settings.database_url]
    # Through the window's entry: Qt's printer list, from a child process (the core has no Qt).
    core_main([*db, "doctor", "--json"], frontend=entry.FRONTEND)
    printers = json.loads(capsys.readouterr().out)["printers"]
    assert printers["source"] == "qt" and gone in printers["printers"]
    layouts = printers["chosen"]["layouts"]
    assert layouts["a4"] == {
        "key": "printer_name", "printer": cups_server.a4, "fallback": False, "present": True,
    }  # fmt: skip
    assert layouts["slip80"]["printer"] == gone and layouts["slip80"]["present"] is True
    assert printers["chosen"]["receipt_layout"] == "slip80"
    # The 80 mm printer is taken away: doctor says so, in Vietnamese, and how to choose again.
    cups_server.remove_queue(gone)
    core_main([*db, "doctor"], frontend=entry.FRONTEND)  # (exits 1 only for a bad database)
    out = capsys.readouterr().out
    assert f"khổ A4 (2 liên): «{cups_server.a4}» — có trong hệ thống" in out
    assert f"khổ 80 mm (giấy cuộn): «{gone}» — KHÔNG CÒN trong hệ thống" in out
    assert "giấy tiếp nhận in khổ: 80 mm (giấy cuộn)" in out
    assert (
        f"Máy in đã chọn cho khổ 80 mm (giấy cuộn) «{gone}» không còn trong hệ thống" in out
        and "counter-app config set slip_printer_name" in out
    ), out
