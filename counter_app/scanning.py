"""Scanning a paper at the counter: SANE (`scanimage`) on Linux, WIA on Windows.

On Linux SANE is the scanner stack; `scanimage` ships in Debian's `sane-utils` and its `test`
backend is a real device without hardware (the tests use it). On Windows scanners speak WIA
(`counter_app.scanning_wia`, through PowerShell's WIA COM objects; TWAIN-only scanners are not
driven). Where neither is available the scan action says which one is missing, and the clerk
attaches the file the scanner's own software saved.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass

from counter_app.errors import UserError

# A flatbed A4 page at 300 dpi takes ~10 s; a stuck device must not hang the counter forever.
SCAN_TIMEOUT_S = 120.0


class ScannerUnavailable(UserError):
    """No scanner software or device: the message tells the clerk what to do instead."""


@dataclass(frozen=True)
class ScanDevice:
    name: str
    label: str


def _wia() -> bool:
    return sys.platform == "win32"


def _scanimage() -> str:
    found = shutil.which("scanimage")
    if found is None:
        raise ScannerUnavailable(
            "Máy này chưa cài phần mềm máy quét SANE (scanimage): hãy cài gói sane-utils, "
            "hoặc đính kèm tệp PDF hoặc ảnh đã quét."
        )
    return found


def list_devices() -> list[ScanDevice]:
    """The scanners SANE (or WIA on Windows) sees (may be empty)."""
    if _wia():
        from counter_app import scanning_wia

        try:
            return [ScanDevice(i, name) for i, name in scanning_wia.list_devices()]
        except scanning_wia.WiaUnavailable as exc:
            raise ScannerUnavailable(str(exc)) from exc
    exe = _scanimage()
    try:
        out = subprocess.run(
            [exe, "-f", "%d\t%v %m%n"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ScannerUnavailable("Tìm máy quét quá lâu không có trả lời.") from exc
    devices = []
    for line in out.stdout.splitlines():
        name, _, label = line.partition("\t")
        if name.strip():
            devices.append(ScanDevice(name.strip(), label.strip() or name.strip()))
    return devices


def scan_page(device: str | None = None, *, resolution: int = 200) -> bytes:
    """One page from `device` (SANE name or WIA device; None: the first found) as PNG bytes."""
    if not 50 <= resolution <= 1200:
        raise UserError("Độ phân giải quét phải từ 50 đến 1200 dpi.")
    if _wia():
        from counter_app import scanning_wia

        try:
            return scanning_wia.scan_page(device, resolution, SCAN_TIMEOUT_S)
        except scanning_wia.WiaUnavailable as exc:
            raise ScannerUnavailable(str(exc)) from exc
    exe = _scanimage()
    if device is None:
        devices = list_devices()
        if not devices:
            raise ScannerUnavailable(
                "Không tìm thấy máy quét nào: hãy kiểm tra máy quét đã bật và cắm cáp, "
                "hoặc đính kèm tệp đã quét."
            )
        device = devices[0].name
    try:
        proc = subprocess.run(
            [exe, "-d", device, "--format=png", "--resolution", str(resolution)],
            capture_output=True,
            timeout=SCAN_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ScannerUnavailable(
            f"Máy quét {device} không trả lời sau {SCAN_TIMEOUT_S:.0f} giây."
        ) from exc
    if proc.returncode != 0 or not proc.stdout:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ScannerUnavailable(
            f"Máy quét {device} không quét được"
            + (f" ({detail[-1][:200]})" if detail else "")
            + "."
        )
    return proc.stdout
