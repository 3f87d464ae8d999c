"""argparse in Vietnamese: the one parser class of the command line and of all its sub-commands.

argparse writes its own words (usage, errors, section titles, the help of `-h`) through `_(msgid)`
and `ngettext(...)`, names it imports from gettext into its own module. Those msgids are the
contract argparse keeps for translators: 3.11 to 3.13 share them (3.12 and 3.13 only added some,
in the table too), while the private methods that build the messages changed between versions.
A gettext catalogue would be found only through LANGUAGE/LANG, which Windows does not set, and
would translate every other parser of the process (pytest's). So while one of our parsers is
built, parses or formats, argparse's two names point at the table below, and are put back after.
A msgid missing from the table stays English: tests/counter_app/cli/test_argparse.py walks every
help and the usual errors to find one."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from counter_app.frontend import WINDOW_COMMANDS, WINDOW_OPTIONS

#: argparse's msgid → Vietnamese, with the same %-placeholders (`%r` may become «%s»).
MESSAGES: dict[str, str] = {
    "usage: ": "Cách dùng: ",
    "positional arguments": "Tham số",
    "options": "Tùy chọn",
    "optional arguments": "Tùy chọn",
    "subcommands": "Lệnh",
    "show this help message and exit": "hiện hướng dẫn này rồi thoát",
    "show program's version number and exit": "hiện số phiên bản rồi thoát",
    " (default: %(default)s)": " (mặc định: %(default)s)",
    "%(prog)s: warning: %(message)s\n": "%(prog)s: cảnh báo: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "ambiguous option: %(option)s could match %(matches)s": (
        "tùy chọn %(option)s chưa rõ: có thể là %(matches)s"
    ),
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected %s argument": "cần %s giá trị",
    "ignored explicit argument %r": "không nhận giá trị «%s»",
    "invalid %(type)s value: %(value)r": "giá trị «%(value)s» không hợp lệ",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "không có lựa chọn «%(value)s» (chọn một trong: %(choices)s)"
    ),
    "not allowed with argument %s": "không dùng cùng với tham số %s",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "không hiểu tham số: %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "không có lệnh «%(parser_name)s» (các lệnh: %(choices)s)"
    ),
    "can't open '%(filename)s': %(error)s": "không mở được tệp «%(filename)s»: %(error)s",
    "option '%(option)s' is deprecated": "tùy chọn «%(option)s» sắp bị bỏ",
    "argument '%(argument_name)s' is deprecated": "tham số «%(argument_name)s» sắp bị bỏ",
    "command '%(parser_name)s' is deprecated": "lệnh «%(parser_name)s» sắp bị bỏ",
}

#: What a value of these types must look like, for "invalid int value: '1x'".
TYPE_NAMES: dict[Callable[[str], Any], str] = {int: "số nguyên", float: "số"}

#: The sentence `python -m counter_app` says of everything that needs the window.
CORE_ONLY = "Phần lõi (python -m counter_app) chỉ chạy các lệnh, không mở cửa sổ."


def _gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    # Vietnamese has one form for every number.
    return MESSAGES.get(singular, singular if n == 1 else plural)


@contextmanager
def _vietnamese() -> Iterator[None]:
    """argparse speaks Vietnamese inside this block (re-entrant: sub-parsers nest in it)."""
    saved = argparse.__dict__["_"], argparse.__dict__["ngettext"]
    argparse.__dict__["_"], argparse.__dict__["ngettext"] = _gettext, _ngettext
    try:
        yield
    finally:
        argparse.__dict__["_"], argparse.__dict__["ngettext"] = saved


def window_only(what: str) -> str:
    """Why the core refuses a window's command or option, and how to run it."""
    return f"«{what}» mở cửa sổ của ứng dụng. {CORE_ONLY} Hãy chạy: counter-app {what}"


class CommandParser(argparse.ArgumentParser):
    """An ArgumentParser whose own words are Vietnamese; `add_subparsers` hands the class on.

    Also: a required sub-command that is missing is named by its choices (argparse would name
    its `dest`), an unknown one lists the commands, and a command or option that only the window
    adds (frontend.WINDOW_COMMANDS) says to run it with `counter-app`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with _vietnamese():
            super().__init__(*args, **kwargs)
        self._required_commands: list[argparse.Action] = []

    def add_subparsers(self, **kwargs: Any) -> Any:
        # argparse would report a missing sub-command by its dest ("config_command"): this
        # parser checks it itself after parsing, by the commands it offers.
        checked = bool(kwargs.get("required")) and bool(kwargs.get("dest"))
        if checked:
            kwargs["required"] = False
        action = super().add_subparsers(**kwargs)
        if checked:
            self._required_commands.append(action)
        return action

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        with _vietnamese():
            parsed, extras = super().parse_known_args(args, namespace)
        for action in self._required_commands:
            if getattr(parsed, action.dest, None) is None:
                self.error(f"thiếu lệnh, chọn một trong: {_choices(action)}")
        return parsed, extras

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            window = [a for a in extras if a.partition("=")[0] in WINDOW_OPTIONS]
            if window:
                self.error(window_only(window[0].partition("=")[0]))
            self.error(_gettext("unrecognized arguments: %s") % " ".join(extras))
        return parsed

    def format_usage(self) -> str:
        with _vietnamese():
            return super().format_usage()

    def format_help(self) -> str:
        with _vietnamese():
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        """Usage and the message on stderr, exit status 2, as argparse does, in Vietnamese."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: lỗi: {message}\nXem hướng dẫn: {self.prog} --help\n")

    # argparse checks and converts each value through these two hooks (same signature from 3.11
    # to 3.13): here an unknown command, which the table could not tell from a window's one, and
    # a bad number, for which argparse would say "int".
    def _check_value(self, action: argparse.Action, value: Any) -> None:
        commands = action.choices if action.nargs == argparse.PARSER else None
        if commands is not None and value not in commands:
            # A sub-command's prog is "counter-app queue": the command line so far.
            command = " ".join([*self.prog.split()[1:], str(value)])
            if command in WINDOW_COMMANDS:
                raise argparse.ArgumentError(None, window_only(command))
            raise argparse.ArgumentError(
                None, f"không có lệnh «{value}» trong {self.prog}; các lệnh: {_choices(action)}"
            )
        super()._check_value(action, value)

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError:
            kind = TYPE_NAMES.get(action.type) if callable(action.type) else None
            if kind is None:
                raise
            raise argparse.ArgumentError(action, f"«{arg_string}» không phải {kind}") from None


def _choices(action: argparse.Action) -> str:
    return ", ".join(map(str, action.choices or ()))
