"""The command line. Each module in this package adds one group of commands via `register`.

Commands are thin callers of the core services; with `--json` they print JSON on stdout; on error
they print a Vietnamese message on stderr and exit non-zero. A front end (the desktop window) adds
its own commands through `counter_app.frontend.Frontend`; without one the core runs alone.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from counter_app.cli._argparse import CORE_ONLY, CommandParser
from counter_app.settings import Settings

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.domain import Permission
    from counter_app.frontend import Frontend, SubParsers

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

    def __init__(self, args: argparse.Namespace, frontend: Frontend | None = None) -> None:
        self.args = args
        #: The front end this command line runs under (None: the core alone).
        self.frontend = frontend
        self.settings = Settings.load(db_url=getattr(args, "db", None))
        self._services: Any = None
        self._signed_in: UserInfo | None = None

    def services(self, *, migrate: bool = True) -> Any:
        """The core services, started (schema up to date, this command's hold on the database,
        code counters checked) unless told otherwise (`init`, `backup`, `restore` do it their way).
        """
        if self._services is None:
            from counter_app.services import CounterServices

            self._services = CounterServices(self.settings)
            if migrate:
                # Only a command that issues codes waits for the server's word on unit and clock;
                # those that take files also hear its file size limit then.
                command = getattr(self.args, "command", "") or ""
                report = self._services.start(
                    what=f"lệnh counter-app {command}".strip(),
                    check_server=command in ("intake", "attach", "scan"),
                )
                if report.code_warning:  # on stderr: `--json` output stays one document
                    print(report.code_warning, file=sys.stderr)
        return self._services

    def actor(self, permission: Permission | None = None) -> UserInfo:
        """Who a command acts as, for the core's permission checks and the audit log.

        By default the OS user, as an admin. With `cli_requires_admin = true` the OS user is only
        a clerk; a command that needs `permission` beyond that asks for the credentials of an
        account that has it (never from the command line) and acts as that account.
        """
        from counter_app.auth import system_actor
        from counter_app.domain import Role

        if not self.settings.cli_requires_admin:
            return system_actor()
        clerk = system_actor(Role.CLERK)
        if permission is None or clerk.can(permission):
            return clerk
        if self._signed_in is None:
            self._signed_in = self._sign_in()
        self._signed_in.require(permission)
        return self._signed_in

    def _sign_in(self) -> UserInfo:
        """Ask for a user name and password: a prompt on a terminal, else two lines of stdin."""
        import getpass

        if sys.stdin is not None and sys.stdin.isatty():
            sys.stderr.write("Thao tác này cần tài khoản quản trị (cli_requires_admin = true).\n")
            sys.stderr.write("Tên đăng nhập: ")
            sys.stderr.flush()
            username = sys.stdin.readline()
            password = getpass.getpass("Mật khẩu: ", stream=sys.stderr)
        else:
            stdin = sys.stdin
            username = stdin.readline() if stdin is not None else ""
            password = stdin.readline() if stdin is not None else ""
        username, password = username.strip(), password.rstrip("\r\n")
        if not username or not password:
            raise CliError(
                "Thao tác này cần tài khoản quản trị: nhập tên đăng nhập rồi mật khẩu "
                "(mỗi thứ một dòng trên đầu vào chuẩn khi không chạy trong cửa sổ lệnh).",
                EXIT_INVALID,
            )
        user: UserInfo | None = self.services().auth.authenticate(username, password)
        if user is None:
            raise CliError("Tên đăng nhập hoặc mật khẩu không đúng.", EXIT_INVALID)
        return user

    def close(self) -> None:
        if self._services is not None:
            self._services.close()


Handler = Callable[[Context], int]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def build_parser(frontend: Frontend | None = None) -> argparse.ArgumentParser:
    from counter_app.frontend import CommandTree

    parser = CommandParser(
        prog="counter-app",
        description="Phần mềm quầy tiếp nhận và trả kết quả hồ sơ hành chính. "
        + ("Không có lệnh: mở ứng dụng." if frontend is not None else NO_WINDOW),
    )
    parser.add_argument(
        "--db", metavar="URL", help="SQLAlchemy URL (mặc định: tệp SQLite; hoặc COUNTER_APP_DB)"
    )
    sub = parser.add_subparsers(dest="command", metavar="LỆNH")
    groups: dict[str, SubParsers] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            # A group that a front end may add sub-commands to is returned by its register().
            groups.update(register(sub) or {})
    if frontend is not None:
        frontend.add_commands(CommandTree(parser=parser, commands=sub, groups=groups))
    return parser


#: What `python -m counter_app` says about the window: it is not part of the core.
NO_WINDOW = (
    CORE_ONLY + " Để mở ứng dụng, chạy lệnh counter-app không kèm lệnh con "
    "(counter-app --demo để dùng thử trên dữ liệu trình diễn)."
)


def _reconfigure_streams() -> None:
    # Windows consoles default to a legacy code page; Vietnamese needs UTF-8.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")


def main(argv: Sequence[str] | None = None, *, frontend: Frontend | None = None) -> int:
    """The command line; `frontend` adds the window's commands and opens it with no command."""
    from counter_app.privacy import private_files

    # Everything the app writes may hold personal data: private from the first file on.
    with private_files():
        return _main(argv, frontend)


def _main(argv: Sequence[str] | None, frontend: Frontend | None) -> int:
    _reconfigure_streams()
    parser = build_parser(frontend)
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        if frontend is not None:
            return frontend.open_window(args)
        sys.stderr.write(NO_WINDOW + " Các lệnh: python -m counter_app --help.\n")
        return EXIT_ERROR
    ctx = Context(args, frontend)
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
