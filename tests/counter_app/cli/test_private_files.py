"""Every file the command line writes (personal data inside) is readable by its user only."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from counter_app.privacy import private_files
from tests.helpers.cli import intake_args

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.skipif(
    os.name == "nt", reason="Windows has no mode bits: the per-user profile folder protects files"
)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common default (files 0644), inherited by the child processes."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _run(home: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "counter_app", *args],
        cwd=ROOT,
        env=dict(os.environ, COUNTER_APP_HOME=str(home), PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_exports_registers_reports_receipts_backups_and_logs(
    tmp_path: Path, usual_umask: None
) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    _run(home, "config", "set", "counter_no", "1")
    _run(home, "init")
    received = json.loads(
        _run(
            home,
            *intake_args("Nguyễn Văn Đức", "022090001234"),
            "--received",
            "2026-11-27T09:00",
            "--json",
        )
    )
    files = {
        "receipt": out / "giay-tiep-nhan.pdf",
        "export": out / "dvcqg.json",
        "xlsx": out / "bao-cao.xlsx",
        "report_pdf": out / "bao-cao.pdf",
        "register": out / "so-theo-doi.pdf",
        "backup": out / "sao-luu.sqlite3",
    }
    _run(home, "receipt", received["code"], "--out", str(files["receipt"]))
    day = ("--from", "2026-11-27", "--to", "2026-11-27")
    _run(home, "export", "dvcqg", *day, "--out", str(files["export"]))
    _run(home, "report", *day, "--xlsx", str(files["xlsx"]))
    _run(home, "report", *day, "--pdf", str(files["report_pdf"]))
    _run(home, "report", *day, "--register-pdf", str(files["register"]))
    _run(home, "backup", "--out", str(files["backup"]))
    for name, path in files.items():
        assert path.stat().st_size > 0, name
        assert _mode(path) == 0o600, f"{name}: {oct(_mode(path))}"
    assert _mode(out) == 0o700  # folders the app makes are private too
    made = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" or ".log" in p.name for p in made)
    assert any(p.name.endswith(".sqlite3") for p in made)
    for path in made:
        assert _mode(path) == 0o600, f"{path.relative_to(home)}: {oct(_mode(path))}"


def test_private_files_restores_the_umask(tmp_path: Path, usual_umask: None) -> None:
    with private_files():
        (tmp_path / "inside").write_text("x")
    (tmp_path / "after").write_text("x")
    assert _mode(tmp_path / "inside") == 0o600
    assert _mode(tmp_path / "after") == 0o644
