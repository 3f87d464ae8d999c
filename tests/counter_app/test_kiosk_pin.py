"""The kiosk admin PIN is kept as a salted hash; a plain one from an older version is migrated."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from counter_app.auth import is_secret_hash, pin_matches
from counter_app.settings import Settings, set_value


def test_config_set_stores_a_hash(tmp_path: Path) -> None:
    env = {"COUNTER_APP_HOME": str(tmp_path)}
    path = set_value(Settings.load(env=env), "kiosk_admin_pin", "246810")
    text = path.read_text(encoding="utf-8")
    assert "246810" not in text and "scrypt$" in text
    stored = Settings.load(env=env).kiosk_admin_pin
    assert is_secret_hash(stored)
    assert pin_matches("246810", stored)
    assert not pin_matches("246811", stored)
    assert not pin_matches("", stored)


def test_a_plain_pin_in_the_file_is_hashed_on_load(tmp_path: Path) -> None:
    env = {"COUNTER_APP_HOME": str(tmp_path)}
    path = Settings.load(env=env).paths.config_file
    path.parent.mkdir(parents=True, exist_ok=True)  # the install id may be there already
    path.write_text('counter_no = 2\nkiosk_admin_pin = "1357"\n', encoding="utf-8")
    loaded = Settings.load(env=env)
    assert pin_matches("1357", loaded.kiosk_admin_pin)
    text = path.read_text(encoding="utf-8")
    assert "1357" not in text and "scrypt$" in text
    assert "counter_no = 2" in text  # the rest of the file is kept
    if os.name != "nt":  # Windows has no mode bits: the per-user profile folder protects it
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Loading again does not hash the hash.
    assert Settings.load(env=env).kiosk_admin_pin == loaded.kiosk_admin_pin


def test_a_read_only_file_still_gives_a_hashed_pin(tmp_path: Path) -> None:
    env = {"COUNTER_APP_HOME": str(tmp_path)}
    path = Settings.load(env=env).paths.config_file
    path.parent.mkdir(parents=True, exist_ok=True)  # the install id may be there already
    path.write_text('kiosk_admin_pin = "1357"\n', encoding="utf-8")
    path.parent.chmod(0o500)
    try:
        if os.name != "nt" and os.access(path.parent, os.W_OK):
            pytest.skip("running as root: a read-only folder is still writable")
        loaded = Settings.load(env=env)
    finally:
        path.parent.chmod(0o700)
    assert pin_matches("1357", loaded.kiosk_admin_pin)


@pytest.mark.parametrize(("text", "value"), [("true", True), ("false", False), ("1", True)])
def test_cli_requires_admin_is_a_yes_no_setting(tmp_path: Path, text: str, value: bool) -> None:
    env = {"COUNTER_APP_HOME": str(tmp_path)}
    set_value(Settings.load(env=env), "cli_requires_admin", text)
    assert Settings.load(env=env).cli_requires_admin is value


def test_cli_requires_admin_refuses_junk(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cli_requires_admin"):
        set_value(Settings.load(env={"COUNTER_APP_HOME": str(tmp_path)}), "cli_requires_admin", "x")
