"""counter_app.resources: finding bundled files in a checkout and in a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from counter_app.resources import resource_path, resources_dir


def test_resources_dir_is_the_checkout_folder() -> None:
    folder = resources_dir()
    assert folder.name == "resources"
    assert (folder / "fonts" / "LiberationSerif-Regular.ttf").is_file()


def test_resource_path_joins_parts() -> None:
    font = resource_path("fonts", "NotoSans-Regular.ttf")
    assert font == resources_dir() / "fonts" / "NotoSans-Regular.ttf"
    assert font.is_file()


def test_frozen_bundle_uses_meipass(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # PyInstaller sets these two attributes on sys; nothing of ours is replaced.
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources_dir() == tmp_path / "resources"
    assert resource_path("fonts", "x.ttf") == tmp_path / "resources" / "fonts" / "x.ttf"
