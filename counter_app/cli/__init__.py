"""The command line. Each module in this package adds one group of commands via `register`.

Commands are thin callers of the core services; with `--json` they print JSON on stdout; on error
they print a Vietnamese message on stderr and exit non-zero.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from counter_app.settings import Settings

if TYPE_CHECKING:
    from counter_app.auth import UserInfo

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INVALID = 2


class CliError(Exception):
    """A failure to report to the user in Vietnamese, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


class Context:
    """What a command gets: parsed arguments, settings, and services opened on first use."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.settings = Settings.load(db_url=getattr(args, "db", None))
        self._services: Any = None

    def services(self, *, migrate: bool = True) -> Any:
        """The core services, started (schema up to date, this command's hold on the database,
        code counters checked) unless told otherwise (`init`, `backup`, `restore` do it their way).
        """
        if self._services is None:
            from counter_app.services import CounterServices

            self._services = CounterServices(self.settings)
            if migrate:
                # Only a command that issues codes waits for the server's word on unit and clock.
                command = getattr(self.args, "command", "") or ""
                self._services.start(
                    what=f"lệnh counter-app {command}".strip(),
                    check_server=command == "intake",
                )
        return self._services

    def actor(self) -> UserInfo:
        """Who a command acts as, for the core's permission checks and the audit log."""
        from counter_app.auth import system_actor

        return system_actor()

    def close(self) -> None:
        if self._services is not None:
            self._services.close()


Handler = Callable[[Context], int]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="counter-app",
        description="Phần mềm quầy tiếp nhận và trả kết quả hồ sơ hành chính. "
        "Không có lệnh: mở ứng dụng.",
    )
    parser.add_argument(
        "--db", metavar="URL", help="SQLAlchemy URL (mặc định: tệp SQLite; hoặc COUNTER_APP_DB)"
    )
    parser.add_argument("--demo", action="store_true", help="mở ứng dụng trên CSDL trình diễn")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def _reconfigure_streams() -> None:
    # Windows consoles default to a legacy code page; Vietnamese needs UTF-8.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    _reconfigure_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        from counter_app.cli._gui import open_desktop

        return open_desktop(args)
    ctx = Context(args)
    try:
        _start_logging(ctx.settings)
        return handler(ctx)
    except CliError as exc:
        sys.stderr.write(f"Lỗi: {exc}\n")
        return exc.code
    except KeyboardInterrupt:
        sys.stderr.write("Đã dừng theo yêu cầu.\n")
        return 130
    except Exception as exc:  # every failure must reach the user in Vietnamese
        message = user_message(exc, ctx.settings)
        if message is None:
            raise
        sys.stderr.write(f"Lỗi: {message}\n")
        return EXIT_INVALID
    finally:
        ctx.close()


def _start_logging(settings: Settings) -> None:
    """Commands log to the same redacted rotating files as the window; never fail over it."""
    from counter_app.logs import setup_logging

    try:
        setup_logging(settings)
    except OSError as exc:
        sys.stderr.write(f"Cảnh báo: không ghi được nhật ký ({exc.strerror}).\n")


def user_message(exc: BaseException, settings: Settings | None = None) -> str | None:
    """A Vietnamese message for errors the core raises on purpose; None for real bugs."""
    from counter_app.errors import UserError

    if isinstance(exc, UserError):
        return str(exc)
    from sqlalchemy.exc import IntegrityError, OperationalError

    if isinstance(exc, IntegrityError):
        return (
            "CSDL từ chối ghi vì trùng hoặc thiếu dữ liệu bắt buộc; chưa có gì được ghi. "
            "Hãy chạy `counter-app doctor` và báo bộ phận kỹ thuật."
        )
    if isinstance(exc, OperationalError):
        from sqlalchemy.engine import make_url

        from counter_app.db.engine import operational_message, sqlite_file

        file = sqlite_file(make_url(settings.database_url)) if settings is not None else None
        return operational_message(exc, file) or f"Không kết nối được cơ sở dữ liệu: {exc.orig}"
    return None
