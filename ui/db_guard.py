"""Keep database work off the window's thread: the core's `Database` asks this guard first.

Every database call from code in `ui/` running on the Qt main thread is a stall the clerk feels
(a lock wait, a slow disk, a GROUP BY over years of outbox); such work goes through `ui.ops`.
Tests make the guard raise; the app logs the offending call with its stack instead, so that a
missed case slows the counter down but never stops it.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path

from counter_app import thread_guard

log = logging.getLogger(__name__)

UI_DIR = Path(__file__).resolve().parent


def _ui_frame() -> str | None:
    """`file:line` of the innermost caller inside ui/, if any is on the stack."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(str(UI_DIR)) and not filename.endswith("db_guard.py"):
            return f"{Path(filename).relative_to(UI_DIR.parent)}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return None


def ui_thread_guard(*, strict: bool) -> Callable[[], None]:
    """A guard refusing database use by ui/ code on the main (Qt GUI) thread."""
    main = threading.main_thread().ident

    def guard() -> None:
        if threading.get_ident() != main:
            return
        where = _ui_frame()
        if where is None:
            return  # the core, a command or a test on the main thread: not the window
        message = f"Cơ sở dữ liệu bị gọi trên luồng giao diện ({where}); phải chạy qua ui.ops."
        if strict:
            raise thread_guard.WrongThreadError(message)
        log.warning("%s\n%s", message, "".join(traceback.format_stack(limit=12)))

    return guard


def install(*, strict: bool = False) -> Callable[[], None] | None:
    """Turn the guard on; returns the guard it replaced."""
    return thread_guard.set_thread_guard(ui_thread_guard(strict=strict))
