"""Build the counter app for this OS: a PyInstaller one-folder bundle, then an installer.

    python build_installer.py            # bundle + installer (Windows) or .tar.gz (Linux/macOS)
    python build_installer.py --smoke    # ... then run the bundle on a fresh data dir and check it
    python build_installer.py --smoke --skip-build   # check an existing bundle only

PyInstaller does not cross-build: run this on Windows for the Windows installer.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

# The steps live in packaging/counter_build/ (see its __init__ for why it is not `packaging.*`).
sys.path.append(str(Path(__file__).resolve().parent / "packaging"))

# Re-exported: packaging/counter-app.spec and the tests use them as `build_installer.X`.
from counter_build.bundle import (
    BuildResult,
    build_bundle,
    build_info,
    folder_size_mb,
    forbidden_files,
    largest_files,
    pyinstaller_command,
    remove_dangling_symlinks,
)
from counter_build.contents import (
    ENV_BUNDLE_LIBPQ,
    HOLIDAY_COUNTRIES,
    PYTHON_EXCLUDES,
    bundle_libpq,
    data_files,
    excluded_modules,
    hidden_imports,
    holidays_locale_files,
    strip_binaries,
)
from counter_build.installers import (
    desktop_entry,
    find_iscc,
    inno_script,
    make_tarball,
    make_windows_installer,
    package,
)
from counter_build.layout import (
    APP_NAME,
    BUILD_INFO_NAME,
    CLI_NAME,
    DISPLAY_NAME,
    ENTRY_SCRIPT,
    ICONS,
    INNO_APP_ID,
    PACKAGING,
    PUBLISHER,
    ROOT,
    SIZE_GOAL_MB,
    SPEC_FILE,
    BuildError,
    cli_executable,
    executables,
    icon_file,
    platform_tag,
    project_version,
)
from counter_build.qt_prune import (
    LINUX_OS_PROVIDED,
    QT_FORBIDDEN_FRAGMENTS,
    QT_MODULES_NEEDED_BY_USED,
    QT_MODULES_USED,
    QT_PLUGIN_DIRS_KEPT,
    QT_PLUGINS_KEPT,
    QT_TRANSLATIONS_KEPT,
    available_qt_modules,
    elf_needed,
    excluded_qt_modules,
    keep_in_bundle,
    prune,
    prune_unreachable,
)
from counter_build.smoke import decode_pdf_barcodes, smoke, smoke_env

__all__ = [
    "APP_NAME",
    "BUILD_INFO_NAME",
    "CLI_NAME",
    "DISPLAY_NAME",
    "ENTRY_SCRIPT",
    "ENV_BUNDLE_LIBPQ",
    "HOLIDAY_COUNTRIES",
    "ICONS",
    "INNO_APP_ID",
    "LINUX_OS_PROVIDED",
    "PACKAGING",
    "PUBLISHER",
    "PYTHON_EXCLUDES",
    "QT_FORBIDDEN_FRAGMENTS",
    "QT_MODULES_NEEDED_BY_USED",
    "QT_MODULES_USED",
    "QT_PLUGINS_KEPT",
    "QT_PLUGIN_DIRS_KEPT",
    "QT_TRANSLATIONS_KEPT",
    "ROOT",
    "SIZE_GOAL_MB",
    "SPEC_FILE",
    "BuildError",
    "BuildResult",
    "available_qt_modules",
    "build_bundle",
    "build_info",
    "bundle_libpq",
    "cli_executable",
    "data_files",
    "decode_pdf_barcodes",
    "desktop_entry",
    "elf_needed",
    "excluded_modules",
    "excluded_qt_modules",
    "executables",
    "find_iscc",
    "folder_size_mb",
    "forbidden_files",
    "hidden_imports",
    "holidays_locale_files",
    "icon_file",
    "inno_script",
    "keep_in_bundle",
    "largest_files",
    "main",
    "make_tarball",
    "make_windows_installer",
    "package",
    "platform_tag",
    "project_version",
    "prune",
    "prune_unreachable",
    "pyinstaller_command",
    "remove_dangling_symlinks",
    "smoke",
    "smoke_env",
    "strip_binaries",
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="run the built bundle and check it")
    parser.add_argument("--skip-build", action="store_true", help="use the existing bundle")
    parser.add_argument("--no-package", action="store_true", help="bundle only, no installer")
    parser.add_argument("--no-gui", action="store_true", help="smoke: do not open the window")
    parser.add_argument(
        "--bundle-libpq",
        action="store_true",
        help="include psycopg's own libpq (+10 MB) so PostgreSQL works without a system libpq",
    )
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build")
    args = parser.parse_args(argv)
    dist: Path = args.dist.resolve()
    try:
        if args.skip_build:
            bundle = dist / APP_NAME
            if not bundle.is_dir():
                raise BuildError(f"no bundle at {bundle}; build first")
            size = folder_size_mb(bundle)
        else:
            print(f"Building {APP_NAME} {project_version()} for {platform_tag()} ...")
            result = build_bundle(dist, args.work.resolve(), libpq=args.bundle_libpq)
            bundle, size = result.bundle, result.size_mb
            print(f"Bundle: {bundle} built in {result.seconds:.0f} s")
        verdict = "within" if size <= SIZE_GOAL_MB else "OVER"
        print(f"Bundle size: {size:.1f} MB ({verdict} the {SIZE_GOAL_MB:.0f} MB goal)")
        for name, mb in largest_files(bundle):
            print(f"  {mb:6.1f} MB  {name}")
        if not args.no_package and not args.skip_build:
            started = time.monotonic()
            artifact = package(bundle, dist)
            if artifact is not None:
                mb = artifact.stat().st_size / 1_000_000
                took = time.monotonic() - started
                print(f"Package: {artifact} ({mb:.1f} MB, {took:.0f} s)")
        if args.smoke:
            started = time.monotonic()
            smoke(bundle, gui_seconds=0 if args.no_gui else 8.0)
            print(f"Smoke test passed in {time.monotonic() - started:.0f} s")
    except (BuildError, subprocess.CalledProcessError, OSError) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
