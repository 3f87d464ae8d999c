"""`cli_requires_admin = true`: admin commands ask for an admin's credentials on standard input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from counter_app.db.models import AuditEntry
from counter_app.domain import Role
from counter_app.services import CounterServices
from counter_app.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "matkhau123"


def _run(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "counter_app", *args],
        cwd=ROOT,
        env=dict(os.environ, COUNTER_APP_HOME=str(home), PYTHONPATH=str(ROOT)),
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    assert _run(home, "init").returncode == 0
    services = CounterServices(Settings.load(env={"COUNTER_APP_HOME": str(home)}))
    try:
        admin = services.auth.create_first_admin("quantri", "Nguyễn Quản Trị", PASSWORD)
        services.auth.create_user("canbo", "Lê Thu Hà", PASSWORD, Role.CLERK, by=admin)
    finally:
        services.close()
    return home


def _audit(home: Path) -> list[tuple[str, str]]:
    services = CounterServices(Settings.load(env={"COUNTER_APP_HOME": str(home)}))
    try:
        with services.db.read() as s:
            return [(r.action, r.username) for r in s.scalars(select(AuditEntry))]
    finally:
        services.close()


def test_admin_commands_ask_for_an_admin_when_required(home: Path, tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    args = ("export", "dvcqg", "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(export))
    # Default: the OS user acts as the system admin, no prompt.
    assert _run(home, *args).returncode == 0
    export.unlink()
    assert _run(home, "config", "set", "cli_requires_admin", "true").returncode == 0

    nothing = _run(home, *args)
    assert nothing.returncode != 0
    assert "cần tài khoản quản trị" in nothing.stderr
    clerk = _run(home, *args, stdin=f"canbo\n{PASSWORD}\n")
    assert clerk.returncode != 0
    assert "không có quyền" in clerk.stderr
    wrong = _run(home, *args, stdin="quantri\nsai-mat-khau\n")
    assert wrong.returncode != 0
    assert "không đúng" in wrong.stderr
    assert not export.exists()
    assert "Traceback" not in nothing.stderr + clerk.stderr + wrong.stderr

    admin = _run(home, *args, stdin=f"quantri\n{PASSWORD}\n")
    assert admin.returncode == 0, admin.stderr
    assert export.exists()
    rows = _audit(home)
    assert ("login.fail", "quantri") in rows
    assert ("login.ok", "quantri") in rows


def test_daily_work_needs_no_credentials_but_restore_does(home: Path, tmp_path: Path) -> None:
    assert _run(home, "config", "set", "cli_requires_admin", "true").returncode == 0
    copy = tmp_path / "copy.sqlite3"
    made = _run(home, "backup", "--out", str(copy))  # a clerk may make the daily copy
    assert made.returncode == 0, made.stderr
    refused = _run(home, "restore", str(copy), "--force")
    assert refused.returncode != 0 and "cần tài khoản quản trị" in refused.stderr
    done = _run(home, "restore", str(copy), "--force", stdin=f"quantri\n{PASSWORD}\n")
    assert done.returncode == 0, done.stderr


def test_password_is_not_a_command_line_option(tmp_path: Path) -> None:
    help_text = _run(tmp_path, "restore", "--help").stdout
    assert "--password" not in help_text and "--user" not in help_text
