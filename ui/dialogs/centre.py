"""The centre's identity and working hours: one form for first-run setup and for the admin."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.calendar import WEEKDAY_KEYS, WEEKDAY_NAMES_VI
from counter_app.centre import CentreConfig
from ui.dialogs.admin import AdminDialog
from ui.ops import Ops
from ui.widgets import named

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.services import CounterServices

_SESSION = re.compile(r"(\d{1,2}[:h]\d{2})\s*[-–]\s*(\d{1,2}[:h]\d{2})")


def hours_text(sessions: list[list[str]]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in sessions)


def parse_hours_text(text: str, day_name: str) -> list[list[str]]:
    """ "07:30-11:30, 13:30-17:00" → [["07:30", "11:30"], ["13:30", "17:00"]]; "" = closed."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    out: list[list[str]] = []
    for part in parts:
        m = _SESSION.fullmatch(part)
        if m is None:
            raise ValueError(
                f"Giờ làm việc {day_name}: «{part}» không đúng dạng giờ-giờ (ví dụ 07:30-11:30)."
            )
        out.append([m.group(1).replace("h", ":"), m.group(2).replace("h", ":")])
    return out


class CentreForm(QWidget):
    """Agency identifier and name, place, counter number and weekly working hours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.identifier = named(QLineEdit(), "agencyIdentifierInput")
        self.identifier.setPlaceholderText("ví dụ 000.00.00.H49")
        self.parent_name = named(QLineEdit(), "parentAgencyInput")
        self.name = named(QLineEdit(), "agencyNameInput")
        self.unit = named(QLineEdit(), "unitNameInput")
        self.place = named(QLineEdit(), "placeInput")
        self.counter = named(QSpinBox(), "counterNoInput")
        # 0 = not chosen: two PCs left at a default would issue the same dossier codes.
        self.counter.setRange(0, 99)
        self.counter.setSpecialValueText("— chọn số quầy —")
        ident = QGroupBox("Thông tin trung tâm")
        form = QFormLayout(ident)
        form.addRow("&Mã định danh cơ quan:", self.identifier)
        form.addRow("Cơ quan &chủ quản:", self.parent_name)
        form.addRow("&Tên trung tâm:", self.name)
        form.addRow("Tên &bộ phận:", self.unit)
        form.addRow("Đị&a danh (in trên phiếu):", self.place)
        form.addRow("&Quầy số (máy này):", self.counter)
        self.name.setMinimumWidth(380)
        hours = QGroupBox("Giờ làm việc (để trống = nghỉ)")
        hform = QFormLayout(hours)
        self.hours: dict[str, QLineEdit] = {}
        for key, day in zip(WEEKDAY_KEYS, WEEKDAY_NAMES_VI, strict=True):
            edit = named(QLineEdit(), f"hours_{key}")
            edit.setPlaceholderText("nghỉ")
            edit.setMinimumWidth(210)
            self.hours[key] = edit
            hform.addRow(f"{day}:", edit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(ident, 3)
        layout.addWidget(hours, 2)

    def set_config(self, cfg: CentreConfig, counter_no: int) -> None:
        self.identifier.setText(cfg.agency_identifier)
        self.parent_name.setText(cfg.parent_agency_name)
        self.name.setText(cfg.agency_name)
        self.unit.setText(cfg.unit_name)
        self.place.setText(cfg.place)
        self.counter.setValue(counter_no)
        for key, edit in self.hours.items():
            edit.setText(hours_text(list(cfg.working_hours.get(key) or [])))
        # setText leaves the cursor at the end, which scrolls a long name so that its start is
        # hidden ("RUNG TÂM…"): show every field from its first letter.
        for edit in (self.identifier, self.parent_name, self.name, self.unit, self.place):
            edit.setCursorPosition(0)

    def config(self) -> CentreConfig:
        """The typed settings; ValueError (Vietnamese) for malformed hours."""
        hours: dict[str, Any] = {}
        for key, day in zip(WEEKDAY_KEYS, WEEKDAY_NAMES_VI, strict=True):
            hours[key] = parse_hours_text(self.hours[key].text(), day)
        return CentreConfig(
            agency_identifier=self.identifier.text(),
            agency_name=self.name.text(),
            parent_agency_name=self.parent_name.text(),
            unit_name=self.unit.text(),
            place=self.place.text(),
            working_hours=hours,
        ).validated()


class CentreDialog(AdminDialog):
    """Admin: change the centre settings (takes effect for new dossiers)."""

    def __init__(
        self,
        services: CounterServices,
        ops: Ops,
        user: UserInfo,
        parent: QWidget | None,
        config: CentreConfig | None = None,
    ) -> None:
        super().__init__(
            services,
            ops,
            user,
            parent,
            name="centreDialog",
            title="Thông tin trung tâm và giờ làm việc",
        )
        self.form = CentreForm(self)
        self.form.counter.setEnabled(False)
        self.setMinimumWidth(960)
        self.form.counter.setToolTip(
            "Số quầy của máy này đặt bằng: counter-app config set counter_no N"
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Lưu")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Đó&ng")
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        # The caller reads the settings in the background (`open_centre_dialog`).
        self.form.set_config(config or CentreConfig(), services.settings.counter_no)

    def _save(self) -> None:
        try:
            cfg = self.form.config()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        centre, by = self.services.centre, self.user
        self._run(lambda: centre.save(cfg, by=by))

    def changed(self) -> None:
        self.services.reload_centre()
        self.accept()


def open_centre_dialog(
    services: CounterServices, ops: Ops, user: UserInfo, parent: QWidget
) -> None:
    """Read the centre settings off the UI thread, then open the dialog with them."""

    def show(cfg: CentreConfig) -> None:
        CentreDialog(services, ops, user, parent, cfg).open()

    ops.op(services.centre_config, parent).success(show).run()
