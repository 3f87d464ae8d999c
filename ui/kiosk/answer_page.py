"""The public view of one dossier: its status, appointment, where and what to collect."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QWidget

from counter_app.domain import DossierStatus
from counter_app.public import PublicDossier
from ui.kiosk.style import label, page_layout, plain_label, touch_button

_STATUS_TONE = {
    DossierStatus.RESULT_READY: "ready",
    DossierStatus.RETURNED: "done",
    DossierStatus.SUPPLEMENT_REQUESTED: "action",
    DossierStatus.PAYMENT_REQUESTED: "action",
    DossierStatus.REFUSED: "stopped",
    DossierStatus.WITHDRAWN: "stopped",
    DossierStatus.STOPPED: "stopped",
}
_CLOSED = (
    DossierStatus.RETURNED,
    DossierStatus.REFUSED,
    DossierStatus.WITHDRAWN,
    DossierStatus.STOPPED,
)
_FIELDS = (
    ("code", "Mã hồ sơ"),
    ("procedure", "Thủ tục"),
    ("applicant", "Người nộp"),
    ("appointment", "Ngày hẹn trả kết quả"),
    ("result", "Kết quả"),
    ("collect_at", "Nơi nhận kết quả"),
    ("what_to_bring", "Khi đến nhận, mang theo"),
)


def _extension_text(d: PublicDossier) -> str:
    """After a Mẫu 04: that the date was moved, from when, and that the centre apologised."""
    if not d.appointment_changes:
        return ""
    first = d.appointment_changes[0].previous
    apology = " Trung tâm đã gửi văn bản xin lỗi." if d.apology_issued else ""
    return f" (đã gia hạn, hẹn cũ {first:%H:%M %d/%m/%Y}).{apology}"


class AnswerPage(QWidget):
    """Status, a card of fields, the countdown back to idle, Rate and Done.

    Signals: `rating_requested()`, `done_requested()`.
    """

    rating_requested = Signal()
    done_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = page_layout(self)
        layout.setContentsMargins(80, 28, 80, 20)
        self.status_label = label("", "statusText")
        layout.addWidget(self.status_label)
        layout.addSpacing(18)
        card = QFrame()
        card.setObjectName("answerCard")
        grid = QGridLayout(card)
        grid.setContentsMargins(36, 24, 36, 24)
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(14)
        self.fields: dict[str, QLabel] = {}
        self.captions: dict[str, QLabel] = {}
        for row, (key, caption) in enumerate(_FIELDS):
            name = plain_label(caption)
            name.setProperty("class", "fieldLabel")
            name.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            value = plain_label("")
            value.setProperty("class", "fieldValue")
            value.setWordWrap(True)
            value.setObjectName(f"field_{key}")
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self.fields[key] = value
            self.captions[key] = name
        grid.setColumnStretch(1, 1)
        layout.addWidget(card)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        self.countdown = label("", "countdown", center=False)
        buttons.addWidget(self.countdown, 1)
        self.rate_button = touch_button(
            "Đánh giá sự phục vụ", self.rating_requested.emit, "primary"
        )
        buttons.addWidget(self.rate_button)
        buttons.addWidget(touch_button("Xong", self.done_requested.emit))
        layout.addLayout(buttons)

    def clear(self) -> None:
        """Nothing of the last answer stays on screen."""
        for value in self.fields.values():
            value.clear()
        self.status_label.clear()

    def show_dossier(self, d: PublicDossier, rateable: bool) -> None:
        """Fill the page from the public view of a dossier."""
        self.status_label.setText(d.status_text)
        self.status_label.setProperty("tone", _STATUS_TONE.get(d.status, "normal"))
        self.status_label.style().unpolish(self.status_label)
        self.status_label.style().polish(self.status_label)
        a = d.appointment_at
        values = {
            "code": d.code,
            "procedure": d.procedure_name,
            "applicant": d.masked_name,
            "appointment": f"{a:%H:%M}, ngày {a:%d/%m/%Y}" + _extension_text(d),
            "result": "Đã có kết quả"
            if d.result_ready
            else ("Đã trả kết quả" if d.status is DossierStatus.RETURNED else "Chưa có kết quả"),
            "collect_at": d.collect_at,
            "what_to_bring": d.what_to_bring,
        }
        # Where to collect and what to bring only matter while a result is still to be collected.
        closed = d.status in _CLOSED
        for key, value in values.items():
            self.fields[key].setText(value)
            # Without the receipt's verification value the server gives no procedure or name.
            shown = bool(value) and not (closed and key in ("collect_at", "what_to_bring"))
            self.fields[key].setVisible(shown)
            self.captions[key].setVisible(shown)
        self.rate_button.setVisible(rateable)
