"""Settings: defaults, file, environment and explicit values, in that order of strength."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from counter_app.settings import Paths, Settings, set_value


def test_everything_under_counter_app_home(tmp_path: Path) -> None:
    paths = Paths.discover({"COUNTER_APP_HOME": str(tmp_path)})
    assert paths.data_dir == tmp_path / "data"
    assert paths.config_file == tmp_path / "config" / "settings.toml"


def test_default_database_is_sqlite_in_data_dir(tmp_path: Path) -> None:
    s = Settings.load(env={"COUNTER_APP_HOME": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path / 'data' / 'counter.sqlite3'}"


def test_file_then_env_then_argument(tmp_path: Path) -> None:
    env = {"COUNTER_APP_HOME": str(tmp_path)}
    base = Settings.load(env=env)
    set_value(base, "counter_no", "4")
    set_value(base, "sync.server_url", "https://hcc.example.gov.vn")
    set_value(base, "sync.token", "secret")
    assert stat.S_IMODE(base.paths.config_file.stat().st_mode) == 0o600
    from_file = Settings.load(env=env)
    assert from_file.counter_no == 4
    assert from_file.sync.server_url == "https://hcc.example.gov.vn"
    env_too = {
        **env,
        "COUNTER_APP_SERVER_URL": "http://127.0.0.1:8765",
        "COUNTER_APP_SERVER_TOKEN": "t2",
        "COUNTER_APP_DB": "sqlite:///x.db",
    }
    s = Settings.load(env=env_too)
    assert (s.sync.server_url, s.sync.token, s.db_url) == (
        "http://127.0.0.1:8765",
        "t2",
        "sqlite:///x.db",
    )
    assert Settings.load(env=env_too, db_url="sqlite:///y.db").db_url == "sqlite:///y.db"


def test_unknown_key_and_bad_value_are_refused_in_vietnamese(tmp_path: Path) -> None:
    s = Settings.load(env={"COUNTER_APP_HOME": str(tmp_path)})
    with pytest.raises(ValueError, match="Không có thiết lập"):
        set_value(s, "sync.nope", "1")
    with pytest.raises(ValueError, match="không hợp lệ"):
        set_value(s, "counter_no", "ba")


def test_each_page_layout_remembers_its_printer_and_old_files_keep_theirs(tmp_path: Path) -> None:
    from counter_app.settings import (
        page_layout,
        remembered_printer,
        set_value,
        with_printer,
    )

    config = tmp_path / "settings.toml"
    # A file from a version that knew one printer: it stays the A4 printer and the 80 mm default.
    config.write_text('counter_no = 1\nprinter_name = "HP A4"\n', encoding="utf-8")
    old = Settings.load(env={"COUNTER_APP_HOME": str(tmp_path)}, config_file=config)
    assert remembered_printer(old, "a4") == "HP A4"
    assert remembered_printer(old, "slip80") == "HP A4"
    set_value(old, "slip_printer_name", "XP-80C", config_file=config)
    new = Settings.load(env={"COUNTER_APP_HOME": str(tmp_path)}, config_file=config)
    assert remembered_printer(new, "slip80") == "XP-80C"
    assert remembered_printer(new, "a4") == "HP A4"
    assert with_printer(new, "a4", "Canon").printer_name == "Canon"
    assert with_printer(new, "slip80", "Canon").slip_printer_name == "Canon"
    # 80 mm = 226.8 pt wide; A4 595 pt; A5 420 pt.
    assert page_layout(226.64) == "slip80"
    assert page_layout(595.3) == "a4" and page_layout(420) == "a4"


def test_the_receipt_layout_is_a4_or_the_slip_and_a_bad_one_is_named(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    env = {"COUNTER_APP_HOME": str(tmp_path)}
    s = Settings.load(env=env, config_file=config)
    assert s.receipt_layout == "a4"  # a new counter prints two A4 copies
    set_value(s, "receipt_layout", " SLIP80 ", config_file=config)
    assert Settings.load(env=env, config_file=config).receipt_layout == "slip80"
    with pytest.raises(ValueError, match=r"receipt_layout: chọn a4 .* hoặc slip80") as refused:
        set_value(s, "receipt_layout", "a5", config_file=config)
    assert "«a5»" in str(refused.value)
    assert Settings.load(env=env, config_file=config).receipt_layout == "slip80"  # kept
    config.write_text('receipt_layout = "cuộn"\n', encoding="utf-8")  # edited by hand
    with pytest.raises(ValueError, match="«cuộn» không hợp lệ cho thiết lập receipt_layout"):
        Settings.load(env=env, config_file=config)
