"""The core stays Qt-free and names no UI module; the UI stays off the database."""

from __future__ import annotations

import ast
import re
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


# `ui`, `ui.app`, `ui/printer_probe.py`, `-m ui.bench_probe`: a module of the front end by name.
_UI_NAME = re.compile(r"(?<![\w.\-])ui(?:[./][A-Za-z_]\w*)*(?![\w\-])")


def _names_of_ui(source: str) -> list[str]:
    """Each import of `ui`, and each string (docstrings too) naming a `ui` module, as line: text."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                f"{node.lineno}: import {a.name}"
                for a in node.names
                if a.name.split(".")[0] == "ui"
            ]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "ui":
            found.append(f"{node.lineno}: from {node.module}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [f"{node.lineno}: {m.group()!r}" for m in _UI_NAME.finditer(node.value)]
    return found


def test_the_check_finds_a_ui_module_named_in_code_or_strings() -> None:
    source = (
        "import importlib\n"
        "from ui.queue.run import run_window\n"
        'MODULE = "ui.printer_probe"\n'
        'app = importlib.import_module("ui.app")\n'
        'cmd = ["python", "-m", "ui.bench_probe"]\n'
        'doc = "see ui/printer_probe.py"\n'
        'section = "ui"\n'
        'fine = "font-family: system-ui; giao diện; vui.lòng; build/ui-bench; gui.py"\n'
    )
    assert sorted(int(line.split(":")[0]) for line in _names_of_ui(source)) == [2, 3, 4, 5, 6, 7]


def test_core_names_no_ui_module() -> None:
    """The window adds itself through counter_app.frontend; the core never names it."""
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in sorted((ROOT / "counter_app").rglob("*.py"))
        if (found := _names_of_ui(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
