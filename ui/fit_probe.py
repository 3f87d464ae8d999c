"""Open every window the way the app does and report whether it fits the screen.

Run under a real X server (a window manager gives real title bars):
    xvfb-run -a -s "-screen 0 1366x768x24" python -m ui.fit_probe OUT_DIR
Prints one JSON object: per window its frame geometry, the screen's available geometry and
whether the frame lies inside it; a screenshot of the whole screen per window goes to OUT_DIR.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from counter_app.tempdirs import temporary_folder


def _rect(r: Any) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    with temporary_folder("counter-fit-") as home:  # a throwaway home, removed afterwards
        return _probe(out, home)


def _probe(out: Path, home: Path) -> int:
    os.environ["COUNTER_APP_HOME"] = str(home)
    from PySide6.QtWidgets import QWidget

    from counter_app.demo import build_demo
    from ui.app import AppController, build_services, make_application
    from ui.ops import Ops

    app = make_application()
    services = build_services(None, True, home=home)  # a throwaway database, counter 1
    services.migrate()
    ops = Ops()
    screen = app.primaryScreen()
    size = screen.geometry()
    suffix = f"{size.width()}x{size.height()}"
    report: dict[str, Any] = {"screen": _rect(size), "available": _rect(screen.availableGeometry())}
    windows: dict[str, Any] = {}
    report["windows"] = windows

    def pump(seconds: float = 0.6, until: Callable[[], bool] | None = None) -> None:
        ops.settle(seconds, until)

    def check(widget: QWidget, name: str) -> None:
        pump()
        avail = widget.screen().availableGeometry()
        frame = widget.frameGeometry()
        windows[name] = {
            "frame": _rect(frame),
            "geometry": _rect(widget.geometry()),
            "available": _rect(avail),
            "minimum": [widget.minimumSizeHint().width(), widget.minimumSizeHint().height()],
            "fits": avail.contains(frame),
        }
        path = out / f"{name}-{suffix}.png"
        widget.screen().grabWindow(0).save(str(path))
        windows[name]["screenshot"] = str(path)

    controller = AppController(services, ops)
    controller.start()
    pump(1.0)
    assert controller.dialog is not None
    check(controller.dialog, "setup")
    controller.dialog.blockSignals(True)
    controller.dialog.close()
    build_demo(services)
    controller.show_login()
    pump()
    assert controller.dialog is not None
    check(controller.dialog, "login")
    controller.dialog.blockSignals(True)
    controller.dialog.close()

    user = services.auth.authenticate("giamsat", "giamsat123")
    if user is None:
        raise SystemExit("ui.fit_probe: the demo supervisor does not sign in")
    controller.open_main(user)
    window: Any = controller.window
    assert window is not None
    pump(1.0)
    check(window, "main")
    window.intake.procedure.setFocus()
    window.intake.procedure.setText("khai sinh")
    window.intake.procedure.textEdited.emit("khai sinh")
    pump()
    check(window, "main-picker")
    long_query = "ban sao trich luc"
    window.intake.procedure.setText(long_query)
    window.intake.procedure.textEdited.emit(long_query)
    check(window, "main-picker-long")
    from ui.screenshots import attach_demo_files

    attach_demo_files(window.intake, home, pump)
    check(window, "main-digitise")
    window.intake.clear()
    window.open_dashboard()
    dash = window.dashboard
    pump(1.5, until=lambda: dash.report is not None)
    check(dash, "dashboard")
    dash.close()
    window.show_tab(1)
    pump(0.8)
    window.dossiers.open_code(window.dossiers.model.row_at(0).code)
    pump(0.8, until=lambda: window.dossiers.detail_dialog is not None)
    detail = window.dossiers.detail_dialog
    check(detail, "detail")
    # The reprint's preview, on A4 and switched to the 80 mm slip (Alt+8).
    detail.reprint()
    pump(1.0, until=lambda: detail.preview_dialog is not None)
    preview = detail.preview_dialog
    check(preview, "preview-a4")
    preview.switch_layout("slip80")
    pump(1.0, until=lambda: not preview.relaying)
    check(preview, "preview-slip")
    preview.switch_layout("a4")  # the demo's settings file keeps A4 for the next probe
    pump(1.0, until=lambda: not preview.relaying)
    preview.close()
    detail.close()

    from ui.kiosk.window import KioskWindow, show_kiosk

    kiosk = KioskWindow(services, ops=ops)
    show_kiosk(kiosk, fullscreen=True)
    pump(1.0)
    check(kiosk, "kiosk-idle")
    code = window.dossiers.model.row_at(0).code
    kiosk.submit_scan(code)
    pump(1.0, until=lambda: kiosk.page in ("answer", "message"))
    check(kiosk, "kiosk-answer")
    kiosk.leave()
    window.close()
    pump(0.2)
    ops.shutdown()
    from ui.printing import shutdown_render_pool

    shutdown_render_pool()
    services.close()  # before its home is removed: Windows cannot delete an open database
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
