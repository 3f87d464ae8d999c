"""Where the build's inputs are, what the app and its executables are called, per OS."""

from __future__ import annotations

import platform
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
SPEC_FILE = PACKAGING / "counter-app.spec"
ENTRY_SCRIPT = PACKAGING / "entry.py"
ICONS = ROOT / "resources" / "icons"

APP_NAME = "counter-app"
# Windows: the window without a console, plus a console twin for IT staff and the smoke test.
CLI_NAME = "counter-app-cli"
DISPLAY_NAME = "Quầy tiếp nhận và trả kết quả"
PUBLISHER = "Trung tâm Phục vụ hành chính công"
# A fixed AppId lets a newer installer upgrade the installed app in place.
INNO_APP_ID = "8F1C3B52-6E0D-4C1B-9B7A-3C55A1E0C4D2"
SIZE_GOAL_MB = 150.0
BUILD_INFO_NAME = "build-info.json"


class BuildError(RuntimeError):
    """The build or the smoke test failed; the message says which step."""


def project_version(root: Path = ROOT) -> str:
    with (root / "pyproject.toml").open("rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def platform_tag() -> str:
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
    machine = platform.machine().lower().replace("amd64", "x86_64")
    return f"{system}-{machine}"


def icon_file() -> str | None:
    """The executable's icon for this OS (PyInstaller ignores it on Linux)."""
    name = {"win32": "counter-app.ico", "darwin": "counter-app-512.png"}.get(sys.platform)
    if name is None:
        return None
    path = ICONS / name
    return str(path) if path.exists() else None


def executables() -> list[tuple[str, bool]]:
    """(name, console) for each executable in the bundle."""
    if sys.platform == "win32":
        return [(APP_NAME, False), (CLI_NAME, True)]
    return [(APP_NAME, True)]


def cli_executable(bundle: Path) -> Path:
    suffix = ".exe" if sys.platform == "win32" else ""
    name = CLI_NAME if sys.platform == "win32" else APP_NAME
    return bundle / f"{name}{suffix}"
