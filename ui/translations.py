"""Vietnamese for Qt's own dialogs: file dialog labels, Yes/No/Cancel, context menus.

PySide6 ships no `qtbase_vi`: the strings live in `resources/translations/qtbase_vi.ts`. The
installer build compiles it with pyside6-lrelease (`qtbase_vi.qm` beside it in the bundle); a
source checkout, which has no `.qm`, reads the `.ts` directly, so both show the same words.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

from counter_app.resources import resource_path

TS_NAME = "qtbase_vi.ts"
QM_NAME = "qtbase_vi.qm"


def read_ts(path: Path) -> dict[tuple[str, str], str]:
    """(context, source) → translation, for every finished message of a Qt Linguist file."""
    table: dict[tuple[str, str], str] = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source")
            translation = message.find("translation")
            if source is None or translation is None or translation.get("type") == "unfinished":
                continue
            table[(name, source)] = translation.text or ""
    return table


class TsTranslator(QTranslator):
    """A QTranslator answering from a `.ts` read at start-up (no compiled `.qm` needed)."""

    def __init__(self, table: dict[tuple[str, str], str]) -> None:
        super().__init__()
        self._table = table

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        # None (a null QString) means "not translated here". An empty string is a translation:
        # it blanked every other Qt string, among them the page-size names, and a QPrinter then
        # fell back to Letter and printed empty pages.
        return self._table.get((context, source))

    def isEmpty(self) -> bool:  # noqa: N802 - Qt override
        return not self._table


def install_translations(app: QCoreApplication) -> QTranslator | None:
    """Install the Vietnamese strings for Qt's dialogs; returns the translator (keep it)."""
    folder = Path(resource_path("translations", TS_NAME)).parent
    compiled = QTranslator(app)
    if (folder / QM_NAME).exists() and compiled.load(QM_NAME, str(folder)):
        app.installTranslator(compiled)
        return compiled
    source = folder / TS_NAME
    if not source.exists():
        return None
    translator = TsTranslator(read_ts(source))
    translator.setParent(app)
    app.installTranslator(translator)
    return translator
