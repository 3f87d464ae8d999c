"""Which thread may use the database: a guard the desktop app installs for its UI thread.

The core never imports Qt, so the window tells it (through `set_thread_guard`) how to recognise
the thread that must never wait for a query; `counter_app.db.engine.Database` asks before every
unit of work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class WrongThreadError(RuntimeError):
    """The database was used from a thread that must never wait for it (the window's)."""


#: Called before every unit of work; the desktop app sets it to refuse its UI thread (this core
#: never imports Qt, so the UI tells it which thread that is). None: any thread may use it.
thread_guard: Callable[[], None] | None = None


def set_thread_guard(guard: Callable[[], None] | None) -> Callable[[], None] | None:
    """Install `guard` (or none); returns the previous one, so tests can put it back."""
    global thread_guard
    previous, thread_guard = thread_guard, guard
    return previous


def forbid_thread(ident: int, what: str = "luồng giao diện") -> Callable[[], None]:
    """A guard that raises WrongThreadError when called on the thread `ident`."""

    def guard() -> None:
        if threading.get_ident() == ident:
            raise WrongThreadError(f"Cơ sở dữ liệu bị gọi từ {what} (phải chạy nền).")

    return guard


def check_thread() -> None:
    """Run the installed guard, if any (`Database` calls it before every unit of work)."""
    guard = thread_guard
    if guard is not None:
        guard()
