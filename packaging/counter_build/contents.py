"""What goes into the bundle: data files, hidden imports, excluded Python modules."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from counter_build.layout import ROOT
from counter_build.qt_prune import QT_MODULES_USED, available_qt_modules, excluded_qt_modules

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
    the citizen page's templates and stylesheet, the portal export's JSON schema and the holiday
    names."""
    pairs: list[tuple[str, str]] = []
    web = root / "counter_app" / "server" / "web"
    for top in (
        root / "resources",
        root / "counter_app" / "db" / "migrations",
        root / "counter_app" / "server" / "migrations",
        web / "templates",
        web / "static",
    ):
        for path in _files_under(top):
            dest = path.parent.relative_to(root).as_posix()
            pairs.append((str(path), dest))
    for path in sorted((root / "counter_app" / "export").glob("*.json")):
        pairs.append((str(path), path.parent.relative_to(root).as_posix()))
    compiled = os.environ.get(ENV_QM_DIR)
    if compiled:  # the .qm files build_bundle compiled from resources/translations/*.ts
        for path in sorted(Path(compiled).glob("*.qm")):
            pairs.append((str(path), "resources/translations"))
    return pairs + holidays_locale_files()


ENV_QM_DIR = "COUNTER_APP_QM_DIR"


def compile_translations(out: Path, root: Path = ROOT) -> list[Path]:
    """resources/translations/*.ts → .qm with pyside6-lrelease (the app also reads a .ts)."""
    out.mkdir(parents=True, exist_ok=True)
    scripts = Path(sys.executable).parent
    lrelease = shutil.which("pyside6-lrelease", path=str(scripts)) or shutil.which(
        "pyside6-lrelease"
    )
    if lrelease is None:
        return []
    made = []
    for ts in sorted((root / "resources" / "translations").glob("*.ts")):
        qm = out / ts.with_suffix(".qm").name
        subprocess.run([lrelease, "-silent", str(ts), "-qm", str(qm)], check=True)
        made.append(qm)
    return made


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
    # CLI groups are discovered with pkgutil; the windows are imported with importlib (ui.entry).
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
        # zoneinfo finds it by name only; Windows has no other time-zone database.
        "tzdata",
    ]
    if importlib.util.find_spec("psycopg") is not None:
        names += ["psycopg"]
        if bundle_libpq():
            names += ["psycopg_binary"]
    return sorted(set(names))


def strip_binaries() -> bool:
    """Strip symbols on Linux (libpython alone loses ~18 MB); Windows has no strip, macOS signs."""
    return sys.platform.startswith("linux")
