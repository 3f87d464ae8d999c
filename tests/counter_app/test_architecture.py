"""The core stays Qt-free and the UI stays off the database."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(package: str) -> dict[Path, set[str]]:
    found: dict[Path, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[path] = names
    return found


def test_core_never_imports_qt_in_source() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            n for n in names if n.split(".")[0] in {"PySide6", "shiboken6", "PyQt5", "PyQt6"}
        )
        for path, names in _imports("counter_app").items()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_every_core_module_loads_no_qt() -> None:
    code = (
        "import importlib, pkgutil, sys, counter_app\n"
        "for m in pkgutil.walk_packages(counter_app.__path__, 'counter_app.'):\n"
        "    if '.migrations' in m.name: continue\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_ui_does_not_touch_the_database_directly() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            n for n in names if n.startswith(("sqlalchemy", "counter_app.db", "sqlite3", "psycopg"))
        )
        for path, names in _imports("ui").items()
    }
    assert {k: v for k, v in offenders.items() if v} == {}
