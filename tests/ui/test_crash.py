"""An unexpected error: logged, the draft kept, the clerk told in Vietnamese where the log is."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import pytest

from counter_app.domain import Role
from ui.app import AppController, install_excepthook


def test_crash_keeps_draft_and_names_the_log(
    qtbot: Any,
    make_window: Any,
    ops: Any,
    services: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    window = make_window(Role.CLERK)
    window.intake.phone.setText("0912345678")
    controller = AppController(services, ops)
    controller.draft_flush = window.intake.flush_draft
    shown: list[str] = []
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    hook = install_excepthook(controller, str(tmp_path / "counter-app.log"), shown.append)
    try:
        raise RuntimeError("hỏng")
    except RuntimeError as exc:
        with caplog.at_level(logging.CRITICAL):
            hook(type(exc), exc, exc.__traceback__)
    assert "RuntimeError: hỏng" in caplog.text
    assert window.intake.draft_store.load().phone == "0912345678"
    assert len(shown) == 1 and str(tmp_path / "counter-app.log") in shown[0]
    assert "bản nháp" in shown[0]
