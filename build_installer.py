"""Build the counter app for this OS: a PyInstaller one-folder bundle, then an installer.

    python build_installer.py            # bundle + installer (Windows) or .tar.gz (Linux/macOS)
    python build_installer.py --smoke    # ... then run the bundle on a fresh data dir and check it
    python build_installer.py --smoke --skip-build   # check an existing bundle only

PyInstaller does not cross-build: run this on Windows for the Windows installer.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

ROOT = Path(__file__).resolve().parent
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

# Python packages that are in the dev virtualenv but not in the app.
PYTHON_EXCLUDES: tuple[str, ...] = (
    "tkinter",
    "_tkinter",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "mypy",
    "ruff",
    "PyInstaller",
    "IPython",
    "matplotlib",
    "numpy",
    # reportlab needs Pillow's core, but the app reads no AVIF/WebP images, manages no colour
    # profiles and draws no text with Pillow: these extensions and their libraries are ~9 MB.
    "PIL._avif",
    "PIL._webp",
    "PIL._imagingcms",
    "PIL._imagingft",
    "PIL._imagingtk",
    "PIL.ImageTk",
    "zxingcpp",
    "pypdf",
    "setuptools",
    "pip",
    "pygments",
    "pydoc",
    "doctest",
    "xmlrpc",
    "ensurepip",
    "idlelib",
    "lib2to3",
    "distutils",
    # Chinese/Japanese/Korean codecs: 1 MB nobody at a Vietnamese counter needs.
    "_codecs_jp",
    "_codecs_kr",
    "_codecs_cn",
    "_codecs_tw",
    "_codecs_hk",
    "_codecs_iso2022",
    "pydoc_data",
    "lib2to3",
)


@dataclass(frozen=True)
class BuildResult:
    bundle: Path
    seconds: float
    size_mb: float


class BuildError(RuntimeError):
    """The build or the smoke test failed; the message says which step."""


# ---------------------------------------------------------------------------------- what goes in


def project_version(root: Path = ROOT) -> str:
    with (root / "pyproject.toml").open("rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def platform_tag() -> str:
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
    machine = platform.machine().lower().replace("amd64", "x86_64")
    return f"{system}-{machine}"


def _files_under(folder: Path) -> Iterable[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path


# Vietnam's holiday names (the calendar asks `holidays` for them in Vietnamese); gettext files.
HOLIDAY_COUNTRIES: tuple[str, ...] = ("VN",)


def holidays_locale_files() -> list[tuple[str, str]]:
    """The `holidays` translation files for our countries only (all countries are 4.7 MB)."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or spec.origin is None:
        return []
    package = Path(spec.origin).parent
    pairs: list[tuple[str, str]] = []
    for country in HOLIDAY_COUNTRIES:
        for path in sorted(package.glob(f"locale/*/LC_MESSAGES/{country}.mo")):
            dest = PurePosixPath("holidays", path.parent.relative_to(package).as_posix())
            pairs.append((str(path), str(dest)))
    return pairs


def data_files(root: Path = ROOT) -> list[tuple[str, str]]:
    """(source file, destination folder) pairs: resources/, the alembic migrations (no caches),
    the portal export's JSON schema and the holiday names."""
    pairs: list[tuple[str, str]] = []
    for top in (root / "resources", root / "counter_app" / "db" / "migrations"):
        for path in _files_under(top):
            dest = path.parent.relative_to(root).as_posix()
            pairs.append((str(path), dest))
    for path in sorted((root / "counter_app" / "export").glob("*.json")):
        pairs.append((str(path), path.parent.relative_to(root).as_posix()))
    return pairs + holidays_locale_files()


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


# psycopg's binary wheel vendors libpq, OpenSSL and Kerberos (10 MB). Without it psycopg uses the
# system's libpq (Debian/Ubuntu: libpq5; Windows: PostgreSQL's bin folder on PATH), which only
# counters on a shared PostgreSQL database need. `--bundle-libpq` puts it back.
ENV_BUNDLE_LIBPQ = "COUNTER_APP_BUNDLE_LIBPQ"


def bundle_libpq() -> bool:
    return os.environ.get(ENV_BUNDLE_LIBPQ) == "1"


def excluded_modules() -> list[str]:
    pg = [] if bundle_libpq() else ["psycopg_binary", "psycopg_c"]
    return [*PYTHON_EXCLUDES, *pg, *excluded_qt_modules(available_qt_modules())]


def hidden_imports() -> list[str]:
    """Modules imported by name at run time, which PyInstaller cannot see."""
    from PyInstaller.utils.hooks import collect_submodules

    names: list[str] = []
    # CLI groups are discovered with pkgutil; the window is imported with importlib.
    names += collect_submodules("counter_app", filter=lambda n: ".migrations" not in n)
    names += collect_submodules("ui")
    names += [f"PySide6.{m}" for m in QT_MODULES_USED]
    names += collect_submodules("reportlab.graphics.barcode")
    names += [
        "sqlalchemy.dialects.sqlite.pysqlite",
        "sqlalchemy.dialects.postgresql.psycopg",
        "alembic.ddl.sqlite",
        "alembic.ddl.postgresql",
        "logging.handlers",
    ]
    if importlib.util.find_spec("psycopg") is not None:
        names += ["psycopg"]
        if bundle_libpq():
            names += ["psycopg_binary"]
    return sorted(set(names))


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


def strip_binaries() -> bool:
    """Strip symbols on Linux (libpython alone loses ~18 MB); Windows has no strip, macOS signs."""
    return sys.platform.startswith("linux")


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


# ---------------------------------------------------------------------------------- build


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


# ---------------------------------------------------------------------------------- installers


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


# ---------------------------------------------------------------------------------- smoke test


def smoke_env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("COUNTER_APP_") and k not in ("PYTHONPATH", "PYTHONHOME")
    }
    env.update(
        COUNTER_APP_HOME=str(home),
        QT_QPA_PLATFORM="offscreen",
        PYTHONIOENCODING="utf-8",
    )
    return env


def _run(exe: Path, args: Sequence[str], env: dict[str, str], step: str) -> str:
    proc = subprocess.run(
        [str(exe), *args],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=180,
        check=False,
    )
    if proc.returncode != 0:
        raise BuildError(
            f"smoke step {step!r} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc.stdout


def decode_pdf_barcodes(pdf: Path, dpi: int = 203) -> list[str]:
    """Every barcode/QR text found on every page, rasterised like a 203-dpi receipt printer."""
    import pypdfium2
    import zxingcpp

    texts: list[str] = []
    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        for page in doc:
            image = page.render(scale=dpi / 72).to_pil().convert("L")
            texts += [r.text for r in zxingcpp.read_barcodes(image)]
            page.close()
    finally:
        doc.close()
    return texts


def smoke(bundle: Path, *, gui_seconds: float = 8.0) -> dict[str, float]:
    """Run the bundled app on a fresh data dir: init, intake, receipt (barcode decoded), lookup."""
    exe = cli_executable(bundle)
    if not exe.exists():
        raise BuildError(f"no executable at {exe}")
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="counter-smoke-") as tmp:
        home = Path(tmp)
        env = smoke_env(home)

        def step(name: str, args: Sequence[str]) -> str:
            started = time.monotonic()
            out = _run(exe, args, env, name)
            timings[name] = time.monotonic() - started
            print(f"  smoke {name}: ok ({timings[name]:.1f} s)")
            return out

        init = json.loads(step("init", ["init", "--json"]))
        if not init.get("procedures"):
            raise BuildError(f"init loaded no procedures: {init}")
        catalog = json.loads(step("catalog", ["catalog", "--json"]))
        procedure = catalog[0]["code"]
        received = json.loads(
            step(
                "intake",
                [
                    "intake",
                    "--procedure",
                    procedure,
                    "--name",
                    "Nguyễn Thị Thuỷ",
                    "--id-number",
                    "001190012345",
                    "--phone",
                    "0912345678",
                    "--json",
                ],
            )
        )
        code = received["code"]
        pdf = home / "receipt.pdf"
        step("receipt", ["receipt", code, "--out", str(pdf)])
        texts = decode_pdf_barcodes(pdf)
        if not any(code in t for t in texts):
            raise BuildError(f"receipt barcode did not decode to {code}: {texts}")
        print(f"  smoke barcode: decoded {code}")
        found = json.loads(step("lookup", ["lookup", code, "--json"]))
        if found.get("code") != code:
            raise BuildError(f"lookup returned {found}")
        report = json.loads(step("doctor", ["doctor", "--json"]))
        if report["database"]["integrity"] != "ok":
            raise BuildError(f"doctor: database not healthy: {report['database']}")
        if report["printers"].get("source") != "qt":
            raise BuildError(f"Qt printer probe failed in the bundle: {report['printers']}")
        backup = home / "manual.sqlite3"
        step("backup", ["backup", "--out", str(backup)])
        # The dossier is not synced yet: a plain restore must refuse, a forced one succeed.
        refused = subprocess.run(
            [str(exe), "restore", str(backup)],
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=180,
            check=False,
        )
        if refused.returncode == 0 or "chưa đồng bộ" not in refused.stderr:
            raise BuildError(f"restore did not refuse over unsynced records: {refused.stderr}")
        restored = json.loads(step("restore", ["restore", str(backup), "--force", "--json"]))
        if restored.get("revision") != init.get("revision"):
            raise BuildError(f"restore: {restored}")
        if gui_seconds > 0:
            timings["gui"] = _smoke_gui(bundle, env, gui_seconds)
    return timings


def _smoke_gui(bundle: Path, env: dict[str, str], seconds: float) -> float:
    """Open the window offscreen: it must still be running after `seconds`, with no traceback
    on stderr or in the log files."""
    suffix = ".exe" if sys.platform == "win32" else ""
    exe = bundle / f"{APP_NAME}{suffix}"
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(exe)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    try:
        out, err = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        state = f"still running after {seconds:.0f} s, closed"
    else:
        if proc.returncode != 0:
            raise BuildError(f"the window exited with {proc.returncode} at start:\n{out}\n{err}")
        state = "exited cleanly"
    logs = Path(env["COUNTER_APP_HOME"]) / "logs"
    log_text = "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in sorted(logs.glob("*.log*"))
    )
    for where, text in (("stderr", err), ("log", log_text)):
        if "Traceback" in text:
            raise BuildError(f"the window raised an exception ({where}):\n{text[-3000:]}")
    print(f"  smoke gui: window {state}, no errors")
    return time.monotonic() - started


# ---------------------------------------------------------------------------------- main


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
