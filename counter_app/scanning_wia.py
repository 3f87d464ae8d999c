"""Scanning on Windows through WIA (Windows Image Acquisition), driven by PowerShell's COM.

Windows ships WIA and PowerShell 5.1 on every supported version, so no Python COM binding is
needed: a short script creates `WIA.DeviceManager`, connects to the scanner, sets the resolution
and transfers one page as PNG (converted with `WIA.ImageProcess` when a driver hands back BMP)
into a temporary file that this module reads. Values travel in environment variables and the
script as `-EncodedCommand`, so no device name or path is ever parsed as PowerShell code.

Written to the WIA Automation Layer documentation; it has not been run on Windows in this
project's CI (there is none with a scanner): the SANE path is the one the tests drive.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from counter_app.errors import UserError
from counter_app.tempdirs import remove_tree

#: WIA's PNG format GUID (wiaFormatPNG) and the scanner device type (ScannerDeviceType = 1).
_PNG = "{B96B3CAF-0728-11D3-9D7B-0000F81EF32E}"

# Exit codes of the script (anything else: WIA's own error on stderr).
_NO_WIA, _NO_DEVICE, _UNKNOWN_DEVICE = 10, 11, 12

_COMMON = r"""
$ErrorActionPreference = 'Stop'
[Console]::OutputEncoding = [Text.Encoding]::UTF8
try { $dm = New-Object -ComObject WIA.DeviceManager }
catch { [Console]::Error.WriteLine($_); exit 10 }
$scanners = @($dm.DeviceInfos | Where-Object { $_.Type -eq 1 })
"""

_LIST = (
    _COMMON
    + r"""
foreach ($info in $scanners) { "$($info.DeviceID)`t$($info.Properties.Item('Name').Value)" }
"""
)

_SCAN = (
    _COMMON
    + r"""
if ($scanners.Count -eq 0) { exit 11 }
$wanted = $env:COUNTER_SCAN_DEVICE
$info = $scanners[0]
if ($wanted) {
  $info = $scanners | Where-Object {
    $_.DeviceID -eq $wanted -or $_.Properties.Item('Name').Value -eq $wanted
  } | Select-Object -First 1
  if (-not $info) { exit 12 }
}
$device = $info.Connect()
$item = $device.Items.Item(1)
foreach ($id in '6147', '6148') {  # horizontal and vertical resolution (dpi)
  try { $item.Properties.Item($id).Value = [int]$env:COUNTER_SCAN_DPI } catch { }
}
$png = '%PNG%'
$image = $item.Transfer($png)
if ($image.FormatID -ne $png) {
  $process = New-Object -ComObject WIA.ImageProcess
  $process.Filters.Add($process.FilterInfos.Item('Convert').FilterID)
  $process.Filters.Item(1).Properties.Item('FormatID').Value = $png
  $image = $process.Apply($image)
}
$image.SaveFile($env:COUNTER_SCAN_OUT)
""".replace("%PNG%", _PNG)
)


class WiaUnavailable(UserError):
    """WIA cannot be reached, or no scanner answered: the message says what to do instead."""


def _powershell() -> str:
    found = shutil.which("powershell") or shutil.which("pwsh")
    if found is None:
        raise WiaUnavailable(
            "Không tìm thấy PowerShell, cần để quét qua WIA trên Windows: hãy quét bằng phần mềm "
            "của máy quét rồi đính kèm tệp PDF hoặc ảnh."
        )
    return found


def _run(script: str, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    encoded = base64.b64encode(script.encode("utf-16-le")).decode("ascii")
    command = [_powershell(), "-NoProfile", "-NonInteractive", "-EncodedCommand", encoded]
    try:
        return subprocess.run(
            command,
            capture_output=True,
            timeout=timeout,
            env={**os.environ, **env},
            check=False,
            # The window is a GUI program: without this, each scan flashes a console window.
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except subprocess.TimeoutExpired as exc:
        raise WiaUnavailable(f"Máy quét không trả lời sau {timeout:.0f} giây.") from exc


def _explain(proc: subprocess.CompletedProcess[bytes], device: str | None) -> WiaUnavailable:
    if proc.returncode == _NO_WIA:
        return WiaUnavailable(
            "Dịch vụ WIA của Windows không dùng được (Windows Image Acquisition): hãy bật dịch "
            "vụ «Windows Image Acquisition (WIA)», hoặc đính kèm tệp đã quét."
        )
    if proc.returncode == _NO_DEVICE:
        return WiaUnavailable(
            "Không tìm thấy máy quét nào qua WIA: hãy kiểm tra máy quét đã bật, cắm cáp và cài "
            "trình điều khiển, hoặc đính kèm tệp đã quét."
        )
    if proc.returncode == _UNKNOWN_DEVICE:
        return WiaUnavailable(f"Không có máy quét «{device}» (xem danh sách máy quét).")
    detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return WiaUnavailable(
        "Máy quét không quét được qua WIA"
        + (f" ({detail[-1][:200]})" if detail else "")
        + ". Kiểm tra giấy đã đặt vào máy và máy không bận."
    )


def list_devices(timeout: float = 30.0) -> list[tuple[str, str]]:
    """(device id, name) of every WIA scanner."""
    proc = _run(_LIST, {}, timeout)
    if proc.returncode != 0:
        raise _explain(proc, None)
    found: list[tuple[str, str]] = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        device_id, _, name = line.strip().partition("\t")
        if device_id:
            found.append((device_id, name or device_id))
    return found


def scan_page(device: str | None, resolution: int, timeout: float) -> bytes:
    """One page as PNG bytes from `device` (a WIA device id or name; None: the first)."""
    folder = Path(tempfile.mkdtemp(prefix="counter-scan-"))
    out = folder / "page.png"  # WIA's SaveFile refuses an existing file: a fresh folder
    try:
        env = {
            "COUNTER_SCAN_DEVICE": device or "",
            "COUNTER_SCAN_DPI": str(resolution),
            "COUNTER_SCAN_OUT": str(out),
        }
        proc = _run(_SCAN, env, timeout)
        if proc.returncode != 0 or not out.exists():
            raise _explain(proc, device)
        return out.read_bytes()
    finally:
        remove_tree(folder)
