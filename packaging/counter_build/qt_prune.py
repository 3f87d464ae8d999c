"""Which parts of Qt ship: the modules the app uses, its plugins, and the libraries they need."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

# Qt modules the app uses (ui/ and the doctor's printer probe); QtCharts needs the OpenGL pair.
QT_MODULES_USED: tuple[str, ...] = (
    "QtCore",
    "QtGui",
    "QtWidgets",
    "QtPrintSupport",
    "QtCharts",
    "QtSvg",
)
# Their C++ libraries (OpenGL, OpenGLWidgets, DBus) ship as dependencies; the Python bindings of
# those need not: importing the six modules above loads no other PySide6 module.
QT_MODULES_NEEDED_BY_USED: tuple[str, ...] = ()

# Qt shared-library/plugin name fragments that must never ship (the size budget and attack surface);
# matched against file names and folder names inside the bundle.
QT_FORBIDDEN_FRAGMENTS: tuple[str, ...] = (
    "WebEngine",
    "WebChannel",
    "WebSockets",
    "WebView",
    "Quick",
    "Qml",
    "Qt63D",
    "Qt3D",
    "Multimedia",
    "SpatialAudio",
    "Pdf",
    "Designer",
    "Bluetooth",
    "Nfc",
    "Positioning",
    "Location",
    "Sensors",
    "SerialBus",
    "SerialPort",
    "RemoteObjects",
    "Scxml",
    "StateMachine",
    "TextToSpeech",
    "DataVisualization",
    "Graphs",
    "VirtualKeyboard",
    "ShaderTools",
    "Sql",
    "Test",
    "Help",
    "UiTools",
    "HttpServer",
    "NetworkAuth",
    "WebSockets",
    "Concurrent",
    "Xml",
    "CanvasPainter",
    "LabsStyleKit",
    "Lottie",
    "Wayland",
)
# Qt plugin folders the app needs; every other plugin folder is dropped.
QT_PLUGIN_DIRS_KEPT: tuple[str, ...] = (
    "platforms",
    "platformthemes",  # only xdgdesktopportal: the GTK3 theme drags in GTK, cairo and pango
    "platforminputcontexts",  # ibus/fcitx: Vietnamese typing (Telex/VNI) on Linux
    "imageformats",
    "iconengines",
    "printsupport",
    "styles",
    "xcbglintegrations",
)
# Plugins kept inside those folders, by name without "lib"/"q" and extension (None: all of them).
QT_PLUGINS_KEPT: dict[str, tuple[str, ...]] = {
    # offscreen for the smoke test and doctor's printer probe, the native one for people.
    "platforms": ("offscreen", "xcb", "minimal", "windows", "cocoa"),
    "platformthemes": ("xdgdesktopportal",),
    "imageformats": ("svg", "ico", "jpeg", "gif"),
    "platforminputcontexts": (
        "composeplatforminputcontextplugin",
        "ibusplatforminputcontextplugin",
    ),
}
QT_TRANSLATIONS_KEPT: tuple[str, ...] = ("_vi.qm", "_en.qm")


def available_qt_modules() -> list[str]:
    """Names of the Qt modules PySide6 has installed here (without importing Qt)."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return []
    names: set[str] = set()
    for folder in spec.submodule_search_locations:
        for path in Path(folder).iterdir():
            stem = path.name.split(".", 1)[0]
            if stem.startswith("Qt") and path.suffix in (".so", ".pyd", ".pyi"):
                names.add(stem)
    return sorted(names)


def excluded_qt_modules(available: Iterable[str]) -> list[str]:
    """`PySide6.X` for every installed Qt module the app does not use."""
    keep = set(QT_MODULES_USED) | set(QT_MODULES_NEEDED_BY_USED)
    return sorted(f"PySide6.{name}" for name in set(available) if name not in keep)


def _parts(dest: str) -> tuple[str, ...]:
    return PurePosixPath(dest.replace("\\", "/")).parts


def keep_in_bundle(dest: str) -> bool:
    """Whether a file PyInstaller collected belongs in the bundle (drops unused Qt parts)."""
    parts = _parts(dest)
    name = parts[-1] if parts else dest
    if "PySide6" not in parts and not name.startswith(("libQt6", "Qt6")):
        return True
    lowered = [part.lower() for part in parts]
    if any(f.lower() in part for part in lowered for f in QT_FORBIDDEN_FRAGMENTS):
        return False
    if "plugins" in parts:
        i = parts.index("plugins")
        if len(parts) > i + 2:
            folder = parts[i + 1]
            if folder not in QT_PLUGIN_DIRS_KEPT:
                return False
            kept = QT_PLUGINS_KEPT.get(folder)
            if kept is not None and _plugin_stem(name) not in kept:
                return False
    if "translations" in parts and name.endswith(".qm"):
        return name.endswith(QT_TRANSLATIONS_KEPT)
    return not ("qml" in parts or name.endswith(".qmltypes"))


def _is_dependency_only(source: str) -> bool:
    """A shared library that is in the bundle only because something links to it (Linux)."""
    path = source.replace("\\", "/")
    return (
        path.startswith(("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/"))
        or "/PySide6/Qt/lib/" in path
        # Libraries vendored by manylinux wheels (pillow.libs, psycopg_binary.libs, ...).
        or PurePosixPath(path).parent.name.endswith(".libs")
    )


# Libraries every Linux desktop provides and that should match the system they run on (the
# AppImage project's exclude list agrees): CUPS (with its TLS stack, ~8 MB), X11/xcb core,
# fontconfig/freetype (with the system's font configuration), zlib, expat and gcc's runtime.
LINUX_OS_PROVIDED: tuple[str, ...] = (
    "libcups.so.2",
    "libX11.so.6",
    "libX11-xcb.so.1",
    "libxcb.so.1",
    "libfontconfig.so.1",
    "libfreetype.so.6",
    "libexpat.so.1",
    "libz.so.1",
    "libgcc_s.so.1",
    "libcom_err.so.2",
    "libgpg-error.so.0",
    "libuuid.so.1",
)


def elf_needed(path: str) -> list[str] | None:
    """The shared libraries an ELF file links directly (`readelf -d`), or None without readelf."""
    readelf = shutil.which("readelf")
    if readelf is None:
        return None
    out = subprocess.run([readelf, "-d", path], capture_output=True, text=True, check=False).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def prune_unreachable(
    toc: Sequence[Any], needed: Callable[[str], list[str] | None] = elf_needed
) -> list[Any]:
    """Drop linked-in libraries nothing kept needs any more (e.g. GTK after its Qt theme went),
    and the libraries the OS provides (Linux only).

    Roots are the Python extensions, Qt plugins and ctypes-loaded libraries; `needed(path)` gives
    a binary's direct dependencies (None: cannot tell, keep everything).
    """
    if not sys.platform.startswith("linux"):
        return list(toc)
    by_name: dict[str, Any] = {}
    for entry in toc:
        if entry[2] != "SYMLINK":
            by_name[Path(str(entry[1])).name] = entry
            by_name.setdefault(Path(str(entry[0])).name, entry)
    roots = [
        e for e in toc if e[2] in ("BINARY", "EXTENSION") and not _is_dependency_only(str(e[1]))
    ]
    reached: set[int] = {id(e) for e in roots}
    queue = list(roots)
    while queue:
        deps = needed(str(queue.pop()[1]))
        if deps is None:
            return list(toc)
        for name in deps:
            entry = by_name.get(name)
            if name in LINUX_OS_PROVIDED or entry is None or id(entry) in reached:
                continue
            reached.add(id(entry))
            queue.append(entry)
    kept = [
        e
        for e in toc
        if e[2] == "SYMLINK"
        or (
            (id(e) in reached or not _is_dependency_only(str(e[1])))
            and Path(str(e[0])).name not in LINUX_OS_PROVIDED
        )
    ]
    # Top-level symlinks to libraries that are gone would dangle.
    names = {str(entry[0]).replace("\\", "/") for entry in kept}
    return [e for e in kept if e[2] != "SYMLINK" or str(e[1]).replace("\\", "/") in names]


def _plugin_stem(name: str) -> str:
    """`libqxcb.so` / `qwindows.dll` / `libqsvg.dylib` -> `xcb` / `windows` / `svg`."""
    stem = name.split(".", 1)[0]
    stem = stem.removeprefix("lib")
    return stem.removeprefix("q") if stem.startswith("q") else stem


def prune(toc: Sequence[Any]) -> list[Any]:
    """Filter a PyInstaller TOC (dest, source, typecode) with `keep_in_bundle`."""
    return [entry for entry in toc if keep_in_bundle(str(entry[0]))]
