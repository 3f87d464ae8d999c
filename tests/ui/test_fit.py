"""Every window fits a 1366×768 laptop and a 1920×1080 screen, title bar and status bar included."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from counter_app.domain import Role
from tests.ui.conftest import settle
from ui.kiosk.style import kiosk_scale
from ui.widgets import FRAME_ALLOWANCE

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ((1366, 768), (1920, 1080))


def _fits_smallest(w: int, h: int) -> bool:
    return w + FRAME_ALLOWANCE.width() <= 1366 and h + FRAME_ALLOWANCE.height() <= 768


def test_windows_can_shrink_to_a_laptop_screen(
    qtbot: Any, make_window: Any, ops: Any, services: Any
) -> None:
    window = make_window(Role.SUPERVISOR)
    hint = window.minimumSizeHint()
    assert _fits_smallest(hint.width(), hint.height()), hint
    window.open_dashboard()
    dash = window.dashboard
    qtbot.addWidget(dash)
    settle(qtbot, ops)
    hint = dash.minimumSizeHint()
    assert _fits_smallest(hint.width(), hint.height()), hint
    dash.timer.stop()
    dash.close()


def test_kiosk_shrinks_to_any_full_screen(qtbot: Any, services: Any, ops: Any) -> None:
    from ui.kiosk.window import KioskWindow

    kiosk = KioskWindow(services, ops=ops)
    qtbot.addWidget(kiosk)
    for w, h in ((1366, 768), (1280, 720), (1920, 1080)):
        kiosk.apply_scale(kiosk_scale(w, h))
        for page in range(kiosk.stack.count()):
            kiosk.stack.setCurrentIndex(page)
            hint = kiosk.minimumSizeHint()
            assert hint.width() <= w and hint.height() <= h, (w, h, page, hint)
    kiosk.leave()


def _probe(tmp_path: Path, w: int, h: int) -> dict[str, Any]:
    out = tmp_path / f"{w}x{h}"
    script = (
        "openbox >/dev/null 2>&1 & OB=$!; sleep 0.5; "
        f'"{sys.executable}" -m ui.fit_probe "{out}"; RC=$?; kill $OB; exit $RC'
    )
    env = {**os.environ}
    env.pop("QT_QPA_PLATFORM", None)  # a real X window, with a real title bar
    done = subprocess.run(
        ["xvfb-run", "-a", "-s", f"-screen 0 {w}x{h}x24", "bash", "-c", script],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = [x for x in done.stdout.splitlines() if x.startswith("{")][-1]
    report: dict[str, Any] = json.loads(line)
    return report


@pytest.mark.skipif(
    not (shutil.which("xvfb-run") and shutil.which("openbox")),
    reason="needs xvfb-run and openbox (.ci/system-packages) for real window frames",
)
@pytest.mark.parametrize(("w", "h"), SCREENS)
def test_every_window_frame_inside_the_screen(tmp_path: Path, w: int, h: int) -> None:
    report = _probe(tmp_path, w, h)
    assert report["screen"] == [0, 0, w, h]
    names = set(report["windows"])
    assert {"main", "main-digitise", "dashboard", "kiosk-idle", "kiosk-answer"} <= names
    assert {"setup", "login"} <= names
    assert {"detail", "preview-a4", "preview-slip"} <= names  # the receipt preview, both layouts
    for name, win in report["windows"].items():
        ax, ay, aw, ah = win["available"]
        fx, fy, fw, fh = win["frame"]
        assert win["fits"], (name, win)
        assert ax <= fx and ay <= fy and fx + fw <= ax + aw and fy + fh <= ay + ah, name
        assert Path(win["screenshot"]).stat().st_size > 0
    # The kiosk covers the whole screen at any size.
    assert report["windows"]["kiosk-answer"]["frame"] == [0, 0, w, h]
