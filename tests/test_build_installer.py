"""build_installer.py, fast parts: what goes into the bundle and the packages around it.

The real PyInstaller build and its smoke test (`python build_installer.py --smoke`) run as their
own CI step.
"""

from __future__ import annotations

import configparser
import re
import struct
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import build_installer as bi

ROOT = Path(__file__).resolve().parents[1]


def test_heavy_qt_modules_are_excluded_and_used_ones_kept() -> None:
    available = [
        "QtCore", "QtGui", "QtWidgets", "QtPrintSupport", "QtCharts", "QtSvg", "QtOpenGL",
        "QtWebEngineCore", "QtWebEngineWidgets", "QtQuick", "QtQml", "QtQuick3D", "Qt3DCore",
        "QtMultimedia", "QtMultimediaWidgets", "QtPdf", "QtDesigner", "QtBluetooth",
    ]  # fmt: skip
    excluded = bi.excluded_qt_modules(available)
    for name in ("QtWebEngineCore", "QtWebEngineWidgets", "QtQuick", "QtQml", "QtQuick3D",
                 "Qt3DCore", "QtMultimedia", "QtPdf", "QtDesigner", "QtOpenGL"):  # fmt: skip
        assert f"PySide6.{name}" in excluded
    for name in bi.QT_MODULES_USED:
        assert f"PySide6.{name}" not in excluded


def test_exclusions_on_this_install() -> None:
    excluded = set(bi.excluded_modules())
    assert {"tkinter", "pytest", "PyInstaller", "zxingcpp"} <= excluded
    installed = bi.available_qt_modules()
    assert set(bi.QT_MODULES_USED) <= set(installed)
    for name in installed:
        if name.startswith(("QtWebEngine", "QtQuick", "QtQml", "Qt3D", "QtMultimedia")):
            assert f"PySide6.{name}" in excluded


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/lib/libQt6WebEngineCore.so.6", False),
        ("PySide6/Qt/lib/libQt6Quick.so.6", False),
        ("PySide6/Qt/lib/libQt6Qml.so.6", False),
        ("PySide6/Qt/lib/libQt63DCore.so.6", False),
        ("PySide6/Qt/lib/libQt6Multimedia.so.6", False),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("PySide6/Qt/lib/libQt6Charts.so.6", True),
        ("PySide6/Qt/lib/libQt6OpenGL.so.6", True),
        ("PySide6/Qt/lib/libicudata.so.73", True),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/platforms/libqminimalegl.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so", True),
        ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", False),
        ("PySide6/Qt/plugins/printsupport/libcupsprintersupport.so", True),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqtiff.so", False),
        ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
        ("PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so", False),
        ("PySide6/Qt/translations/qtbase_vi.qm", True),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("PySide6/Qt/qml/QtQuick/Controls/libqtquickcontrols2plugin.so", False),
        # Windows layout: DLLs beside the bindings.
        ("PySide6\\Qt6WebEngineCore.dll", False),
        ("PySide6\\Qt6Widgets.dll", True),
        ("PySide6\\plugins\\platforms\\qwindows.dll", True),
        ("PySide6\\plugins\\platforms\\qdirect2d.dll", False),
        # Not Qt: untouched.
        ("reportlab/fonts/Vera.ttf", True),
        ("resources/fonts/NotoSans-Regular.ttf", True),
    ],
)
def test_keep_in_bundle(dest: str, kept: bool) -> None:
    assert bi.keep_in_bundle(dest) is kept


def test_data_files_carry_resources_and_migrations_without_caches() -> None:
    pairs = bi.data_files(ROOT)
    dests = {(Path(src).name, dest) for src, dest in pairs}
    assert ("NotoSans-Regular.ttf", "resources/fonts") in dests
    assert ("procedures.json", "resources/catalog") in dests
    assert ("counter-app.png", "resources/icons") not in dests  # sized names only
    assert ("counter-app-256.png", "resources/icons") in dests
    assert ("env.py", "counter_app/db/migrations") in dests
    versions = {name for name, dest in dests if dest == "counter_app/db/migrations/versions"}
    assert any(name.startswith("0001") for name in versions)
    assert not any("__pycache__" in src or src.endswith(".pyc") for src, _ in pairs)
    # The reference server in the bundle serves the citizen's page.
    assert ("dossier.html", "counter_app/server/web/templates") in dests
    assert ("tra-cuu.css", "counter_app/server/web/static") in dests


def test_hidden_imports_cover_what_is_imported_by_name() -> None:
    names = set(bi.hidden_imports())
    assert {"counter_app.cli.maintenance", "counter_app.cli.setup", "counter_app.doctor"} <= names
    assert "ui.app" in names
    assert "sqlalchemy.dialects.sqlite.pysqlite" in names
    assert "reportlab.graphics.barcode.code128" in names
    assert not any(".migrations" in n for n in names)


def test_unreachable_libraries_and_os_ones_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    site = "/venv/lib/python3.11/site-packages"
    toc = [
        ("PySide6/QtGui.abi3.so", f"{site}/PySide6/QtGui.abi3.so", "EXTENSION"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so",
         f"{site}/PySide6/Qt/plugins/platforms/libqxcb.so", "BINARY"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", f"{site}/PySide6/Qt/lib/libQt6Gui.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Network.so.6", f"{site}/PySide6/Qt/lib/libQt6Network.so.6",
         "BINARY"),
        ("libQt6Network.so.6", "PySide6/Qt/lib/libQt6Network.so.6", "SYMLINK"),
        ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK"),
        ("libxcb-cursor.so.0", "/lib/x86_64-linux-gnu/libxcb-cursor.so.0", "BINARY"),
        ("libxcb.so.1", "/lib/x86_64-linux-gnu/libxcb.so.1", "BINARY"),
        ("libcairo.so.2", "/lib/x86_64-linux-gnu/libcairo.so.2", "BINARY"),
        ("libjpeg-6dc8d115.so.62", f"{site}/pillow.libs/libjpeg-6dc8d115.so.62", "BINARY"),
        ("pypdfium2_raw/libpdfium.so", f"{site}/pypdfium2_raw/libpdfium.so", "BINARY"),
    ]  # fmt: skip
    deps = {
        "QtGui.abi3.so": ["libQt6Gui.so.6"],
        "libqxcb.so": ["libQt6Gui.so.6", "libxcb-cursor.so.0"],
        "libxcb-cursor.so.0": ["libxcb.so.1"],
        "libQt6Gui.so.6": [],
        "libpdfium.so": [],
    }
    kept = bi.prune_unreachable(toc, lambda path: deps[Path(path).name])
    names = [Path(e[0]).name for e in kept]
    assert names == [
        "QtGui.abi3.so",
        "libqxcb.so",
        "libQt6Gui.so.6",
        "libQt6Gui.so.6",
        "libxcb-cursor.so.0",
        "libpdfium.so",
    ]
    # Without a way to read dependencies nothing is dropped.
    assert bi.prune_unreachable(toc, lambda path: None) == toc


def test_desktop_entry_is_a_valid_menu_entry() -> None:
    text = bi.desktop_entry("/opt/counter-app/counter-app", "counter-app")
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "/opt/counter-app/counter-app"
    assert entry["Icon"] == "counter-app"
    assert entry["Name"] == "Quầy tiếp nhận và trả kết quả"
    assert "@" not in text


def test_tarball_holds_bundle_desktop_file_icon_and_installer(tmp_path: Path) -> None:
    bundle = tmp_path / "dist" / "counter-app"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "counter-app").write_bytes(b"\x7fELF fake")
    (bundle / "_internal" / "lib.so").write_bytes(b"x")
    target = bi.make_tarball(bundle, tmp_path / "out", "9.9.9")
    assert target.name == f"counter-app-9.9.9-{bi.platform_tag()}.tar.gz"
    with tarfile.open(target) as tar:
        members = {m.name: m for m in tar.getmembers()}
        top = "counter-app-9.9.9"
        assert f"{top}/counter-app/counter-app" in members
        assert f"{top}/counter-app/_internal/lib.so" in members
        assert f"{top}/counter-app.png" in members
        assert members[f"{top}/install.sh"].mode & 0o111
        desktop = tar.extractfile(f"{top}/counter-app.desktop")
        assert desktop is not None
        assert "Exec=/opt/counter-app/counter-app" in desktop.read().decode("utf-8")


def test_install_script_is_valid_shell() -> None:
    subprocess.run(["sh", "-n", str(ROOT / "packaging" / "linux" / "install.sh")], check=True)


def test_inno_setup_script_is_complete(tmp_path: Path) -> None:
    script = bi.inno_script(tmp_path / "dist" / "counter-app", tmp_path / "out", "1.2.3")
    assert not re.search(r"@[A-Z_]+@", script)
    assert f"AppId={{{{{bi.INNO_APP_ID}}}" in script
    assert '#define MyAppVersion "1.2.3"' in script
    assert str(tmp_path / "dist" / "counter-app") + "\\*" in script
    assert "OutputBaseFilename=counter-app-1.2.3-setup" in script
    assert "counter-app-cli.exe" in script and "init" in script


def test_windows_installer_without_iscc_says_how(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("counter_build.installers.find_iscc", lambda: None)
    assert bi.make_windows_installer(tmp_path / "bundle", tmp_path, "1.0.0") is None
    out = capsys.readouterr().out
    assert "Inno Setup" in out and "iscc" in out
    assert (tmp_path / "counter-app.iss").read_bytes().startswith(b"\xef\xbb\xbf")


def test_spec_and_command() -> None:
    compile(bi.SPEC_FILE.read_text(encoding="utf-8"), str(bi.SPEC_FILE), "exec")
    cmd = bi.pyinstaller_command(Path("/d"), Path("/w"))
    assert cmd[1:3] == ["-m", "PyInstaller"] and "--noconfirm" in cmd
    assert cmd[-1] == str(bi.SPEC_FILE)
    names = [name for name, _ in bi.executables()]
    assert names[0] == "counter-app"
    assert bi.cli_executable(Path("b")).name.startswith(("counter-app", "counter-app-cli"))


def test_entry_script_runs_the_command_line() -> None:
    proc = subprocess.run(
        [sys.executable, str(bi.ENTRY_SCRIPT), "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert "counter-app" in proc.stdout and "doctor" in proc.stdout


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_icons_exist_in_every_size() -> None:
    icons = ROOT / "resources" / "icons"
    assert (icons / "counter-app.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    for size in (16, 32, 48, 256, 512):
        assert _png_size(icons / f"counter-app-{size}.png") == (size, size)
    ico = (icons / "counter-app.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 5
    sizes = {ico[6 + 16 * i] or 256 for i in range(count)}
    assert {16, 32, 48, 256} <= sizes


def test_vietnamese_holiday_names_are_bundled() -> None:
    dests = {(Path(src).name, dest) for src, dest in bi.data_files(ROOT)}
    assert ("VN.mo", "holidays/locale/vi/LC_MESSAGES") in dests
    assert not any(name.endswith(".mo") and name != "VN.mo" for name, _ in dests)


def test_dangling_symlinks_are_removed(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "libQt6Gui.so.6").write_bytes(b"x")
    (tmp_path / "libQt6Gui.so.6").symlink_to("lib/libQt6Gui.so.6")
    (tmp_path / "libQt6Network.so.6").symlink_to("lib/libQt6Network.so.6")
    assert bi.remove_dangling_symlinks(tmp_path) == [tmp_path / "libQt6Network.so.6"]
    assert (tmp_path / "libQt6Gui.so.6").exists()
    assert not (tmp_path / "libQt6Network.so.6").is_symlink()
