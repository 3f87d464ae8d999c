"""Error labels under form fields: the core's Vietnamese messages shown beside their widgets."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from ui.widgets import named

ERROR_STYLE = "color: #b00020; font-size: 9pt;"
GENERAL = "_general"


class FieldErrors:
    """Maps the core's field keys (`applicant.phone`, ...) to widgets and their error labels."""

    def __init__(self) -> None:
        self.labels: dict[str, QLabel] = {}
        self.widgets: dict[str, QWidget] = {}

    def label(self, key: str, name: str) -> QLabel:
        label = named(QLabel(), f"{name}Error", wrap=True)
        label.setStyleSheet(ERROR_STYLE)
        label.hide()
        self.labels[key] = label
        return label

    def wrap(self, widget: QWidget, key: str) -> QWidget:
        """The widget with its (hidden) error label underneath, registered under `key`."""
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(1)
        v.addWidget(widget)
        v.addWidget(self.label(key, widget.objectName()))
        self.widgets[key] = widget
        if isinstance(widget, QLineEdit):
            # The clerk is correcting the field: its old message no longer applies.
            widget.textEdited.connect(lambda _text, k=key: self.clear([k]))
        return box

    def set(self, key: str, message: str) -> None:
        label = self.labels.get(key) or self.labels[GENERAL]
        label.setText(message)
        label.setVisible(bool(message))

    def clear(self, keys: Iterable[str] | None = None) -> None:
        for key in self.labels if keys is None else keys:
            if key in self.labels:
                self.labels[key].clear()
                self.labels[key].hide()

    def show(self, errors: Iterable[Any], order: list[str]) -> QWidget | None:
        """Show each error beside its field; returns the first field in `order` to focus."""
        errors = list(errors)
        self.clear()
        general: list[str] = []
        for err in errors:
            label = self.labels.get(err.field)
            if label is not None and err.field != GENERAL:
                label.setText((label.text() + "\n" if label.text() else "") + err.message)
                label.show()
            else:
                general.append(err.message)
        if general:
            self.set(GENERAL, "\n".join(general))
        fields = {e.field for e in errors}
        return next((self.widgets[k] for k in order if k in fields and k in self.widgets), None)
