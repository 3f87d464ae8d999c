"""The PyInstaller run that makes the one-folder bundle, and the checks on what came out."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from counter_build.contents import ENV_BUNDLE_LIBPQ, ENV_QM_DIR, compile_translations
from counter_build.layout import (
    APP_NAME,
    BUILD_INFO_NAME,
    ROOT,
    SPEC_FILE,
    BuildError,
    platform_tag,
    project_version,
)
from counter_build.qt_prune import keep_in_bundle


@dataclass(frozen=True)
class BuildResult:
    bundle: Path
    seconds: float
    size_mb: float


def build_info(root: Path = ROOT) -> dict[str, str]:
    return {
        "version": project_version(root),
        "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform": platform_tag(),
        "python": platform.python_version(),
    }


def pyinstaller_command(dist: Path, work: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        str(SPEC_FILE),
    ]


def folder_size_mb(folder: Path) -> float:
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return total / 1_000_000


def build_bundle(dist: Path, work: Path, *, libpq: bool = False) -> BuildResult:
    """Run PyInstaller on packaging/counter-app.spec; returns the bundle folder."""
    work.mkdir(parents=True, exist_ok=True)
    info = work / BUILD_INFO_NAME
    info.write_text(json.dumps(build_info(), indent=2), encoding="utf-8")
    env = dict(os.environ, COUNTER_APP_BUILD_INFO=str(info), QT_QPA_PLATFORM="offscreen")
    env[ENV_BUNDLE_LIBPQ] = "1" if libpq else "0"
    qm_dir = work / "translations"
    compile_translations(qm_dir)
    env[ENV_QM_DIR] = str(qm_dir)
    started = time.monotonic()
    proc = subprocess.run(pyinstaller_command(dist, work), cwd=ROOT, env=env, check=False)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise BuildError(f"PyInstaller failed (exit {proc.returncode})")
    bundle = dist / APP_NAME
    remove_dangling_symlinks(bundle)
    forbidden = forbidden_files(bundle)
    if forbidden:
        raise BuildError("unused Qt parts got into the bundle: " + ", ".join(forbidden[:10]))
    return BuildResult(bundle, seconds, folder_size_mb(bundle))


def remove_dangling_symlinks(folder: Path) -> list[Path]:
    """PyInstaller links top-level names to Qt libraries even when `prune` dropped them."""
    dangling = [p for p in folder.rglob("*") if p.is_symlink() and not p.exists()]
    for path in dangling:
        path.unlink()
    return dangling


def forbidden_files(bundle: Path) -> list[str]:
    """Bundle files from Qt modules the app does not use (should be none)."""
    return sorted(
        str(p.relative_to(bundle))
        for p in bundle.rglob("*")
        if p.is_file() and not keep_in_bundle(p.relative_to(bundle).as_posix())
    )


def largest_files(bundle: Path, count: int = 8) -> list[tuple[str, float]]:
    files = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()]
    files.sort(key=lambda p: p.stat().st_size, reverse=True)
    return [(str(p.relative_to(bundle)), p.stat().st_size / 1_000_000) for p in files[:count]]
