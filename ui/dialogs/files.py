"""The save-file dialog: Vietnamese labels, the user's documents folder, never blocking."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget


def documents_folder() -> Path:
    """The user's documents folder (Windows: Documents; Linux: ~/Documents or XDG's)."""
    where = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if not where:
        return Path.home()
    folder = Path(where)
    # A dialog given a folder that does not exist opens in the program's folder instead.
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path.home()
    return folder


def ask_save_path(
    parent: QWidget | None,
    title: str,
    filename: str,
    pattern: str,
    on_chosen: Callable[[Path], None],
) -> QFileDialog:
    """Ask where to save `filename`; `on_chosen(path)` runs only if the user picks one.

    Qt's own (non-native) dialog, so its labels are the Vietnamese ones set here and in
    resources/translations; the event loop keeps running while it is open (scanner, timers).
    """
    dialog = QFileDialog(parent, title, str(documents_folder() / filename), pattern)
    dialog.setObjectName("saveFileDialog")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    suffix = pattern.rsplit("*.", 1)[-1].rstrip(")") if "*." in pattern else ""
    if suffix:
        dialog.setDefaultSuffix(suffix)
    for label, text in (
        (QFileDialog.DialogLabel.LookIn, "Lưu vào:"),
        (QFileDialog.DialogLabel.FileName, "&Tên tệp:"),
        (QFileDialog.DialogLabel.FileType, "&Loại tệp:"),
        (QFileDialog.DialogLabel.Accept, "&Lưu"),
        (QFileDialog.DialogLabel.Reject, "&Hủy"),
    ):
        dialog.setLabelText(label, text)

    def chosen(path: str) -> None:
        if path:
            on_chosen(Path(path))

    dialog.fileSelected.connect(chosen)
    dialog.open()
    return dialog
