"""`counter-app` (ui.entry): the core's command line with the window's commands added to it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.cli import build_parser
from counter_app.cli import main as core_main
from counter_app.frontend import WINDOW_COMMANDS, WINDOW_OPTIONS
from tests.helpers.cli import ARGPARSE_ENGLISH, command_parsers
from ui import entry

ROOT = Path(__file__).resolve().parents[2]


def test_the_entry_point_adds_the_window_commands() -> None:
    parser = build_parser(entry.FRONTEND)
    assert parser.parse_args(["kiosk", "--windowed"]).handler is entry.cmd_kiosk
    client = ["--server", "http://127.0.0.1:9", "--token", "t", "--windowed"]
    kiosk = parser.parse_args(["queue", "kiosk", *client])
    assert kiosk.handler is entry.cmd_queue_kiosk and kiosk.windowed and kiosk.token == "t"
    board = parser.parse_args(["queue", "board", *client])
    assert board.handler is entry.cmd_queue_board and board.server == "http://127.0.0.1:9"
    demo = parser.parse_args(["--demo"])
    assert demo.demo and getattr(demo, "handler", None) is None
    # The core's own commands are all still there.
    assert (
        parser.parse_args(["queue", "status"]).handler
        is build_parser().parse_args(["queue", "status"]).handler
    )


@pytest.mark.parametrize("argv", [["kiosk"], ["queue", "board"], ["--demo"]])
def test_the_core_alone_has_no_window_commands(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(argv)
    assert exit_info.value.code == 2
    assert f"Hãy chạy: counter-app {' '.join(argv)}" in capsys.readouterr().err


def test_the_core_knows_which_commands_only_the_window_adds() -> None:
    # frontend.WINDOW_COMMANDS lets `python -m counter_app kiosk` say to run `counter-app kiosk`.
    core, window = build_parser(), build_parser(entry.FRONTEND)
    assert set(command_parsers(window)) - set(command_parsers(core)) == set(WINDOW_COMMANDS)
    options = set(window._option_string_actions) - set(core._option_string_actions)
    assert options == set(WINDOW_OPTIONS)


def test_the_window_commands_help_is_vietnamese() -> None:
    for command, parser in command_parsers(build_parser(entry.FRONTEND)).items():
        text = parser.format_help()
        assert text.startswith("Cách dùng: ") and "Tùy chọn:" in text, command
        assert not ARGPARSE_ENGLISH.search(text), f"{command}: {text}"


def test_python_m_counter_app_without_a_command_says_how_to_open_the_window(
    app_home: Path,
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "counter_app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert "Để mở ứng dụng, chạy lệnh counter-app không kèm lệnh con" in proc.stderr
    assert "PySide6" not in proc.stderr and "Traceback" not in proc.stderr


def test_full_screen_kiosk_needs_an_admin_pin(
    sqlite_url: str, app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert entry.main(["--db", sqlite_url, "kiosk"]) == 2
    err = capsys.readouterr().err
    assert "không thể thoát khỏi chế độ toàn màn hình" in err and "kiosk_admin_pin" in err


def test_doctor_lists_printers_through_qt(
    sqlite_url: str, app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Through the core's main (as ui.entry.main does): the DB guard of tests/ui refuses database
    # calls with ui/ code on the stack, and the command line is not the window's thread.
    assert core_main(["--db", sqlite_url, "init", "--json"], frontend=entry.FRONTEND) == 0
    capsys.readouterr()
    core_main(["--db", sqlite_url, "doctor", "--json"], frontend=entry.FRONTEND)
    printers = json.loads(capsys.readouterr().out)["printers"]
    assert printers["source"] == "qt" and printers["qt"].startswith("6.")
    assert isinstance(printers["printers"], list) and "default" in printers


def test_bench_only_ui_needs_the_entry_point(
    app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert core_main(["bench", "--rows", "0", "--only", "ui"]) == 2
    err = capsys.readouterr().err
    assert "không có phần đo ui" in err and "chỉ có khi chạy bằng lệnh counter-app" in err
    assert "ui" in entry.FRONTEND.bench_sections
