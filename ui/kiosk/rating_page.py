"""The citizen's rating of the service: three large scores and an optional comment."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLineEdit, QPushButton, QWidget

from counter_app.ratings import MAX_COMMENT, RatingScore
from ui.kiosk.style import label, page_layout, touch_button


class RatingPage(QWidget):
    """Pick a score (Send is enabled once one is picked), write a comment, Send or Skip.

    Signals: `send_requested()`, `skip_requested()`, `did_edit()` on any choice or keystroke.
    """

    send_requested = Signal()
    skip_requested = Signal()
    did_edit = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = page_layout(self)
        layout.addStretch(1)
        layout.addWidget(
            label("Ông/bà có hài lòng với sự phục vụ của chúng tôi?", "ratingQuestion")
        )
        layout.addSpacing(36)
        row = QHBoxLayout()
        row.addStretch(1)
        self.score_group = QButtonGroup(self)
        self.score_group.setExclusive(True)
        self.score_buttons: dict[RatingScore, QPushButton] = {}
        for score in reversed(RatingScore):
            button = touch_button(score.label, lambda: None)
            button.setProperty("class", "score")
            button.setCheckable(True)
            button.setObjectName(f"score_{score.key}")
            self.score_group.addButton(button, int(score))
            self.score_buttons[score] = button
            row.addWidget(button)
        self.score_group.idToggled.connect(lambda *_: self._score_changed())
        row.addStretch(1)
        layout.addLayout(row)
        layout.addSpacing(30)
        self.comment_edit = QLineEdit()
        self.comment_edit.setObjectName("commentEdit")
        self.comment_edit.setPlaceholderText("Ý kiến góp ý (không bắt buộc)")
        self.comment_edit.setMaxLength(MAX_COMMENT)
        self.comment_edit.textEdited.connect(lambda _: self.did_edit.emit())
        layout.addWidget(self.comment_edit)
        layout.addSpacing(30)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(touch_button("Bỏ qua", self.skip_requested.emit))
        self.send_button = touch_button("Gửi đánh giá", self.send_requested.emit, "primary")
        actions.addWidget(self.send_button)
        actions.addStretch(1)
        layout.addLayout(actions)
        layout.addStretch(1)

    @property
    def score(self) -> RatingScore | None:
        """The score picked, if any."""
        picked = self.score_group.checkedId()
        return RatingScore(picked) if picked in (1, 2, 3) else None

    def clear_score(self) -> None:
        self.score_group.setExclusive(False)
        for button in self.score_buttons.values():
            button.setChecked(False)
        self.score_group.setExclusive(True)
        self.send_button.setEnabled(False)

    def clear(self) -> None:
        """No score picked and no comment."""
        self.comment_edit.clear()
        self.clear_score()

    def _score_changed(self) -> None:
        self.send_button.setEnabled(self.score is not None)
        self.did_edit.emit()
