"""Which counter this PC is, asked once on a database that was set up before the number had to
be chosen (the first-run setup dialog asks it on a new one)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.settings import MAX_COUNTER_NO
from ui.widgets import error_label, named


class CounterDialog(QDialog):
    """Signals: `counter_did_choose(int)` with the number typed (1–99)."""

    counter_did_choose = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("counterDialog")
        self.setWindowTitle("Chọn số quầy của máy này")
        intro = named(
            QLabel(
                "Máy này chưa có số quầy nên chưa cấp được mã hồ sơ. Mỗi máy một số riêng: hai "
                "máy trùng số quầy sẽ cấp trùng mã hồ sơ."
            ),
            "",
            wrap=True,
        )
        self.counter = named(QSpinBox(), "counterNoInput")
        self.counter.setRange(0, MAX_COUNTER_NO)
        self.counter.setSpecialValueText("— chọn số quầy —")
        form = QFormLayout()
        form.addRow("&Quầy số:", self.counter)
        self.error = error_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Lưu số quầy")
        self.ok.setObjectName("saveCounterButton")
        later = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        later.setText("Để &sau (chưa tiếp nhận được)")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.counter.setFocus()

    def submit(self) -> None:
        value = self.counter.value()
        if value == 0:
            self.error.setText(f"Hãy chọn số quầy từ 1 đến {MAX_COUNTER_NO}.")
            self.counter.setFocus()
            return
        self.counter_did_choose.emit(value)
        self.accept()
