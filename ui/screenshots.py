"""Screenshots of the real window for review and documentation.

xvfb-run -a -s "-screen 0 1366x768x24" python -m ui.screenshots OUT_DIR 1366x768
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from counter_app.tempdirs import temporary_folder


def attach_demo_files(form: Any, folder: Path, pump: Callable[..., None]) -> None:
    """A land dossier in the intake form with two papers digitised through the form's own path
    (files checked and stored on the worker thread) and one still to scan."""
    import io

    from reportlab.pdfgen import canvas

    form.procedure.choose(form.services.catalog.get("1.013831"), picked=True)
    form.name.setText("Phạm Thị Lan")
    form.id_number.setText("022090001234")
    pump()
    papers = {p.code: p for p in form.papers_model.papers()}
    for code, pages in (("DDK", 2), ("HD", 5)):
        buf = io.BytesIO()
        c = canvas.Canvas(buf)
        for n in range(pages):
            c.drawString(72, 720, f"{papers[code].name[:60]} — trang {n + 1}")
            c.showPage()
        c.save()
        path = folder / f"{code.lower()}-ban-quet.pdf"
        path.write_bytes(buf.getvalue())
        form.digitise.attach_paths(papers[code], [path])
        pump(0.3, until=lambda: not form.digitise.busy)
    form.papers.setCurrentIndex(form.papers_model.index(1, 0))
    pump()


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    width, height = (int(v) for v in argv[1].split("x"))
    out.mkdir(parents=True, exist_ok=True)
    with temporary_folder("counter-shots-") as home:  # a throwaway home, removed afterwards
        return _shoot(out, width, height, home)


def _shoot(out: Path, width: int, height: int, home: Path) -> int:
    os.environ["COUNTER_APP_HOME"] = str(home)
    from PySide6.QtWidgets import QApplication

    from counter_app.demo import build_demo
    from counter_app.settings import Settings, set_value
    from ui.app import AppController, build_services, make_application
    from ui.main_window import MainWindow
    from ui.ops import Ops

    _app = make_application()  # held until the end: the application ends with its last reference
    set_value(Settings.load(), "counter_no", "1")  # a throwaway home, counter 1
    services = build_services(f"sqlite:///{home / 'shots.sqlite3'}")
    services.migrate()
    ops = Ops()
    suffix = f"{width}x{height}"

    def pump(seconds: float = 0.4, until: Callable[[], bool] | None = None) -> None:
        ops.settle(seconds, until)

    def grab(widget: Any, name: str) -> None:
        pump()
        path = out / f"{name}-{suffix}.png"
        widget.grab().save(str(path))
        print(path)

    controller = AppController(services, ops)
    controller.start()
    pump(1.0)
    assert controller.dialog is not None
    grab(controller.dialog, "setup")
    controller.dialog.close()
    build_demo(services)
    controller.show_login()
    pump()
    assert controller.dialog is not None
    grab(controller.dialog, "login")
    controller.dialog.close()

    user = services.auth.authenticate("canbo", "canbo1234")
    if user is None:
        raise SystemExit("ui.screenshots: the demo clerk does not sign in")
    window = MainWindow(services, ops, user)
    window.resize(width, height - 40)
    window.show()
    pump(1.0)
    grab(window, "intake-empty")
    form = window.intake
    window.on_chip_id_scan(
        "022090012345|123456789|Nguyễn Văn Đức|05091990|Nam"
        "|Tổ 1, khu 2, phường Hồng Gai, TP Hạ Long, Quảng Ninh|15082021"
    )
    form.procedure.setFocus()
    form.procedure.setText("khai sinh")
    form.procedure.textEdited.emit("khai sinh")
    pump()
    grab(window, "intake-picker")
    form.procedure.choose(services.catalog.get("1.001193"), picked=True)
    form.phone.setText("0912345678")
    pump()
    grab(window, "intake-filled")
    form.phone.setText("12345")
    form.id_number.setText("12")
    form.save()
    pump()
    grab(window, "intake-errors")
    form.id_number.setText("022090012345")
    form.phone.setText("0912345678")
    form.save()
    pump(1.5, until=lambda: form.preview is not None)
    grab(form.preview, "receipt-preview")
    form.preview.close()
    pump()
    grab(window, "intake-saved")
    attach_demo_files(form, home, pump)
    grab(window, "intake-files")
    form.undigitised_reason.setText("Máy quét hỏng, quét bổ sung chiều nay")
    form.auto_preview = False
    form.save()
    pump(1.5, until=lambda: form.last_received is not None and not form._saving)
    land_code = form.last_received.code
    form.auto_preview = True
    form.procedure.choose(services.catalog.get("1.004194"))
    form.name.setText("Trần Thị Thuỷ")
    form.papers_model.set_checked_codes([form.papers_model.papers()[0].code])
    form.request_supplement()
    pump()
    grab(form.slip_dialog, "supplement-dialog")
    form.slip_dialog.close()
    window.show_tab(1)
    pump(0.8)
    grab(window, "dossiers")
    window.dossiers.open_code(window.dossiers.model.row_at(0).code)
    pump(0.8, until=lambda: window.dossiers.detail_dialog is not None)
    grab(window.dossiers.detail_dialog, "dossier-detail")
    window.dossiers.detail_dialog.close()
    window.dossiers.open_code(land_code)
    pump(0.8, until=lambda: window.dossiers.detail_dialog is not None)
    grab(window.dossiers.detail_dialog, "dossier-detail-files")
    window.dossiers.detail_dialog.close()
    # One paper handed in, one required paper missing, optional ones not handed in.
    from counter_app.intake import ApplicantDraft, DossierDraft

    papers_code = services.intake.receive(
        DossierDraft(
            "1.001193",
            ApplicantDraft("Lê Thị Hoa", "022190012399"),
            papers=["TK", "GTTT"],
            missing_reason="Giấy chứng sinh nộp bổ sung sau",
        ),
        clerk=user,
    ).code
    window.dossiers.open_code(papers_code)
    pump(
        0.8,
        until=lambda: (
            window.dossiers.detail_dialog is not None
            and window.dossiers.detail_dialog.detail.row.code == papers_code
        ),
    )
    grab(window.dossiers.detail_dialog, "dossier-detail-papers")
    window.close()
    QApplication.processEvents()
    ops.shutdown()
    from ui.printing import shutdown_render_pool

    shutdown_render_pool()
    services.close()  # before its home is removed: Windows cannot delete an open database
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
