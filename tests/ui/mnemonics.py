"""Find Alt+letter clashes in a window, as a keyboard user meets them."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QMainWindow,
    QMenu,
    QTabBar,
    QWidget,
)


def mnemonic(text: str) -> str:
    """The Alt+key a text's '&' gives ('' for none), as Qt computes it."""
    return QKeySequence.mnemonic(text).toString()


def window_mnemonics(window: QWidget) -> dict[str, list[str]]:
    """Alt+key → what owns it among the window's menu titles and visible widgets.

    Qt's shortcut map only fires a mnemonic of a visible, enabled widget, so hidden tabs do not
    count; a key owned twice makes Qt alternate or do nothing (an "ambiguous shortcut").
    """
    owners: dict[str, list[str]] = defaultdict(list)

    def add(text: str, what: str) -> None:
        key = mnemonic(text)
        if key:
            owners[key].append(f"{what} {text!r}")

    if isinstance(window, QMainWindow) and window.menuWidget() is not None:
        for action in window.menuBar().actions():
            if action.isVisible():
                add(action.text(), "menu")
    for w in window.findChildren(QWidget):
        if not w.isVisibleTo(window) or w.window() is not window:
            continue
        if isinstance(w, QAbstractButton):
            add(w.text(), "button")
        elif isinstance(w, QLabel) and w.buddy() is not None:
            add(w.text(), "label")
        elif isinstance(w, QGroupBox) and w.isCheckable():
            add(w.title(), "group")
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                add(w.tabText(i), "tab")
    return dict(owners)


def clashes(window: QWidget) -> dict[str, list[str]]:
    """Window-level keys owned twice, plus keys owned twice inside any one menu."""
    found = {k: v for k, v in window_mnemonics(window).items() if len(v) > 1}
    menus: list[Any] = window.findChildren(QMenu)
    for menu in menus:
        inside: dict[str, list[str]] = defaultdict(list)
        for action in menu.actions():
            key = mnemonic(action.text())
            if key and action.isVisible():
                inside[key].append(action.text())
        for key, texts in inside.items():
            if len(texts) > 1:
                found[f"{menu.title()} › {key}"] = texts
    return found
