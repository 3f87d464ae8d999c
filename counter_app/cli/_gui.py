"""Opening the desktop app from the command line, without importing Qt into the core."""

from __future__ import annotations

import argparse
import importlib
import sys


def open_desktop(args: argparse.Namespace) -> int:
    try:
        app = importlib.import_module("ui.app")
    except ImportError as exc:
        sys.stderr.write(f"Lỗi: không mở được giao diện (PySide6 chưa cài đặt?): {exc}\n")
        return 1
    result: int = app.run(db_url=args.db, demo=args.demo)
    return result
