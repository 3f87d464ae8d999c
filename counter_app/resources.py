"""Where the bundled data files (fonts, catalog, icons, translations) are, checked out or frozen."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """`resources/`: beside the package in a checkout, under `sys._MEIPASS` when frozen."""
    # PyInstaller unpacks data files to a temporary folder it names in sys._MEIPASS; the build must
    # add the folder as `--add-data resources:resources`.
    frozen_base = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and frozen_base is not None:
        return Path(frozen_base) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def resource_path(*parts: str) -> Path:
    """A path inside `resources/`, e.g. `resource_path("fonts", "NotoSans-Regular.ttf")`."""
    return resources_dir().joinpath(*parts)
