"""The citizens' lookup address: asked at setup, checked when set, flagged by `doctor` while it is
the shipped sample."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from counter_app import doctor
from counter_app.settings import Settings, is_placeholder_lookup_url, normalize_lookup_base_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (
            "https://dichvucong.quangninh.gov.vn/tra-cuu",
            "https://dichvucong.quangninh.gov.vn/tra-cuu/",
        ),
        (" https://dvc.qn.vn/tra-cuu/ ", "https://dvc.qn.vn/tra-cuu/"),
        ("http://10.0.0.5:8080/tra-cuu?ma=", "http://10.0.0.5:8080/tra-cuu?ma="),
    ],
)
def test_lookup_address_is_normalised(typed: str, stored: str) -> None:
    assert normalize_lookup_base_url(typed) == stored
    assert not is_placeholder_lookup_url(stored)


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("", "trống"),
        ("dichvucong.quangninh.gov.vn", "không phải địa chỉ web"),
        ("ftp://dvc.qn.vn/", "không phải địa chỉ web"),
        ("https://dichvucong.example.gov.vn/tra-cuu/", "địa chỉ mẫu"),
    ],
)
def test_bad_lookup_addresses_are_refused_naming_the_field(typed: str, why: str) -> None:
    with pytest.raises(ValueError, match=why) as info:
        normalize_lookup_base_url(typed)
    assert str(info.value).startswith("Địa chỉ trang tra cứu hồ sơ: ")


def test_doctor_flags_the_sample_address(app_home: Path) -> None:
    settings = Settings.load()
    assert is_placeholder_lookup_url(settings.lookup_base_url)
    report = doctor.collect(settings, probe_printers=False)
    assert report["lookup"]["placeholder"] is True
    assert any("địa chỉ mẫu" in p for p in doctor.problems(report))
    from dataclasses import replace

    real = replace(settings, lookup_base_url="https://dichvucong.quangninh.gov.vn/tra-cuu/")
    fixed = doctor.collect(real, probe_printers=False)
    assert not any("địa chỉ mẫu" in p for p in doctor.problems(fixed))


def _env(home: Path) -> dict[str, str]:
    return dict(os.environ, COUNTER_APP_HOME=str(home), PYTHONPATH=str(ROOT))


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is POSIX")
def test_init_on_a_terminal_asks_for_the_address(tmp_path: Path) -> None:
    import pty

    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "counter_app", "init"],
        stdin=child,
        stdout=child,
        stderr=child,
        env=_env(tmp_path),
        cwd=ROOT,
    )
    os.close(child)
    output = b""

    def read_until(marker: bytes, timeout: float = 60) -> None:
        nonlocal output
        deadline = time.monotonic() + timeout
        while marker not in output and time.monotonic() < deadline:
            try:
                output += os.read(main, 4096)
            except OSError:
                break

    read_until("Số quầy".encode())  # asked first while this PC has no counter number
    os.write(main, b"2\n")
    read_until(b"> ")
    assert "Địa chỉ trang tra cứu hồ sơ".encode() in output
    os.write(main, b"https://dichvucong.example.gov.vn/\n")  # the sample: refused, asked again
    read_until("địa chỉ mẫu".encode())
    os.write(main, b"https://dichvucong.quangninh.gov.vn/tra-cuu\n")
    read_until(b"Danh m")
    proc.wait(timeout=60)
    read_until(b"tra-cuu/", timeout=5)
    os.close(main)
    assert proc.returncode == 0, output.decode(errors="replace")
    shown = subprocess.run(
        [sys.executable, "-m", "counter_app", "config", "show", "--json"],
        env=_env(tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"lookup_base_url": "https://dichvucong.quangninh.gov.vn/tra-cuu/"' in shown.stdout


def test_init_without_a_terminal_does_not_ask(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "counter_app", "init"],
        env=_env(tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "> " not in result.stdout
    assert "dichvucong.example.gov.vn" in result.stdout  # says what receipts would carry
