"""The packages around the bundle: a .tar.gz with a menu entry (Linux), Inno Setup (Windows)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from counter_build.layout import (
    APP_NAME,
    CLI_NAME,
    DISPLAY_NAME,
    ICONS,
    INNO_APP_ID,
    PACKAGING,
    PUBLISHER,
    platform_tag,
    project_version,
)


def desktop_entry(exec_path: str = APP_NAME, icon: str = APP_NAME) -> str:
    """A freedesktop .desktop file (menu entry) for the app."""
    template = (PACKAGING / "linux" / "counter-app.desktop").read_text(encoding="utf-8")
    return template.replace("@EXEC@", exec_path).replace("@ICON@", icon)


def make_tarball(bundle: Path, out_dir: Path, version: str) -> Path:
    """`counter-app-VERSION-PLATFORM.tar.gz`: the bundle, a .desktop file, the icon, install.sh."""
    out_dir.mkdir(parents=True, exist_ok=True)
    top = f"{APP_NAME}-{version}"
    target = out_dir / f"{top}-{platform_tag()}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        extra = Path(tmp)
        (extra / f"{APP_NAME}.desktop").write_text(
            desktop_entry(f"/opt/{APP_NAME}/{APP_NAME}", APP_NAME), encoding="utf-8"
        )
        shutil.copy2(PACKAGING / "linux" / "install.sh", extra / "install.sh")
        (extra / "install.sh").chmod(0o755)
        shutil.copy2(ICONS / "counter-app-256.png", extra / f"{APP_NAME}.png")
        with tarfile.open(target, "w:gz") as tar:
            tar.add(bundle, arcname=f"{top}/{APP_NAME}")
            for path in sorted(extra.iterdir()):
                tar.add(path, arcname=f"{top}/{path.name}")
    return target


def inno_script(bundle: Path, out_dir: Path, version: str) -> str:
    """The Inno Setup script for this bundle (from packaging/windows/counter-app.iss.in)."""
    template = (PACKAGING / "windows" / "counter-app.iss.in").read_text(encoding="utf-8")
    values = {
        "APP_ID": INNO_APP_ID,
        "APP_NAME": DISPLAY_NAME,
        "APP_VERSION": version,
        "PUBLISHER": PUBLISHER,
        "EXE_NAME": f"{APP_NAME}.exe",
        "CLI_NAME": f"{CLI_NAME}.exe",
        "SOURCE_DIR": str(bundle),
        "OUTPUT_DIR": str(out_dir),
        "OUTPUT_BASE": f"{APP_NAME}-{version}-setup",
        "ICON": str(ICONS / "counter-app.ico"),
    }
    for key, value in values.items():
        template = template.replace(f"@{key}@", value)
    return template


def find_iscc() -> str | None:
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return found
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES")):
        if base:
            candidate = Path(base) / "Inno Setup 6" / "ISCC.exe"
            if candidate.exists():
                return str(candidate)
    return None


def make_windows_installer(bundle: Path, out_dir: Path, version: str) -> Path | None:
    """Write the .iss script and compile it with ISCC if installed; None (with a hint) if not."""
    out_dir.mkdir(parents=True, exist_ok=True)
    iss = out_dir / f"{APP_NAME}.iss"
    # Inno Setup reads scripts with a BOM as UTF-8 (Vietnamese names in menus).
    iss.write_text(inno_script(bundle, out_dir, version), encoding="utf-8-sig")
    iscc = find_iscc()
    if iscc is None:
        print(
            f"Inno Setup (ISCC) not found; script written to {iss}.\n"
            "Install Inno Setup 6 (https://jrsoftware.org/isdl.php, or `choco install innosetup`),"
            f' then run: iscc "{iss}"'
        )
        return None
    subprocess.run([iscc, str(iss)], check=True)
    return out_dir / f"{APP_NAME}-{version}-setup.exe"


def package(bundle: Path, out_dir: Path) -> Path | None:
    version = project_version()
    if sys.platform == "win32":
        return make_windows_installer(bundle, out_dir, version)
    return make_tarball(bundle, out_dir, version)
