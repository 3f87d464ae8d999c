"""The admin PIN pad that guards leaving the kiosk's full screen (touch friendly)."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.kiosk.style import plain_label

MAX_PIN_LENGTH = 12


class PinDialog(QDialog):
    """Asks for the admin PIN with an on-screen keypad; `pin` holds what was entered."""

    def __init__(self, message: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Mã PIN quản trị")
        self.setModal(True)
        self.setObjectName("pinDialog")
        title = plain_label("Nhập mã PIN quản trị để thoát khỏi màn hình tra cứu")
        title.setWordWrap(True)
        title.setObjectName("pinTitle")
        self.message = plain_label(message)
        self.message.setObjectName("pinMessage")
        self.message.setWordWrap(True)
        self.message.setVisible(bool(message))
        self.edit = QLineEdit()
        self.edit.setObjectName("pinEdit")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setMaxLength(MAX_PIN_LENGTH)
        self.edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d*"), self.edit))
        self.edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.edit.returnPressed.connect(self.accept)
        pad = QGridLayout()
        for i, label in enumerate(["1", "2", "3", "4", "5", "6", "7", "8", "9", "Xoá", "0", "⌫"]):
            button = QPushButton(label)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMinimumSize(96, 72)
            button.clicked.connect(lambda _=False, key=label: self._press(key))
            pad.addWidget(button, i // 3, i % 3)
        ok = QPushButton("Đồng ý")
        ok.setObjectName("pinOk")
        ok.clicked.connect(self.accept)
        cancel = QPushButton("Huỷ")
        cancel.setObjectName("pinCancel")
        cancel.clicked.connect(self.reject)
        for b in (ok, cancel):
            b.setMinimumHeight(64)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        actions = QHBoxLayout()
        actions.addWidget(cancel)
        actions.addWidget(ok)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.message)
        layout.addWidget(self.edit)
        layout.addLayout(pad)
        layout.addLayout(actions)
        self.setStyleSheet(
            "QDialog#pinDialog { background: #ffffff; }"
            "QLabel#pinTitle { font-size: 18pt; font-weight: bold; }"
            "QLabel#pinMessage { font-size: 14pt; color: #b3261e; }"
            "QLineEdit#pinEdit { font-size: 28pt; padding: 8px; }"
            "QPushButton { font-size: 20pt; }"
        )
        self.edit.setFocus()

    @property
    def pin(self) -> str:
        return self.edit.text()

    def _press(self, key: str) -> None:
        if key == "Xoá":
            self.edit.clear()
        elif key == "⌫":
            self.edit.backspace()
        elif len(self.edit.text()) < MAX_PIN_LENGTH:
            self.edit.insert(key)
