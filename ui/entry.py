"""`counter-app`: the core's command line with the desktop window added (the console script).

The core names no module of this package: this entry point hands it a `Frontend` (the one hook
the core defines in `counter_app.frontend`) that adds the window commands (`kiosk`, `queue kiosk`,
`queue board`, `--demo`), opens the main window when no command is given, adds the `ui` section
to `bench` and lists printers through Qt for `doctor`. Qt is imported only when a window opens,
so `counter-app sync` and the other commands start as fast as `python -m counter_app`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from counter_app.cli import EXIT_ERROR, EXIT_INVALID, CliError, Context
from counter_app.frontend import BenchSection, CommandTree, Frontend
from ui import bench_section  # no Qt: it starts the probe in a child process

if TYPE_CHECKING:
    from types import ModuleType

NO_QT = "Lỗi: không mở được giao diện (PySide6 chưa cài đặt?): {}\n"


def add_commands(tree: CommandTree) -> None:
    from counter_app.cli.queue import add_client_options

    tree.parser.add_argument("--demo", action="store_true", help="mở ứng dụng trên CSDL trình diễn")
    kiosk = tree.commands.add_parser(
        "kiosk", help="mở màn hình tra cứu hồ sơ cho người dân (toàn màn hình)"
    )
    kiosk.add_argument(
        "--windowed", action="store_true", help="mở trong cửa sổ thường (để kiểm tra, chạy thử)"
    )
    kiosk.set_defaults(handler=cmd_kiosk)
    queue = tree.groups["queue"]
    for name, help_text, handler in (
        ("kiosk", "ki-ốt lấy số (toàn màn hình)", cmd_queue_kiosk),
        ("board", "bảng hiển thị số gọi và đọc loa (toàn màn hình)", cmd_queue_board),
    ):
        window = queue.add_parser(name, help=help_text)
        add_client_options(window)
        window.add_argument("--windowed", action="store_true", help="mở trong cửa sổ (thử nghiệm)")
        window.set_defaults(handler=handler)


def _require_pin(ctx: Context, what: str) -> None:
    """A full-screen window is left only with the admin PIN: refuse to open one without it."""
    if not ctx.settings.kiosk_admin_pin and not ctx.args.windowed:
        raise CliError(
            f"Chưa đặt mã PIN quản trị {what}. "
            "Hãy đặt trước: counter-app config set kiosk_admin_pin <mã PIN>.",
            EXIT_INVALID,
        )


def _window_module(name: str) -> ModuleType | None:
    import importlib

    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # a machine with the core but without PySide6
        sys.stderr.write(NO_QT.format(exc))
        return None
    from ui.qt_binding import guard_none_refcount

    guard_none_refcount()
    return module


def open_window(args: argparse.Namespace) -> int:
    """No command: the main window (`--demo`: on a throwaway demo database)."""
    app = _window_module("ui.app")
    if app is None:
        return EXIT_ERROR
    result: int = app.run(db_url=args.db, demo=args.demo)
    return result


def cmd_kiosk(ctx: Context) -> int:
    _require_pin(
        ctx,
        "cho máy tra cứu, nên không thể thoát khỏi chế độ toàn màn hình",
    )
    window = _window_module("ui.kiosk.window")
    if window is None:
        return EXIT_ERROR
    result: int = window.run(ctx.services(), fullscreen=not ctx.args.windowed)
    return result


def cmd_queue_kiosk(ctx: Context) -> int:
    _require_pin(ctx, "nên không thể thoát khỏi máy lấy số toàn màn hình")
    return _queue_window(ctx, "kiosk")


def cmd_queue_board(ctx: Context) -> int:
    return _queue_window(ctx, "board")


def _queue_window(ctx: Context, which: str) -> int:
    from counter_app.cli.queue import queue_client

    client = queue_client(ctx)
    run = _window_module("ui.queue.run")
    if run is None:
        return EXIT_ERROR
    sys.stdout.flush()
    return int(run.run_window(which, client, ctx.settings, windowed=ctx.args.windowed))


def printer_probe_command() -> list[str]:
    """The child process `doctor` asks for Qt's printer list (see ui/printer_probe.py)."""
    if getattr(sys, "frozen", False):
        # The bundled executable runs the same probe (packaging/entry.py).
        return [sys.executable, "--qt-probe"]
    return [sys.executable, "-m", "ui.printer_probe"]


FRONTEND = Frontend(
    add_commands=add_commands,
    open_window=open_window,
    bench_sections={"ui": BenchSection(bench_section.run)},
    printer_probe=printer_probe_command,
)


def main(argv: Sequence[str] | None = None) -> int:
    """The `counter-app` console script and `python -m ui`."""
    from counter_app.cli import main as cli_main

    return cli_main(argv, frontend=FRONTEND)
