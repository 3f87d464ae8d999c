"""The command line's own words (usage, errors, `--help`) are Vietnamese, from argparse too."""

from __future__ import annotations

import argparse
import gettext
import re
import unicodedata

import pytest

from counter_app.cli import build_parser
from counter_app.cli._argparse import CORE_ONLY
from counter_app.frontend import WINDOW_COMMANDS, WINDOW_OPTIONS
from tests.helpers.cli import ARGPARSE_ENGLISH, Cli, command_parsers


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    # Parsing fails before any database is opened: the home stays empty.
    return Cli(tmp_path_factory.mktemp("argparse-home"), timeout=60)


def _refused(cli: Cli, *args: str) -> str:
    """Run a command line argparse refuses: status 2, nothing on stdout, Vietnamese on stderr."""
    result = cli(*args, ok=False)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    err = result.stderr
    assert err.startswith("Cách dùng: counter-app"), err
    assert "Traceback" not in err and unicodedata.is_normalized("NFC", err)
    assert "\nXem hướng dẫn: counter-app" in err
    assert not ARGPARSE_ENGLISH.search(err), err
    return err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("intake", "--no-such-option"), "counter-app: lỗi: không hiểu tham số: --no-such-option"),
        (
            ("due-date", "--working-days", "3"),
            "counter-app due-date: lỗi: thiếu tham số bắt buộc: --received",
        ),
        (("bench", "--rows", "nhiều"), "tham số --rows: «nhiều» không phải số nguyên"),
        (("sync", "--max-seconds", "1,5"), "tham số --max-seconds: «1,5» không phải số"),
        (("init", "--counter"), "counter-app init: lỗi: tham số --counter: cần một giá trị"),
        (("receipt", "X", "--layout", "a5"), "không có lựa chọn «a5» (chọn một trong: "),
        (("sync", "--once", "--rebuild"), "tham số --rebuild: không dùng cùng với tham số --once"),
        (("config",), "counter-app config: lỗi: thiếu lệnh, chọn một trong: set, show"),
        (("frobnicate",), "không có lệnh «frobnicate» trong counter-app; các lệnh: bench, "),
        (("queue", "tiket"), "không có lệnh «tiket» trong counter-app queue; các lệnh: "),
    ],
)
def test_a_refused_command_line_is_told_in_vietnamese(
    cli: Cli, args: tuple[str, ...], said: str
) -> None:
    assert said in _refused(cli, *args)


@pytest.mark.parametrize("what", [*WINDOW_COMMANDS, *WINDOW_OPTIONS])
def test_a_window_command_in_the_core_says_how_to_run_it(cli: Cli, what: str) -> None:
    err = _refused(cli, *what.split(), "--windowed")
    assert f"«{what}» mở cửa sổ của ứng dụng. {CORE_ONLY} Hãy chạy: counter-app {what}" in err
    # Not "no such command", with every command listed.
    assert "không có lệnh" not in err and "intake" not in err


@pytest.mark.parametrize("command", ["", "queue", "intake", "config set", "server token"])
def test_help_is_vietnamese(cli: Cli, command: str) -> None:
    result = cli(*command.split(), "--help")
    assert result.returncode == 0 and result.stderr == ""
    out = result.stdout
    assert out.startswith(f"Cách dùng: counter-app {command}".rstrip() + " ")
    assert "\nTùy chọn:\n" in out
    assert re.search(r"\n  -h, --help +hiện hướng dẫn này rồi thoát\n", out)
    assert unicodedata.is_normalized("NFC", out)
    assert not ARGPARSE_ENGLISH.search(out), out


def test_top_level_help_lists_the_commands_under_vietnamese_headings(cli: Cli) -> None:
    out = cli("--help").stdout
    assert "Cách dùng: counter-app [-h] [--db URL] LỆNH ..." in out
    assert "\nTham số:\n  LỆNH\n" in out and "\n    intake " in out
    assert "COMMAND" not in out


def test_every_sub_command_help_is_vietnamese() -> None:
    parsers = command_parsers(build_parser())
    assert {"", "queue", "queue ticket", "server token create", "config set"} <= set(parsers)
    for command, parser in parsers.items():
        text = parser.format_help()
        assert type(parser) is type(parsers[""]), command  # one parser class throughout
        assert text.startswith(f"Cách dùng: {parser.prog}"), command
        assert "hiện hướng dẫn này rồi thoát" in text, command
        assert unicodedata.is_normalized("NFC", text), command
        found = ARGPARSE_ENGLISH.search(text)
        assert found is None, f"{command or 'counter-app'}: {found and found.group(0)!r}\n{text}"


def test_argparse_speaks_english_again_outside_our_parser(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as refused:
        build_parser().parse_args(["init", "--counter", "x"])
    assert refused.value.code == 2
    assert "«x» không phải số nguyên" in capsys.readouterr().err
    # Any other parser in the process (pytest's own) keeps argparse's words.
    assert vars(argparse)["_"] is gettext.gettext
    plain = argparse.ArgumentParser(prog="plain")
    assert plain.format_usage().startswith("usage: plain")
    assert "show this help message and exit" in plain.format_help()


def test_a_refused_line_opens_no_database(cli: Cli) -> None:
    err = _refused(cli, "intake", "--kind", "9")
    assert "tham số --kind: không có lựa chọn «9» (chọn một trong: 1, 2, 3, 4)" in err
    assert not (cli.home / "data").exists()
