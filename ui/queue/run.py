"""`counter-app queue kiosk` and `queue board`: open the window full screen until closed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


def ticket_printer(settings: Any) -> str:
    """Tickets are 80 mm: the kiosk's own printer, else the one chosen for 80 mm pages."""
    from counter_app.settings import remembered_printer

    return str(settings.queue.kiosk_printer or remembered_printer(settings, "slip80"))


def make_window(which: str, client: Any, settings: Any) -> QWidget:
    if which == "kiosk":
        from ui.print_job import print_pdf
        from ui.queue.kiosk import QueueKioskWindow

        printer_name = ticket_printer(settings)
        return QueueKioskWindow(
            client,
            printer=lambda pdf: print_pdf(pdf, printer_name),
            admin_pin=settings.kiosk_admin_pin,
        )
    from ui.queue.board import QueueBoardWindow
    from ui.queue.speech import Speaker

    return QueueBoardWindow(client, speaker=Speaker(settings.queue.sentence))


def run_window(which: str, client: Any, settings: Any, *, windowed: bool = False) -> int:
    from ui.app import make_application

    app = make_application()
    window = make_window(which, client, settings)
    if windowed:
        window.resize(1366, 768)
        window.show()
    else:
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        window.showFullScreen()
    code = app.exec()
    client.close()
    return int(code)
