"""Scanning through SANE's `test` backend: a real device without hardware."""

from __future__ import annotations

import shutil

import pytest

from counter_app.attachments import inspect_file
from counter_app.errors import UserError
from counter_app.scanning import ScannerUnavailable, list_devices, scan_page

needs_sane = pytest.mark.skipif(
    shutil.which("scanimage") is None, reason="sane-utils (scanimage) not installed"
)


@needs_sane
def test_the_sane_test_device_gives_a_page_that_attaches() -> None:
    data = scan_page("test", resolution=75)
    check = inspect_file(data, "quet.png")
    assert (check.mime, check.pages) == ("image/png", 1)


@needs_sane
def test_an_unknown_device_gets_a_vietnamese_message() -> None:
    with pytest.raises(ScannerUnavailable, match="không quét được"):
        scan_page("khong-co-may-nay:0", resolution=75)


def test_no_scanimage_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(ScannerUnavailable, match="sane-utils"):
        scan_page("test")


def test_windows_without_powershell_says_wia_needs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # WIA itself cannot run here; this checks the Windows branch is taken and explains itself.
    import sys

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(ScannerUnavailable, match="PowerShell, cần để quét qua WIA"):
        scan_page(None)
    with pytest.raises(ScannerUnavailable, match="PowerShell"):
        list_devices()


def test_the_resolution_is_checked_before_any_scanner_is_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(UserError, match="Độ phân giải"):
        scan_page("test", resolution=5000)
