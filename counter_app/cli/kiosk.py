"""`kiosk`: the citizen self-service window (full screen; leaving it needs the admin PIN)."""

from __future__ import annotations

import importlib
import sys
from typing import Any

from counter_app.cli import EXIT_INVALID, CliError, Context


def register(sub: Any) -> None:
    p = sub.add_parser("kiosk", help="mở màn hình tra cứu hồ sơ cho người dân (toàn màn hình)")
    p.add_argument(
        "--windowed", action="store_true", help="mở trong cửa sổ thường (để kiểm tra, chạy thử)"
    )
    p.set_defaults(handler=cmd_kiosk)


def cmd_kiosk(ctx: Context) -> int:
    if not ctx.settings.kiosk_admin_pin and not ctx.args.windowed:
        raise CliError(
            "Chưa đặt mã PIN quản trị cho máy tra cứu, nên không thể thoát khỏi chế độ toàn màn "
            "hình. Hãy đặt trước: counter-app config set kiosk_admin_pin <mã PIN>.",
            EXIT_INVALID,
        )
    try:
        window = importlib.import_module("ui.kiosk.window")
    except ImportError as exc:
        sys.stderr.write(f"Lỗi: không mở được giao diện (PySide6 chưa cài đặt?): {exc}\n")
        return 1
    result: int = window.run(ctx.services(), fullscreen=not ctx.args.windowed)
    return result
